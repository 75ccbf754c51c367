"""``<p>request`` (the HIS's command table) and ``<p>request_row`` (reply dataset rows)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from syncd.core.records import (
    RESEND_BY_OPERATOR_ZH,
    UNSETTLED_STATUSES,
    Answer,
    Command,
    Lease,
    RequestStatus,
)
from syncd.db import claims
from syncd.db.engine import source_errors
from syncd.db.schema import StagingTables

CLAIMABLE = ("NEW", "UNKNOWN", "IN_FLIGHT")
PARAM_COLUMNS = ("visit_key", "bka895", "bka896", "aaz218", "requested_by")
_MESSAGE_MAX = 1000
REFILL_BY = "syncd"  # WI_REQUEST.requested_by of syncd's own fee deletions (refill)


class RequestStore(claims.LeasedStore):
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.table, self.rows = engine, tables.request, tables.request_row

    def claim(self, lease: Lease, limit: int) -> list[Command]:
        """Claim due commands (one answered meanwhile by another engine is not taken)."""
        ids = claims.claim_due(self.engine, self.table, CLAIMABLE, lease, limit)
        if not ids:
            return []
        stmt = sa.select(self.table).where(self.table.c.id.in_(ids)).order_by(self.table.c.id)
        with source_errors(self.engine.url, "reading commands"), self.engine.connect() as conn:
            return [_command(r) for r in conn.execute(stmt).mappings()]

    def find(self, command_id: int) -> Command | None:
        """Command ``command_id`` whatever its status (read, not claimed); None: no such row."""
        stmt = sa.select(self.table).where(self.table.c.id == command_id)
        with source_errors(self.engine.url, "reading commands"), self.engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        return None if row is None else _command(row)

    def unsettled(self, command_id: int) -> Command | None:
        """Command ``command_id`` when it is IN_FLIGHT or UNKNOWN (read, not claimed)."""
        c = self.table.c
        stmt = sa.select(self.table).where(c.id == command_id, c.status.in_(UNSETTLED_STATUSES))
        with source_errors(self.engine.url, "reading commands"), self.engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        return None if row is None else _command(row)

    def claim_unsettled(self, command_id: int, lease: Lease) -> bool:
        """Claim command ``command_id`` while it is IN_FLIGHT or UNKNOWN and no other engine
        holds it, whatever its attempt time (which is left alone)."""
        return bool(
            claims.claim(
                self.engine, self.table, [command_id], lease, UNSETTLED_STATUSES, due=False
            )
        )

    def unsettled_commands(
        self, commands: Sequence[str], visit_key: str, *, besides: int | None = None
    ) -> int:
        """How many of the visit's ``commands`` (by name; the visit is the ``visit_key``
        column, which :meth:`mark_in_flight` fills in) are IN_FLIGHT or UNKNOWN, not counting
        the command ``besides``."""
        if not commands:
            return 0
        stmt = unsettled_commands_statement(self.table, commands, visit_key, besides)
        with source_errors(self.engine.url, "reading open commands"), self.engine.connect() as cn:
            return int(cn.execute(stmt).scalar_one())

    def request_refill(self, command: str, visit_key: str, now: datetime) -> int:
        """syncd's own fee deletion of ``visit_key`` before its rows go again: a NEW command
        ``requested_by`` syncd with params ``refill``: 1, due now; its id."""
        params = json.dumps({"visit_key": visit_key, "refill": "1"})
        values = {
            "command": command,
            "visit_key": visit_key,
            "params_json": params,
            "requested_by": REFILL_BY,
            "next_attempt_at": now,
            "created_at": now,
        }
        with source_errors(self.engine.url, "requesting a fee deletion"), self.engine.begin() as c:
            key = c.execute(sa.insert(self.table).values(values)).inserted_primary_key
            assert key is not None
            return int(key[0])

    def refills(self, commands: Sequence[str], visit_key: str) -> list[str]:
        """The statuses of syncd's own fee deletions of the visit (oldest first)."""
        c = self.table.c
        stmt = (
            sa.select(c.status)
            .where(c.visit_key == visit_key, c.command.in_(list(commands)))
            .where(c.requested_by == REFILL_BY)
            .order_by(c.id)
        )
        with source_errors(self.engine.url, "reading fee deletions"), self.engine.connect() as c2:
            return [str(status) for status in c2.execute(stmt).scalars()]

    def mark_in_flight(
        self, command_id: int, call_id: str, attempts: int, lease: Lease, visit_key: str = ""
    ) -> bool:
        """Commit the intent before the call (IN_FLIGHT, attempt, call id, a fresh lease),
        only while the command is still ours; False when its lease was taken over.

        ``visit_key`` is the visit the command acts on (its ``visit_key`` column, or the one
        in ``params_json``, which wins): it is written into the column with the intent, so
        every count of a visit's unsettled commands (:meth:`unsettled_commands`) sees this one
        while it is IN_FLIGHT or UNKNOWN, whichever way the HIS passed the visit."""
        c = self.table.c
        values = {
            "status": "IN_FLIGHT",
            "call_id": call_id,
            "attempts": attempts,
            "lease_until": lease.until,
        }
        room = getattr(c.visit_key.type, "length", None)
        if visit_key and (room is None or len(visit_key) <= room):  # too long: no such visit
            values["visit_key"] = visit_key
        stmt = sa.update(self.table).where(c.id == command_id, c.lease_owner == lease.owner)
        with source_errors(self.engine.url, "recording the intent"), self.engine.begin() as conn:
            return int(conn.execute(stmt.values(**values)).rowcount) == 1

    def defer(self, command_id: int, owner: str, until: datetime, reason_zh: str) -> bool:
        """A command that could not be processed this time (nothing sent for it): due again
        at ``until`` with the reason in ``last_error``, its status and attempts unchanged,
        its lease given back; False when it was no longer ours."""
        c = self.table.c
        stmt = (
            sa.update(self.table)
            .where(c.id == command_id, c.lease_owner == owner)
            .values(
                next_attempt_at=until,
                last_error=reason_zh[:_MESSAGE_MAX],
                lease_owner=None,
                lease_until=None,
            )
        )
        with source_errors(self.engine.url, "deferring a command"), self.engine.begin() as conn:
            return int(conn.execute(stmt).rowcount) == 1

    def answer(
        self, conn: sa.Connection, command_id: int, answer: Answer, now: datetime, owner: str
    ) -> bool:
        """Inside the caller's transaction: status, reply, flattened columns, reply rows;
        False (nothing written) when the command is no longer ours."""
        values = {**_flattened(self.table, answer.columns or {}), **_answer_values(answer, now)}
        changed = conn.execute(
            sa.update(self.table)
            .where(self.table.c.id == command_id, self.table.c.lease_owner == owner)
            .values(**values)
        ).rowcount
        if changed != 1:
            return False
        if answer.result is not None:
            conn.execute(sa.delete(self.rows).where(self.rows.c.request_id == command_id))
            for row in _reply_rows(self.rows, command_id, answer.result.get("datasets", {})):
                conn.execute(sa.insert(self.rows).values(**row))
        return True

    def requeue(self, request_id: int | None, now: datetime, command: str | None = None) -> int:
        """``syncd retry``: a FAILED command (or every FAILED one, of ``command`` when given)
        → NEW, attempts from 0."""
        c = self.table.c
        stmt = sa.update(self.table).where(c.status == "FAILED")
        if request_id is not None:
            stmt = stmt.where(c.id == request_id)
        if command is not None:
            stmt = stmt.where(c.command == command)
        stmt = stmt.values(
            status="NEW",
            attempts=0,
            next_attempt_at=now,
            lease_owner=None,
            lease_until=None,
            answered_at=None,
        )
        with source_errors(self.engine.url, "re-queueing commands"), self.engine.begin() as conn:
            return int(conn.execute(stmt).rowcount)

    def resend_unknown(self, request_id: int, now: datetime) -> int:
        """``syncd retry FEED ID --not-processed``: an operator checked the platform and the
        UNKNOWN command was not processed: NEW again now (attempts kept), so it is sent."""
        c = self.table.c
        stmt = (
            sa.update(self.table)
            .where(c.id == request_id, c.status == "UNKNOWN")
            .values(
                status="NEW",
                next_attempt_at=now,
                lease_owner=None,
                lease_until=None,
                answered_at=None,
                last_error=RESEND_BY_OPERATOR_ZH,
            )
        )
        with source_errors(self.engine.url, "re-sending a command"), self.engine.begin() as conn:
            return int(conn.execute(stmt).rowcount)


