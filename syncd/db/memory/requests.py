"""``<p>request`` in memory: :class:`MemoryRequests` behaves as :class:`~syncd.db.request_store.
RequestStore` does (the contract suite in ``tests/contract`` holds both to it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from syncd.core.records import (
    RESEND_BY_OPERATOR_ZH,
    UNSETTLED_STATUSES,
    Answer,
    Command,
    Lease,
    RequestStatus,
)
from syncd.db.memory.outbox import LeasedRow, LeasedRows
from syncd.db.schema import staging_tables

CLAIMABLE = ("NEW", "UNKNOWN", "IN_FLIGHT")
PARAM_COLUMNS = ("visit_key", "bka895", "bka896", "aaz218", "requested_by")
_ANSWERED = (RequestStatus.DONE, RequestStatus.REJECTED, RequestStatus.FAILED)
_MESSAGE_MAX = 1000


@dataclass
class CommandRow(LeasedRow):
    command: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # visit_key, bka895, … as columns
    params_json: dict[str, str] = field(default_factory=dict)
    attempts: int = 0
    call_id: str | None = None
    answered_at: datetime | None = None
    return_code: str | None = None
    return_code_message: str | None = None
    last_error: str | None = None
    result: Mapping[str, Any] | None = None
    flat: dict[str, object] = field(default_factory=dict)  # flattened reply columns

    def params(self) -> dict[str, str]:
        found = {k: v for k, v in self.columns.items() if v not in (None, "")}
        return {**found, **self.params_json}


class MemoryRequests(LeasedRows[CommandRow]):
    def __init__(self) -> None:
        super().__init__(frozenset(c.name for c in staging_tables().request.c))

    def insert(self, command: str, now: datetime, visit_key: str = "", **params: str) -> int:
        """A command as the HIS inserts it (NEW, due now); its id."""
        columns = {"visit_key": visit_key} if visit_key else {}
        row = CommandRow(
            self._new_id(), "NEW", now, command=command, columns=columns, params_json=dict(params)
        )
        self.rows[row.id] = row
        return row.id

    def request_refill(self, command: str, visit_key: str, now: datetime) -> int:
        row = CommandRow(
            self._new_id(),
            "NEW",
            now,
            command=command,
            columns={"visit_key": visit_key, "requested_by": "syncd"},
            params_json={"visit_key": visit_key, "refill": "1"},
        )
        self.rows[row.id] = row
        return row.id

    def refills(self, commands: Sequence[str], visit_key: str) -> list[str]:
        return [
            r.status
            for r in sorted(self.rows.values(), key=lambda r: r.id)
            if r.command in commands
            and r.columns.get("visit_key") == visit_key
            and r.columns.get("requested_by") == "syncd"
        ]

    def claim(self, lease: Lease, limit: int) -> list[Command]:
        due = self._due(CLAIMABLE, lease.now, self.rows.values())
        due.sort(key=lambda r: (r.next_attempt_at, r.id))
        taken = self._take([r.id for r in due[:limit]], lease, CLAIMABLE, due=True)
        return [_command(self.rows[i]) for i in sorted(taken)]

    def find(self, command_id: int) -> Command | None:
        row = self.rows.get(command_id)
        return None if row is None else _command(row)

    def unsettled(self, command_id: int) -> Command | None:
        row = self.rows.get(command_id)
        return None if row is None or row.status not in UNSETTLED_STATUSES else _command(row)

    def claim_unsettled(self, command_id: int, lease: Lease) -> bool:
        return bool(self._take([command_id], lease, UNSETTLED_STATUSES, due=False))

    def unsettled_commands(
        self, commands: Sequence[str], visit_key: str, *, besides: int | None = None
    ) -> int:
        return sum(
            r.columns.get("visit_key") == visit_key
            and r.command in commands
            and r.status in UNSETTLED_STATUSES
            and r.id != besides
            for r in self.rows.values()
        )

    def mark_in_flight(
        self, command_id: int, call_id: str, attempts: int, lease: Lease, visit_key: str = ""
    ) -> bool:
        row = self.rows.get(command_id)
        if row is None or row.lease_owner != lease.owner:
            return False
        row.status, row.call_id, row.attempts = "IN_FLIGHT", call_id, attempts
        row.lease_until = lease.until
        if visit_key:
            row.columns["visit_key"] = visit_key
        return True

    def defer(self, command_id: int, owner: str, until: datetime, reason_zh: str) -> bool:
        row = self.rows.get(command_id)
        if row is None or row.lease_owner != owner:
            return False
        row.next_attempt_at, row.last_error = until, reason_zh[:_MESSAGE_MAX]
        row.lease_owner = row.lease_until = None
        return True

    def answer(self, command_id: int, answer: Answer, now: datetime, owner: str) -> bool:
        """Inside the caller's transaction (see :class:`~syncd.db.memory.MemoryStores`)."""
        row = self.rows.get(command_id)
        if row is None or row.lease_owner != owner:
            return False
        row.status, row.attempts = answer.status.value, answer.attempts
        row.next_attempt_at = answer.next_attempt_at or now
        row.lease_owner = row.lease_until = None
        row.return_code, row.return_code_message = answer.return_code, answer.message[:_MESSAGE_MAX]
        row.last_error = answer.last_error[:_MESSAGE_MAX] or None
        if answer.call_id:
            row.call_id = answer.call_id
        if answer.status in _ANSWERED:
            row.answered_at = now
        if answer.result is not None:
            row.result = answer.result
        row.flat.update(
            {k.lower(): v for k, v in (answer.columns or {}).items() if v not in (None, "")}
        )
        return True

    def requeue(self, request_id: int | None, now: datetime, command: str | None = None) -> int:
        rows = [
            r
            for r in self.rows.values()
            if r.status == "FAILED"
            and (request_id is None or r.id == request_id)
            and (command is None or r.command == command)
        ]
        for row in rows:
            row.status, row.attempts, row.next_attempt_at = "NEW", 0, now
            row.lease_owner = row.lease_until = row.answered_at = None
        return len(rows)

    def resend_unknown(self, request_id: int, now: datetime) -> int:
        row = self.rows.get(request_id)
        if row is None or row.status != "UNKNOWN":
            return 0
        row.status, row.next_attempt_at, row.last_error = "NEW", now, RESEND_BY_OPERATOR_ZH
        row.lease_owner = row.lease_until = row.answered_at = None
        return 1


def _command(row: CommandRow) -> Command:
    return Command(
        id=row.id,
        command=row.command,
        params=row.params(),
        status=RequestStatus(row.status),
        attempts=row.attempts,
        call_id=row.call_id or "",
    )
