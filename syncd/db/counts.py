"""The counts of the staging tables, read in one place: :func:`read_counts`.

``syncd status``, the ``/metrics`` gauges, systemd's ``STATUS=`` line and the alerts all read
these same numbers (read-only, one connection, a GROUP BY per table):

* per fact-view feed, rows by status (``WI_SYNC_STATUS``); the command table's rows counted
  with the same words (``NEW`` as PENDING, ``DONE`` as SUCCEEDED) as the feed ``(commands)``;
* succeeded and rejected today (finished since local midnight), the oldest PENDING row's
  ``created_at``,
  the newest row's ``created_at``, the last success and the last error;
* **blocked**: rows WAITING behind a refused, failed or rejected row (``blocked_by`` names it:
  the visit's admission or registration was rejected, a fee row before the discharge failed)
  — counted as blocked, *not* as waiting: they go once that row is fixed and sent;
* the last finished reconciliation run (its day and how many differences it found);
* the last archived exchange with the platform (its function, time, outcome and duration).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from syncd.db.engine import source_errors
from syncd.db.schema import StagingTables

COMMANDS_FEED = "(commands)"
COMMAND_AS_FEED = {"NEW": "PENDING", "DONE": "SUCCEEDED"}
STATUS_KEYS = ("PENDING", "WAITING", "IN_FLIGHT", "UNKNOWN", "FAILED", "REJECTED", "SUCCEEDED")
_NOT_SUCCEEDED = tuple(s for s in STATUS_KEYS if s != "SUCCEEDED")
_OPEN = tuple(s for s in _NOT_SUCCEEDED if s != "REJECTED")  # not final (FAILED: until retried)
_OPEN_COMMANDS = ("NEW", "IN_FLIGHT", "UNKNOWN", "FAILED")  # the due index serves them
_NOT_DONE = (*_OPEN_COMMANDS, "REJECTED")


@dataclass(frozen=True)
class FeedCounts:
    """One feed's (or the command table's) counts."""

    feed: str
    by_status: Mapping[str, int] = field(default_factory=dict)
    succeeded_today: int = 0
    rejected_today: int = 0
    blocked: int = 0
    oldest_pending: datetime | None = None
    newest: datetime | None = None
    last_success: datetime | None = None
    last_error: str = ""

    def count(self, status: str) -> int:
        return int(self.by_status.get(status, 0))


@dataclass(frozen=True)
class LastReconciliation:
    day: date
    mismatches: int
    finished_at: datetime | None
    report_html: str


@dataclass(frozen=True)
class LastCall:
    function_id: str
    at: datetime
    outcome: str
    duration_ms: int | None


@dataclass(frozen=True)
class Counts:
    """Everything :func:`read_counts` found, as of ``at`` (naive local time)."""

    at: datetime
    feeds: Mapping[str, FeedCounts]
    commands: FeedCounts
    reconciliation: LastReconciliation | None = None
    last_call: LastCall | None = None

    def every(self) -> list[FeedCounts]:
        """The feeds, then the command table."""
        return [*self.feeds.values(), self.commands]

    def total(self, status: str) -> int:
        return sum(f.count(status) for f in self.every())

    @property
    def blocked(self) -> int:
        return sum(f.blocked for f in self.every())

    @property
    def succeeded_today(self) -> int:
        return sum(f.succeeded_today for f in self.every())

    def oldest_pending(self) -> FeedCounts | None:
        """The feed whose oldest PENDING row is the oldest of all (None: nothing pending)."""
        found = [f for f in self.every() if f.oldest_pending is not None]
        return min(found, key=lambda f: f.oldest_pending or self.at) if found else None

    def newest(self) -> datetime | None:
        return max((f.newest for f in self.every() if f.newest), default=None)

    def status_line(self) -> str:
        """systemd's ``STATUS=`` and the foot of ``syncd status``: one line of totals."""
        t = {key: self.total(key) for key in STATUS_KEYS}
        return (
            f"pending={t['PENDING']} waiting={t['WAITING']} blocked={self.blocked} "
            f"in_flight={t['IN_FLIGHT']} unknown={t['UNKNOWN']} failed={t['FAILED']} "
            f"rejected={t['REJECTED']} succeeded_today={self.succeeded_today}"
        )


