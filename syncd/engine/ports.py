"""What the engine steps (L3) need from storage and the HIS views: small Protocols.

The stores of :mod:`syncd.db` satisfy them against a real database; :mod:`syncd.db.memory`
satisfies them in memory (the engine's unit tests); one contract suite
(``tests/contract``) holds both to the same behaviour.  The worker (L4) builds the concrete
stores and passes them in.  The values that cross (leases, rows, commands, answers, archive
entries) are in :mod:`syncd.core.records`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from syncd.core.reconcile_records import AuditEntry
from syncd.core.records import (
    Answer,
    ArchiveEntry,
    BlockingRow,
    Command,
    Lease,
    NewRow,
    OutboxRow,
    PersonKey,
    PersonRecord,
    RejectedRow,
    SourceRow,
    Standing,
    SyncStatus,
)
from syncd.mapping import DatasetSpec, FeedSpec
from syncd.rules.outbox import Transition
from syncd.rules.visits import Visit, VisitEffect, VisitLook


class LeaseRelease(Protocol):
    def release(self, ids: Sequence[int], owner: str) -> None: ...


class LeaseKeeper(LeaseRelease, Protocol):
    def renew(self, ids: Sequence[int], lease: Lease) -> list[int]: ...


class OutboxPort(LeaseKeeper, Protocol):
    """``sync_status``: the fact-view rows a feed tick claims, sends and settles."""

    def add(self, feed: str, function_id: str, rows: Sequence[NewRow], now: datetime) -> int: ...

    def claim(self, feed: str, lease: Lease, limit: int) -> list[OutboxRow]: ...

    def claim_call(
        self, feed: str, request_id: str, lease: Lease
    ) -> tuple[list[OutboxRow], int]: ...

    def unsettled_call(self, feed: str, key: str) -> tuple[str, str] | None: ...

    def visit_statuses(
        self, feeds: Sequence[str], visit_key: str
    ) -> dict[str, list[SyncStatus]]: ...

    def unsettled_calls(self, function_id: str, visit_key: str) -> int: ...

    def unknown_reason(self, feeds: Sequence[str], visit_key: str) -> tuple[str, str, str] | None:
        """(feed, key, current reason) of the visit's oldest UNKNOWN row of ``feeds``."""
        ...

    def mark_in_flight(
        self, ids: Sequence[int], request_id: str, attempts: Mapping[int, int], lease: Lease
    ) -> bool: ...

    def set(
        self, ids: Sequence[int], transition: Transition, now: datetime, owner: str
    ) -> None: ...

    def writable_columns(self) -> frozenset[str]: ...

    # --- an operator's actions --------------------------------------------------------

    def standing(self, feed: str, key: str) -> list[Standing]: ...

    def requeue(
        self, feed: str | None, key: str | None, now: datetime, hold_s: float = 0.0
    ) -> int: ...

    def requeue_rejected(
        self, feed: str | None, reason: str | None, since: datetime | None, now: datetime
    ) -> int: ...

    def resend_unknown(self, feed: str, key: str, now: datetime) -> int: ...


class RejectedPort(Protocol):
    """REJECTED rows compared again with what they map to now (:mod:`syncd.engine.fixed`)."""

    def blocking(
        self, visit_key: str, *, functions: Sequence[str] = (), failed_of: Sequence[str] = ()
    ) -> BlockingRow | None: ...

    def remember(self, fingerprints: Mapping[int, str], compare_at: datetime) -> None: ...

    def due(self, feed: str, now: datetime, limit: int) -> list[RejectedRow]: ...

    def later(self, ids: Sequence[int], compare_at: datetime) -> None: ...

    def forget(self, ids: Sequence[int]) -> None: ...

    def resend(self, feed: str, row: RejectedRow, now: datetime) -> int: ...