def unsettled_commands_statement(
    table: sa.Table, commands: Sequence[str], visit_key: str, besides: int | None = None
) -> sa.Select[Any]:
    c = table.c
    stmt = sa.select(sa.func.count()).where(
        c.visit_key == visit_key, c.command.in_(list(commands)), c.status.in_(UNSETTLED_STATUSES)
    )
    return stmt if besides is None else stmt.where(c.id != besides)


def _answer_values(answer: Answer, now: datetime) -> dict[str, object]:
    values: dict[str, object] = {
        "status": answer.status.value,
        "attempts": answer.attempts,
        "next_attempt_at": answer.next_attempt_at or now,
        "lease_owner": None,
        "lease_until": None,
        "return_code": answer.return_code,
        "return_code_message": answer.message[:_MESSAGE_MAX],
        "last_error": answer.last_error[:_MESSAGE_MAX] or None,
    }
    if answer.call_id:
        values["call_id"] = answer.call_id
    if answer.status in (RequestStatus.DONE, RequestStatus.REJECTED, RequestStatus.FAILED):
        values["answered_at"] = now
    if answer.result is not None:
        values["result_json"] = json.dumps(answer.result, ensure_ascii=False, default=str)
    return values


_OWN = frozenset(
    {
        "id",
        "command",
        "params_json",
        "created_at",
        "status",
        "attempts",
        "next_attempt_at",
        "lease_owner",
        "lease_until",
        "call_id",
        "answered_at",
        "return_code",
        "return_code_message",
        "result_json",
        "last_error",
        *PARAM_COLUMNS,
    }
)


