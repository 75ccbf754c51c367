"""The rows of one call of a fact-view feed as a unit of the exchange (L3 adapter).

One row, or the rows of a visit a batch feed sends together: they share the call's id and
its ending.  :class:`RowsUnit` says how they are marked in flight (each row its own next
attempt), looked at again, stepped back and written (status, reply columns, write-back and
the visit effect in one transaction); the sequence is :class:`~syncd.engine.exchange.Exchange`'s.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from syncd.core.records import ConcludedBy, Lease, OutboxRow, SourceRow, SyncStatus
from syncd.engine.exchange import UnitResult, Where
from syncd.engine.reports import TickReport
from syncd.mapping import FeedSpec
from syncd.rules.conclusion import Conclusion, result_for
from syncd.rules.outbox import Transition
from syncd.rules.replies import writeback_columns
from syncd.rules.visits import Visit, VisitCheck

if TYPE_CHECKING:
    from syncd.engine.pipeline import FeedPipeline

_MESSAGE_MAX = 1000


class RowsUnit:
    def __init__(
        self,
        pipeline: FeedPipeline,
        rows: list[OutboxRow],
        visit: Visit | None,
        report: TickReport,
        view: Mapping[str, SourceRow] | None = None,
    ) -> None:
        self.pipeline, self.rows, self.visit, self.report = pipeline, rows, visit, report
        self.view = view or {}

    @property
    def ids(self) -> list[int]:
        return [row.id for row in self.rows]

    @property
    def where(self) -> Where:
        first, visit = self.rows[0], self.visit
        aaz218 = visit.aaz218 if visit else ""
        return Where(self.pipeline.spec.feed, first.source_key, first.visit_key, aaz218)

    @property
    def function_id(self) -> str:
        return self.pipeline.spec.function

    @property
    def attempts(self) -> int:
        return max(row.attempts for row in self.rows)

    @property
    def call_id(self) -> str:
        return self.rows[0].request_id

    @property
    def hints(self) -> Mapping[str, object]:
        return {}

    def visit_now(self) -> Visit | None:
        return self.pipeline.visit_of(self.rows[0].visit_key)

    def intend(self, call_id: str, lease: Lease) -> bool:
        intents = {row.id: row.attempts + 1 for row in self.rows}
        leases = self.pipeline.leases
        leases.reserve(self.ids)  # first: a renewal in another lane must not shorten its lease
        try:
            marked = self.pipeline.store.outbox.mark_in_flight(self.ids, call_id, intents, lease)
        except BaseException:
            leases.unreserve(self.ids)
            raise
        if not marked:
            self.pipeline.ends.lost(self.rows)
            return False
        self.pipeline.ends.sending(self.ids, self.report, True)
        return True  # in flight until recorded: not released, taken over after the intent's
        # lease if anything below raises

    def recheck(self) -> VisitCheck:
        return self.pipeline.checks.after_intent(self.rows)

    def withdraw(self, check: VisitCheck) -> None:
        self.pipeline.ends.sending(self.ids, self.report, False)  # stepped back: not sent
        self.pipeline.ends.step_back(self.rows, check.reason_zh, self.report)

    def record(self, result: UnitResult) -> bool:
        spec, store = self.pipeline.spec, self.pipeline.store
        transition = row_transition(result.transition, result.ended)
        writable = store.outbox.writable_columns()
        columns = columns_for(spec, result.ended, result.fields, self.visit, writable)
        owner = self.pipeline.owner
        ids, now, effect = self.ids, result.now, result.effect
        if not store.rows(ids, transition, now, owner, columns, effect, result.archive):
            self.pipeline.ends.lost(self.rows)
            return False
        self.pipeline.ends.done(self.rows, transition.status, self.report)
        if transition.status is SyncStatus.REJECTED:  # sent again by itself once fixed
            self.pipeline.fixed.remember(self.rows, self.view, self.visit)
        return True

    def current(self) -> RowsUnit | None:
        live = self.pipeline.close_stale(self.rows, self.view, self.report, asked=True)
        return RowsUnit(self.pipeline, live, self.visit, self.report, self.view) if live else None


def row_transition(transition: Transition, ended: Conclusion) -> Transition:
    """A row's ``last_error`` is the message of the reply that failed it; a resolution's or
    an operator's message only where the transition has none of its own (a query that
    proved the call not processed keeps "将重新发送" or the attempts it used)."""
    if ended.succeeded or not ended.message:
        return transition
    if ended.by is not ConcludedBy.REPLY and transition.message:
        return transition
    return Transition(
        transition.status, transition.next_attempt_at, transition.attempts, ended.message
    )


def columns_for(
    spec: FeedSpec,
    ended: Conclusion,
    fields: Mapping[str, str],
    visit: Visit | None,
    writable: frozenset[str],
) -> dict[str, object]:
    """Staging columns of the outbox rows: reply code and message, result, write-back."""
    columns: dict[str, object] = {"request_id": ended.call_id}
    if ended.return_code is not None or ended.succeeded:
        columns["return_code"] = ended.return_code
        columns["return_code_message"] = ended.message[:_MESSAGE_MAX]
    if not ended.succeeded:
        return columns
    columns["last_error"] = None
    columns["result_json"] = json.dumps(result_for(ended, fields), ensure_ascii=False)
    aaz218 = fields.get("aaz218") or (visit.aaz218 if visit else "")
    if aaz218:
        columns["aaz218"] = aaz218
    columns.update(writeback_columns(spec.writeback, fields, writable))
    return columns
