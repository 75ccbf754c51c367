"""What the nightly reconciliation reads from the HIS database (L2, SQLAlchemy only).

* :class:`HisSettlements` — the DBA's view of the day's settlements (``V_WI_SETTLEMENT_DAY``:
  SETTLE_ID, VISIT_KIND, VISIT_NO, PERSON_NO, AAZ218, BKA001, SETTLE_TIME, CANCELLED, any
  settlement figure columns, e.g. AKC264, BKA831, BKA832, AKE039, and optionally AAC002
  社会保障号码 and AAC003 姓名 for the report); SETTLE_TIME comes back as a ``datetime`` on
  every database (SQLite hands ``SELECT *`` timestamps over as text);
* :class:`LedgerReader` — syncd's own tables: the visit ledger, ``sync_status`` and
  ``WI_REQUEST`` (stuck rows, fee rows never uploaded, overdue 病案首页, calls concluded with
  a flagged reply) and the person number of a visit from the admission/registration views
  the mappings name.

View and column names come from validated settings and mapping files and are emitted
unquoted; every value is bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from syncd.core.errors import SourceError
from syncd.core.reconcile_records import FeedColumns, FlaggedReply, HisRow, StuckRow
from syncd.db.engine import source_errors
from syncd.db.feed_source import view_table
from syncd.db.schema import StagingTables

_CHUNK = 500  # values per IN list (Oracle allows 1000)
_TEXT = sa.String(200)
_STUCK_SYNC = ("UNKNOWN", "FAILED")
_STUCK_REQUEST = ("UNKNOWN", "FAILED")
_FLAGGED = '%"reply_flag"%'  # rules.replies.FLAG_KEY as result_json writes it


def chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


class HisSettlements:
    def __init__(self, engine: sa.Engine, view: str) -> None:
        self.engine, self.view = engine, view

    def statement(self, start: datetime, end: datetime) -> sa.Select[Any]:
        """Every row whose SETTLE_TIME lies in [start, end)."""
        table = view_table(self.view, ["SETTLE_TIME"])
        when = table.c["SETTLE_TIME"]
        return sa.select(sa.text("*")).select_from(table).where(when >= start, when < end)

    def settlements(self, start: datetime, end: datetime) -> list[HisRow]:
        with (
            source_errors(self.engine.url, "reading the settlement view"),
            self.engine.connect() as conn,
        ):
            rows = conn.execute(self.statement(start, end)).mappings().all()
        return [HisRow(_settlement_row(row, self.view)) for row in rows]


class LedgerReader:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.tables = engine, tables

    def _all(self, stmt: sa.Executable, what: str) -> list[Any]:
        """The one place statements run (the SQL compile tests capture them here)."""
        with source_errors(self.engine.url, what), self.engine.connect() as conn:
            return list(conn.execute(stmt))

    def visit_numbers(self, visit_keys: Sequence[str]) -> dict[tuple[str, str], str]:
        """(visit_key, kind) → aaz218 of the visits syncd knows."""
        v = self.tables.visit.c
        out: dict[tuple[str, str], str] = {}
        for part in chunks(sorted(set(visit_keys))):
            stmt = sa.select(v.visit_key, v.kind, v.aaz218).where(v.visit_key.in_(part))
            for key, kind, aaz218 in self._all(stmt, "reading the visit ledger"):
                out[(key, kind)] = aaz218 or ""
        return out

    def visits_touched(self, start: datetime, end: datetime) -> list[tuple[str, str, str]]:
        """(visit_key, kind, aaz218) of visits whose platform state changed in [start, end)."""
        v = self.tables.visit.c
        stmt = sa.select(v.visit_key, v.kind, v.aaz218).where(
            v.state_changed_at >= start, v.state_changed_at < end, v.aaz218.is_not(None)
        )
        return [(k, kind, z or "") for k, kind, z in self._all(stmt, "reading the visit ledger")]

    def persons(
        self, source: FeedColumns, person_column: str, visit_keys: Sequence[str]
    ) -> dict[str, str]:
        """visit key → person number (aac001) read from a feed's view (admission/registration)."""
        table = view_table(source.view, [source.visit, person_column])
        visit, person = table.c[source.visit], table.c[person_column]
        out: dict[str, str] = {}
        for part in chunks(sorted(set(visit_keys))):
            stmt = sa.select(sa.cast(visit, _TEXT), sa.cast(person, _TEXT)).where(
                sa.cast(visit, _TEXT).in_(part)
            )
            for key, aac001 in self._all(stmt, "reading person numbers"):
                if aac001:
                    out[str(key)] = str(aac001).strip()
        return out

    def stuck(self, now: datetime, stuck_after_s: float) -> list[StuckRow]:
        """Rows syncd has not finished: UNKNOWN, FAILED, or in flight longer than allowed."""
        return self._stuck_feeds(now, stuck_after_s) + self._stuck_commands(now, stuck_after_s)

    def _stuck_feeds(self, now: datetime, stuck_after_s: float) -> list[StuckRow]:
        s = self.tables.sync_status.c
        since = sa.func.coalesce(s.updated_at, s.created_at)
        old = since < now - timedelta(seconds=stuck_after_s)
        stmt = (
            sa.select(s.feed, s.source_key, s.visit_key, s.aaz218, s.status, since)
            .where(sa.or_(s.status.in_(_STUCK_SYNC), sa.and_(s.status == "IN_FLIGHT", old)))
            .order_by(s.feed, s.source_key)
        )
        return [
            StuckRow(f, k, vk or "", z or "", st, t)
            for f, k, vk, z, st, t in self._all(stmt, "reading sync status")
        ]

    def _stuck_commands(self, now: datetime, stuck_after_s: float) -> list[StuckRow]:
        r = self.tables.request.c
        old = r.created_at < now - timedelta(seconds=stuck_after_s)
        waiting = sa.and_(r.status.in_(("IN_FLIGHT", "NEW")), old)
        stmt = (
            sa.select(r.command, r.id, r.visit_key, r.aaz218, r.status, r.created_at)
            .where(sa.or_(r.status.in_(_STUCK_REQUEST), waiting))
            .order_by(r.id)
        )
        return [
            StuckRow(c, str(i), vk or "", z or "", st, t)
            for c, i, vk, z, st, t in self._all(stmt, "reading commands")
        ]

    def flagged(self, start: datetime, end: datetime) -> list[FlaggedReply]:
        """Calls concluded in [start, end) with a flagged reply: the feeds' rows (with their
        function), then the commands (the command names the call)."""
        s, r = self.tables.sync_status.c, self.tables.request.c
        rows = (
            sa.select(s.feed, s.source_key, s.function_id, s.visit_key, s.aaz218, s.result_json)
            .add_columns(s.finished_at)
            .where(s.finished_at >= start, s.finished_at < end, s.result_json.like(_FLAGGED))
            .order_by(s.finished_at, s.id)
        )
        commands = (
            sa.select(r.command, r.id, r.visit_key, r.aaz218, r.result_json, r.answered_at)
            .where(r.answered_at >= start, r.answered_at < end, r.result_json.like(_FLAGGED))
            .order_by(r.id)
        )
        return [
            FlaggedReply(f, str(k), fn or "", vk or "", z or "", doc or "", at)
            for f, k, fn, vk, z, doc, at in self._all(rows, "reading sync status")
        ] + [
            FlaggedReply(c, str(i), "", vk or "", z or "", doc or "", at)
            for c, i, vk, z, doc, at in self._all(commands, "reading commands")
        ]

    def unsent_rows(self, source: FeedColumns, visit_keys: Sequence[str]) -> dict[str, int]:
        """visit key → number of the feed's view rows without a SUCCEEDED ``sync_status``."""
        table = view_table(source.view, [*source.key, source.visit])
        key = _key_expression(table, source.key)
        visit = sa.cast(table.c[source.visit], _TEXT)
        s = self.tables.sync_status.c
        sent = sa.select(sa.literal(1)).where(
            s.feed == source.feed, s.source_key == key, s.status == "SUCCEEDED"
        )
        out: dict[str, int] = {}
        for part in chunks(sorted(set(visit_keys))):
            stmt = (
                sa.select(visit, sa.func.count())
                .where(visit.in_(part), ~sa.exists(sent))
                .group_by(visit)
            )
            out.update({str(k): int(n) for k, n in self._all(stmt, "reading unsent rows")})
        return out

    def overdue(
        self, discharge_feed: str, record_feed: str, cutoff: datetime
    ) -> list[tuple[str, str, datetime]]:
        """(visit_key, aaz218, discharged at) of visits whose discharge registration succeeded
        before ``cutoff`` and whose ``record_feed`` row has not succeeded."""
        s = self.tables.sync_status
        done = s.alias("done")
        uploaded = sa.select(sa.literal(1)).where(
            done.c.feed == record_feed,
            done.c.visit_key == s.c.visit_key,
            done.c.status == "SUCCEEDED",
        )
        last = sa.func.max(s.c.finished_at)  # a re-sent (new version) discharge counts anew
        stmt = (
            sa.select(s.c.visit_key, sa.func.max(s.c.aaz218), last)
            .where(s.c.feed == discharge_feed, s.c.status == "SUCCEEDED", ~sa.exists(uploaded))
            .group_by(s.c.visit_key)
            .having(last < cutoff)
            .order_by(last, s.c.visit_key)
        )
        return [(k, z or "", at) for k, z, at in self._all(stmt, "reading discharges")]


def _settlement_row(row: Mapping[Any, Any], view: str) -> dict[str, Any]:
    values = {str(k).lower(): v for k, v in row.items()}
    when = values.get("settle_time")
    if isinstance(when, str):
        try:
            values["settle_time"] = datetime.fromisoformat(when.strip())
        except ValueError:
            raise SourceError(
                f"{view}.SETTLE_TIME 不是日期时间（{when[:30]!r}）/ SETTLE_TIME is not a timestamp"
            ) from None
    elif isinstance(when, date) and not isinstance(when, datetime):
        values["settle_time"] = datetime.combine(when, datetime.min.time())
    return values


def _key_expression(table: sa.TableClause, key: Iterable[str]) -> sa.ColumnElement[Any]:
    """The ``sync_status.source_key`` of a view row (as :mod:`syncd.db.feed_source` builds it)."""
    parts = [sa.cast(table.c[c], _TEXT) for c in key]
    expr: sa.ColumnElement[Any] = parts[0]
    for part in parts[1:]:
        expr = expr.concat("/").concat(part)
    return expr