class RequestPort(LeaseKeeper, Protocol):
    """``<p>request``: the HIS's commands."""

    def claim(self, lease: Lease, limit: int) -> list[Command]: ...

    def find(self, command_id: int) -> Command | None: ...

    def unsettled(self, command_id: int) -> Command | None: ...

    def claim_unsettled(self, command_id: int, lease: Lease) -> bool: ...

    def unsettled_commands(
        self, commands: Sequence[str], visit_key: str, *, besides: int | None = None
    ) -> int: ...

    def request_refill(self, command: str, visit_key: str, now: datetime) -> int:
        """syncd's own fee deletion of a visit before its rows go again (requested_by
        ``syncd``, params ``refill``: 1), NEW and due now; its id."""
        ...

    def refills(self, commands: Sequence[str], visit_key: str) -> list[str]:
        """The statuses of syncd's own fee deletions (``request_refill``) of the visit."""
        ...

    def mark_in_flight(
        self, command_id: int, call_id: str, attempts: int, lease: Lease, visit_key: str = ""
    ) -> bool: ...

    def defer(self, command_id: int, owner: str, until: datetime, reason_zh: str) -> bool: ...

    def writable_columns(self) -> frozenset[str]: ...

    def requeue(self, request_id: int | None, now: datetime, command: str | None = None) -> int: ...

    def resend_unknown(self, request_id: int, now: datetime) -> int: ...


class VisitPort(Protocol):
    """The visit ledger, read side (its changes go with a write-back)."""

    def get(self, visit_key: str, kind: str) -> Visit: ...

    def find(self, visit_key: str) -> Visit | None: ...


class WritebackPort(Protocol):
    """The stores, and the one-transaction write-back of a result (status + visit effect)."""

    @property
    def outbox(self) -> OutboxPort: ...

    @property
    def requests(self) -> RequestPort: ...

    @property
    def visits(self) -> VisitPort: ...

    @property
    def rejected(self) -> RejectedPort: ...

    def look(
        self,
        visit_key: str,
        kind: str | None,
        feeds: Sequence[str],
        deletes: Sequence[str],
        *,
        visit: bool = True,
    ) -> VisitLook:
        """One read of a visit before or after an intent: the ledger row (``kind`` None:
        of either kind; None unless ``visit``), the statuses of its rows of ``feeds``, its
        IN_FLIGHT or UNKNOWN ``deletes`` commands."""
        ...

    def rows(
        self,
        ids: Sequence[int],
        transition: Transition,
        now: datetime,
        owner: str,
        columns: Mapping[str, object],
        effect: VisitEffect | None = None,
        archive: ArchiveEntry | None = None,
    ) -> bool: ...

    def command(
        self,
        command_id: int,
        answer: Answer,
        now: datetime,
        owner: str,
        effect: VisitEffect | None = None,
    ) -> bool: ...


class ArchivePort(Protocol):
    """The message archive: every exchange, in its own transaction."""

    def record(self, entry: ArchiveEntry, now: datetime) -> None: ...

    def sent(self, call_id: str) -> bytes | None: ...


class ChildRowsPort(Protocol):
    """The child views of a mapping's datasets, joined to a row's columns or a command's
    parameters."""

    def children(
        self, dataset: DatasetSpec, parent: Mapping[str, object]
    ) -> list[dict[str, object]]: ...


class FeedSourcePort(ChildRowsPort, Protocol):
    """The view of one fact-view feed."""

    @property
    def spec(self) -> FeedSpec: ...

    def discover(self, limit: int) -> list[SourceRow]: ...

    def by_keys(self, keys: Sequence[str]) -> dict[str, SourceRow]: ...

    def of_visit(self, visit: object) -> list[SourceRow]: ...


class CodeTablePort(Protocol):
    """The code tables synchronised from 码表服务, read once per tick."""

    def tables_by_category(self) -> dict[str, dict[str, str]]: ...


class PersonPort(Protocol):
    """``<p>person``: the answers of the platform's person look-up, by the HIS's key."""

    def find(self, keys: Sequence[PersonKey]) -> dict[PersonKey, PersonRecord]: ...

    def save(self, record: PersonRecord) -> None: ...

    def prune(self, now: datetime, retention_days: int) -> int: ...


class AuditPort(Protocol):
    """The audit log (``<p>audit``): the operator module writes one entry per action."""

    def write(self, entry: AuditEntry, now: datetime) -> None: ...