def read_counts(
    engine: sa.Engine,
    tables: StagingTables,
    now: datetime,
    *,
    last_errors: bool = True,
    open_only: Collection[str] | None = None,
) -> Counts:
    """The counts as of ``now`` (naive local time); ``last_errors=False`` skips the last-error
    look-ups (the metrics do not show them).  SourceError when the database fails.

    ``open_only`` (the console's dashboard: the feed names it shows) reads the open rows
    (pending … failed) through the due index and, for each of those feeds, its REJECTED rows,
    today's successes and the last one through ``<p>sync_status_ix_done``; the command table
    likewise (its open commands through its due index, REJECTED and DONE through
    ``<p>request_ix_done``): it costs what is open, not everything ever sent (a GROUP BY over
    a million rows).  The SUCCEEDED (DONE) totals and the newest row are left out."""
    q = Queries(tables, datetime.combine(now.date(), datetime.min.time()))
    with source_errors(engine.url, "counting the staging tables"), engine.connect() as conn:
        rows: dict[str, list[Any]] = {}
        for feed, *rest in conn.execute(q.feeds(open_only is not None)):
            rows.setdefault(str(feed), []).append(rest)
        for feed in open_only or ():
            rows.setdefault(feed, []).extend(_finished(conn, q, feed))
        feeds = {feed: _group(found, {}) for feed, found in sorted(rows.items())}
        blocked = {str(feed): int(n) for feed, n in conn.execute(q.blocked())}
        found_commands: list[Any] = list(conn.execute(q.commands(open_only is not None)))
        if open_only is not None:
            found_commands += _finished(conn, q, None)
        commands = _group(found_commands, COMMAND_AS_FEED)
        errors: dict[str, str] = {}
        if last_errors:
            errors = _last_errors(conn, q, open_only)
            commands["last_error"] = str(conn.execute(q.command_error()).scalar() or "")
        recon = conn.execute(q.reconciliation()).first()
        call = conn.execute(q.last_call()).first()
    for name, values in feeds.items():  # a blocked row counts as blocked, not as waiting
        by_status = values["by_status"]
        if name in blocked and "WAITING" in by_status:
            by_status["WAITING"] = max(0, by_status["WAITING"] - blocked[name])
    by_feed = {
        name: FeedCounts(
            name, **values, blocked=blocked.get(name, 0), last_error=errors.get(name, "")
        )
        for name, values in feeds.items()
    }
    last = (
        None
        if recon is None
        else LastReconciliation(recon[0], int(recon[1] or 0), recon[2], str(recon[3] or ""))
    )
    last_call = (
        None if call is None else LastCall(str(call[0]), call[1], str(call[2] or ""), call[3])
    )
    return Counts(now, by_feed, FeedCounts(COMMANDS_FEED, **commands), last, last_call)


def _finished(conn: sa.Connection, q: Queries, feed: str | None) -> list[list[Any]]:
    """``open_only``: the feed's (None: the command table's) REJECTED rows and its successes
    (today's, and the last one: no total) as rows for :func:`_group`."""
    rejected_n, rejected_today, rejected_last = conn.execute(q.finished(feed, "REJECTED")).one()
    today_n, last = conn.execute(q.done_today(feed)).one()
    if not today_n:
        last = conn.execute(q.last_done(feed)).scalar()
    rejected = ["REJECTED", rejected_n, None, None, rejected_last, rejected_today]
    return [
        ["SUCCEEDED", None, None, None, last, int(today_n or 0)],
        *([rejected] if rejected_n else []),
    ]


