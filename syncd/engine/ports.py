"""What the engine steps (L3) need from storage: small Protocols the stores of syncd.db satisfy.

The feed pipeline, the command runner and the delivery step are written against these; the
worker (L4) builds the concrete stores and passes them in.  The values that cross (leases,
rows, commands, answers, exchanges) are in :mod:`syncd.core.records`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from syncd.core.records import Answer, ArchiveEntry, Command, Lease, NewRow, OutboxRow, SourceRow
from syncd.mapping import DatasetSpec, FeedSpec
from syncd.rules.outbox import Transition
from syncd.rules.visits import Visit, VisitChange

Effect = tuple[Visit, VisitChange]  # a visit and what a result changes in it


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

    def visit_statuses(self, feeds: Sequence[str], visit_key: str) -> dict[str, list[str]]: ...

    def unsettled_calls(self, function_id: str, visit_key: str) -> int: ...

    def mark_in_flight(self, ids: Sequence[int], request_id: str, attempts: Mapping[int, int],
                       lease: Lease) -> bool: ...  # fmt: skip

    def set(self, ids: Sequence[int], transition: Transition, now: datetime,
            owner: str) -> None: ...  # fmt: skip

    def writable_columns(self) -> frozenset[str]: ...


class RequestPort(LeaseKeeper, Protocol):
    """``<p>request``: the HIS's commands."""

    def claim(self, lease: Lease, limit: int) -> list[Command]: ...

    def unsettled(self, command_id: int) -> Command | None: ...

    def claim_unsettled(self, command_id: int, lease: Lease) -> bool: ...

    def unsettled_commands(self, commands: Sequence[str], visit_key: str, *,
                           besides: int | None = None) -> int: ...  # fmt: skip

    def mark_in_flight(self, command_id: int, call_id: str, attempts: int, lease: Lease,
                       visit_key: str = "") -> bool: ...  # fmt: skip

    def defer(self, command_id: int, owner: str, until: datetime, reason_zh: str) -> bool: ...

    def writable_columns(self) -> frozenset[str]: ...


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

    def rows(self, ids: Sequence[int], transition: Transition, now: datetime, owner: str,
             columns: Mapping[str, object], effect: Effect | None = None) -> bool: ...  # fmt: skip

    def command(self, command_id: int, answer: Answer, now: datetime, owner: str,
                effect: Effect | None = None) -> bool: ...  # fmt: skip


class ArchivePort(Protocol):
    """The message archive: every exchange, in its own transaction."""

    def record(self, exchange: ArchiveEntry, now: datetime) -> None: ...

    def sent(self, call_id: str) -> bytes | None: ...


class FeedSourcePort(Protocol):
    """The view of one fact-view feed."""

    @property
    def spec(self) -> FeedSpec: ...

    def discover(self, limit: int) -> list[SourceRow]: ...

    def by_keys(self, keys: Sequence[str]) -> dict[str, SourceRow]: ...

    def children(self, dataset: DatasetSpec,
                 row: Mapping[str, object]) -> list[dict[str, object]]: ...  # fmt: skip
