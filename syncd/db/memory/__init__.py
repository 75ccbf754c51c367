"""In-memory stores: every storage port of :mod:`syncd.engine.ports`, without a database.

They are the fakes the engine's unit tests run on (in seconds), kept in the package beside the
real stores they stand for; one contract suite (``tests/contract``) runs against both, so a
fake that drifts from its store fails there.  Nothing here is for production: a process's
memory is no place for the outbox.

=========================== ====================================================
fake                        stands for
=========================== ====================================================
:class:`MemoryStores`       :class:`~syncd.db.writeback.Writeback` (outbox, commands, visit
                            ledger, and the one-transaction write-back)
:class:`MemoryArchive`      :class:`~syncd.db.archive.Archive`
:class:`MemoryAudit`        :class:`~syncd.db.audit.AuditLog`
:class:`MemoryFeedSource`   :class:`~syncd.db.feed_source.FeedSource` (a view as a list)
:class:`MemoryChildViews`   :class:`~syncd.db.feed_source.ChildViews`
:class:`MemoryCodes`        :class:`~syncd.db.code_store.CodeStore` (read side)
:class:`MemoryPersons`      :class:`~syncd.db.person_store.PersonStore`
=========================== ====================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from syncd.core.reconcile_records import AuditEntry
from syncd.core.records import Answer, ArchiveEntry, SourceRow
from syncd.db.memory.outbox import MemoryOutbox
from syncd.db.memory.persons import MemoryPersons
from syncd.db.memory.rejected import MemoryRejected
from syncd.db.memory.requests import MemoryRequests
from syncd.mapping import DatasetSpec, FeedSpec
from syncd.rules.outbox import Transition
from syncd.rules.visits import Visit, VisitChange, VisitEffect, VisitLook

NO_VERSION = "-"  # as FeedSource renders a NULL version
ViewRows = list[dict[str, object]]


class MemoryVisits:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Visit] = {}

    def get(self, visit_key: str, kind: str) -> Visit:
        return self.rows.get((visit_key, kind)) or Visit(visit_key, kind)

    def find(self, visit_key: str) -> Visit | None:
        return next((v for (key, _), v in self.rows.items() if key == visit_key), None)

    def apply(self, visit: Visit, change: VisitChange, now: datetime) -> None:
        """Relative to the visit as it is now (two engines' fee batches never lose a sum)."""
        current = self.get(visit.visit_key, visit.kind)
        state = change.state or current.state
        batch = max(current.last_batch, change.last_batch or 0)
        amount = Decimal(current.fee_amount)
        if change.fee_reset:
            amount = Decimal("0")
        elif change.fee_delta:
            amount += Decimal(change.fee_delta)
        self.rows[(visit.visit_key, visit.kind)] = replace(
            current,
            state=state,
            aaz218=change.aaz218 or current.aaz218,
            last_batch=batch,
            fee_amount=str(amount),
        )


class MemoryStores:
    """The outbox, the commands and the visit ledger, and the write-back of a result: every
    row still ours, or nothing is written."""

    def __init__(self) -> None:
        self.outbox, self.requests, self.visits = MemoryOutbox(), MemoryRequests(), MemoryVisits()
        self.rejected = MemoryRejected(self.outbox)
        self.archive = MemoryArchive()  # where a result's exchange goes with it

    def look(
        self,
        visit_key: str,
        kind: str | None,
        feeds: Sequence[str],
        deletes: Sequence[str],
        *,
        visit: bool = True,
    ) -> VisitLook:
        if not visit_key:
            return VisitLook(None, {feed: [] for feed in feeds})
        statuses = self.outbox.visit_statuses(feeds, visit_key)
        found = None
        if visit:
            found = (
                self.visits.find(visit_key) if kind is None else self.visits.get(visit_key, kind)
            )
        deleting = self.requests.unsettled_commands(deletes, visit_key) if deletes else 0
        return VisitLook(found, statuses, deleting)

    def rows(
        self,
        ids: Sequence[int],
        transition: Transition,
        now: datetime,
        owner: str,
        columns: Mapping[str, object],
        effect: VisitEffect | None = None,
        archive: ArchiveEntry | None = None,
    ) -> bool:
        if any(getattr(self.outbox.rows.get(i), "lease_owner", None) != owner for i in ids):
            return False
        self.outbox.finish(ids, transition, now, owner, columns)
        if effect is not None:
            self.visits.apply(effect[0], effect[1], now)
        if archive is not None:
            self.archive.record(archive, now)
        return True

    def command(
        self,
        command_id: int,
        answer: Answer,
        now: datetime,
        owner: str,
        effect: VisitEffect | None = None,
    ) -> bool:
        if not self.requests.answer(command_id, answer, now, owner):
            return False
        if effect is not None:
            self.visits.apply(effect[0], effect[1], now)
            if effect[1].refill:
                self.outbox.refill(effect[0].visit_key, now)
        return True


class MemoryArchive:
    def __init__(self) -> None:
        self.entries: list[ArchiveEntry] = []

    def record(self, entry: ArchiveEntry, now: datetime) -> None:
        self.entries.append(entry)

    def sent(self, call_id: str) -> bytes | None:
        return next((e.request for e in reversed(self.entries) if e.call_id == call_id), None)


class MemoryAudit:
    """The audit log (:class:`syncd.db.audit.AuditLog`) in memory."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def write(self, entry: AuditEntry, now: datetime) -> None:
        self.entries.append(replace(entry, created_at=now))

    def recent(self, limit: int = 200) -> list[AuditEntry]:
        return self.entries[::-1][:limit]


class MemoryChildViews:
    """Child views as lists of rows, by view name."""

    def __init__(self, views: Mapping[str, ViewRows] | None = None) -> None:
        self.views = dict(views or {})

    def children(self, dataset: DatasetSpec, parent: Mapping[str, object]) -> ViewRows:
        assert dataset.view is not None
        rows = [
            row
            for row in self.views.get(dataset.view, [])
            if all(row.get(child) == _lookup(parent, name) for child, name in dataset.join.items())
        ]
        return sorted(rows, key=lambda row: tuple(str(row[c]) for c in dataset.order_by))


class MemoryFeedSource(MemoryChildViews):
    """A feed's view as a list of rows (columns named as the mapping names them); new rows
    are those ``outbox`` has no row for, as the anti-join finds them."""

    def __init__(
        self,
        spec: FeedSpec,
        view: ViewRows,
        outbox: MemoryOutbox,
        children: Mapping[str, ViewRows] | None = None,
    ) -> None:
        super().__init__(children)
        self.spec, self.view, self.outbox = spec, view, outbox

    def discover(self, limit: int) -> list[SourceRow]:
        known = {
            (r.source_key, r.version) if self.spec.source.version else (r.source_key, "")
            for r in self.outbox.rows.values()
            if r.feed == self.spec.feed
        }
        rows = [self._row(v) for v in self.view]
        return [r for r in rows if (r.key, r.version) not in known][:limit]

    def by_keys(self, keys: Sequence[str]) -> dict[str, SourceRow]:
        wanted = set(keys)
        return {r.key: r for r in map(self._row, self.view) if r.key in wanted}

    def of_visit(self, visit: object) -> list[SourceRow]:
        assert self.spec.visit is not None and self.spec.visit.column is not None
        rows = [self._row(v) for v in self.view if v.get(self.spec.visit.column) == visit]
        order = self.spec.batch.order_by if self.spec.batch else ()
        return sorted(rows, key=lambda r: tuple(str(r.values[c]) for c in order))

    def _row(self, values: Mapping[str, object]) -> SourceRow:
        key = "/".join(str(values[c]) for c in self.spec.source.key)
        column = self.spec.source.version
        if column is None:
            return SourceRow(key, "", dict(values))
        version = values.get(column)
        return SourceRow(key, NO_VERSION if version is None else str(version), dict(values))


class MemoryCodes:
    def __init__(self, tables: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.tables = {k: dict(v) for k, v in (tables or {}).items()}

    def tables_by_category(self) -> dict[str, dict[str, str]]:
        return {k: dict(v) for k, v in self.tables.items()}


def _lookup(values: Mapping[str, object], name: str) -> object:
    if name in values:
        return values[name]
    folded = name.casefold()
    return next((v for k, v in values.items() if str(k).casefold() == folded), None)


__all__ = [
    "MemoryArchive",
    "MemoryChildViews",
    "MemoryCodes",
    "MemoryFeedSource",
    "MemoryOutbox",
    "MemoryPersons",
    "MemoryRequests",
    "MemoryStores",
    "MemoryVisits",
]