def _last_errors(
    conn: sa.Connection, q: Queries, open_only: Collection[str] | None
) -> dict[str, str]:
    """Per feed, the error of its latest changed row not SUCCEEDED: from every such row (two
    statements), or (``open_only``) from the open rows and each feed's latest REJECTED one."""
    statuses = _NOT_SUCCEEDED if open_only is None else _OPEN
    found: dict[str, tuple[datetime, int, str]] = {}

    def keep(feed: str, at: datetime, row_id: int, error: object) -> None:
        if feed not in found or (at, row_id) > found[feed][:2]:
            found[feed] = (at, row_id, str(error or ""))

    latest = [(str(f), at) for f, at in conn.execute(q.latest_errors(statuses)) if at]
    if latest:
        for feed, row_id, at, error in conn.execute(q.errors_at(latest, statuses)):
            keep(str(feed), at, int(row_id), error)
    for feed in open_only or ():
        rejected = conn.execute(q.last_rejected(feed)).first()
        if rejected is not None:
            keep(feed, rejected[2], int(rejected[1]), rejected[0])
    return {feed: error for feed, (_, _, error) in found.items()}


def _group(rows: Any, status_of: Mapping[str, str]) -> dict[str, Any]:
    """Fold (status, count, oldest, newest, last finish, finished today) rows of one feed."""
    out: dict[str, Any] = {"by_status": {}, "succeeded_today": 0, "rejected_today": 0}
    for status, n, oldest, newest, last_done, today_n in rows:
        status = status_of.get(str(status), str(status))
        if n is not None:  # None: not counted (read_counts' open_only)
            out["by_status"][status] = out["by_status"].get(status, 0) + int(n)
        if status == "PENDING":
            out["oldest_pending"] = oldest
        if status == "SUCCEEDED":
            out["succeeded_today"] += int(today_n or 0)
            out["last_success"] = last_done
        if status == "REJECTED":
            out["rejected_today"] += int(today_n or 0)
        out["newest"] = max(filter(None, (out.get("newest"), newest)), default=None)
    return out