_ROW_OWN = frozenset({"id", "request_id", "dataset", "row_no", "row_json"})


def _flattened(
    table: sa.Table, columns: Mapping[str, object], own: frozenset[str] = _OWN
) -> dict[str, object]:
    """Reply values for the table's flattened columns (names matched case-insensitively)."""
    out: dict[str, object] = {}
    for name, value in columns.items():
        column = name.lower()
        if column in table.c and column not in own and value not in (None, ""):
            out[column] = _typed(table.c[column], value)
    return out


def _typed(column: sa.Column[Any], value: object) -> object:
    if isinstance(column.type, (sa.Numeric, sa.Integer)):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return int(number) if isinstance(column.type, sa.Integer) else number
    length = getattr(column.type, "length", None)
    return str(value)[:length] if length else str(value)


def _reply_rows(
    table: sa.Table, request_id: int, datasets: Mapping[str, Sequence[Mapping[str, str]]]
) -> list[dict[str, object]]:
    rows = []
    for name, dataset in datasets.items():
        for number, row in enumerate(dataset, start=1):
            values = _flattened(table, row, _ROW_OWN)  # a reply row's aaz218 is a reply value
            rows.append(
                {
                    **values,
                    "request_id": request_id,
                    "dataset": name[:32],
                    "row_no": number,
                    "row_json": json.dumps(row, ensure_ascii=False),
                }
            )
    return rows


def _command(r: Any) -> Command:
    params = {k: str(r[k]) for k in PARAM_COLUMNS if r[k] not in (None, "")}
    params.update(_params_json(r["params_json"]))
    return Command(
        id=int(r["id"]),
        command=r["command"],
        params=params,
        status=RequestStatus(r["status"]),
        attempts=int(r["attempts"]),
        call_id=r["call_id"] or "",
    )


def _params_json(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    try:
        doc = json.loads(text)
    except ValueError:
        return {"__invalid__": "params_json"}
    if not isinstance(doc, dict):
        return {"__invalid__": "params_json"}
    return {str(k): "" if v is None else str(v) for k, v in doc.items()}