class Queries:
    """The statements of :func:`read_counts` (also compiled for Oracle and SQL Server by the
    tests); ``today`` is local midnight."""

    def __init__(self, tables: StagingTables, today: datetime) -> None:
        self.rows, self.request, self.recon = tables.sync_status, tables.request, tables.recon_run
        self.message = tables.message
        self.today = today

    def _columns(self, table: sa.Table, finished: sa.ColumnElement[Any]) -> list[Any]:
        c = table.c
        done_today = sa.case((finished >= self.today, 1), else_=0)
        return [
            c.status,
            sa.func.count(),
            sa.func.min(c.created_at),
            sa.func.max(c.created_at),
            sa.func.max(finished),
            sa.func.sum(done_today),
        ]

    def feeds(self, open_only: bool = False) -> sa.Select[Any]:
        c = self.rows.c
        stmt = sa.select(c.feed, *self._columns(self.rows, c.finished_at))
        if open_only:
            stmt = stmt.where(c.status.in_(_OPEN))
        return stmt.group_by(c.feed, c.status)

    def _final(self, feed: str | None) -> tuple[Any, Any, list[Any], str]:
        """A feed's rows (None: the command table): columns, finish time, filter, success."""
        if feed is None:
            c = self.request.c
            return c, c.answered_at, [], "DONE"
        c = self.rows.c
        return c, c.finished_at, [c.feed == feed], "SUCCEEDED"

    def finished(self, feed: str | None, status: str) -> sa.Select[Any]:
        """One feed's (the command table's) rows of a final status: how many, how many today,
        the last (done index: an index-only range)."""
        c, at, where, _ = self._final(feed)
        today = sa.func.sum(sa.case((at >= self.today, 1), else_=0))
        return sa.select(sa.func.count(), today, sa.func.max(at)).where(*where, c.status == status)

    def last_rejected(self, feed: str) -> sa.Select[Any]:
        c = self.rows.c
        return (
            sa.select(c.last_error, c.id, c.updated_at)
            .where(
                c.feed == feed,
                c.status == "REJECTED",
                c.finished_at.is_not(None),
                c.last_error.is_not(None),
                c.updated_at.is_not(None),
            )
            .order_by(c.finished_at.desc())
            .limit(1)
        )

    def done_today(self, feed: str | None) -> sa.Select[Any]:
        c, at, where, done = self._final(feed)
        return sa.select(sa.func.count(), sa.func.max(at)).where(
            *where, c.status == done, at >= self.today
        )

    def last_done(self, feed: str | None) -> sa.Select[Any]:
        c, at, where, done = self._final(feed)
        return sa.select(sa.func.max(at)).where(*where, c.status == done)

    def commands(self, open_only: bool = False) -> sa.Select[Any]:
        c = self.request.c
        stmt = sa.select(*self._columns(self.request, c.answered_at))
        if open_only:
            stmt = stmt.where(c.status.in_(_OPEN_COMMANDS))
        return stmt.group_by(c.status)

    def blocked(self) -> sa.Select[Any]:
        """WAITING rows per feed held up by a refused, failed or rejected row (the due
        index's WAITING range)."""
        c = self.rows.c
        return (
            sa.select(c.feed, sa.func.count())
            .where(c.status == "WAITING", c.blocked_by.is_not(None))
            .group_by(c.feed)
        )

    def _erring(self, statuses: Sequence[str]) -> list[sa.ColumnElement[bool]]:
        """Rows of ``statuses`` with an error (``IN``: the due index serves it)."""
        c = self.rows.c
        return [c.status.in_(list(statuses)), c.last_error.is_not(None)]

    def latest_errors(self, statuses: Sequence[str] = _NOT_SUCCEEDED) -> sa.Select[Any]:
        c = self.rows.c
        return (
            sa.select(c.feed, sa.func.max(c.updated_at))
            .where(*self._erring(statuses))
            .group_by(c.feed)
        )

    def errors_at(
        self, latest: Sequence[tuple[str, datetime]], statuses: Sequence[str] = _NOT_SUCCEEDED
    ) -> sa.Select[Any]:
        """The rows of :meth:`latest_errors`' (feed, time) pairs (ties: the caller takes the
        highest id)."""
        c = self.rows.c
        at = [sa.and_(c.feed == feed, c.updated_at == when) for feed, when in latest]
        return sa.select(c.feed, c.id, c.updated_at, c.last_error).where(
            *self._erring(statuses), sa.or_(*at)
        )

    def command_error(self) -> sa.Select[Any]:
        c = self.request.c
        reason = sa.func.coalesce(c.last_error, c.return_code_message)
        return (
            sa.select(reason)
            .where(c.status.in_(_NOT_DONE), reason.is_not(None))  # the due index, not a scan
            .order_by(c.id.desc())
            .limit(1)
        )

    def reconciliation(self) -> sa.Select[Any]:
        c = self.recon.c
        return (
            sa.select(c.recon_date, c.mismatch_count, c.finished_at, c.report_html)
            .where(c.status == "DONE")
            .order_by(c.id.desc())
            .limit(1)
        )

    def last_call(self) -> sa.Select[Any]:
        c = self.message.c
        return (
            sa.select(c.function_id, c.created_at, c.outcome, c.duration_ms)
            .order_by(c.id.desc())
            .limit(1)
        )

    def all(self) -> list[sa.Select[Any]]:
        return [
            self.feeds(),
            self.commands(),
            self.blocked(),
            self.latest_errors(),
            self.command_error(),
            self.reconciliation(),
            self.last_call(),
            self.feeds(True),
            self.done_today("f"),
            self.last_done("f"),
            self.finished("f", "REJECTED"),
            self.last_rejected("f"),
            self.latest_errors(_OPEN),
            self.errors_at([("f", self.today)]),
            self.commands(True),
            self.done_today(None),
            self.last_done(None),
            self.finished(None, "REJECTED"),
        ]
