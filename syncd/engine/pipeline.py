"""One tick of one fact-view feed (L3), in the order the README tells it:

discover new view rows → claim due rows (leases) → check the visit's prerequisites → render →
commit the intent (IN_FLIGHT, attempt, request id) → call → archive → classify → resolve an
unknown by query → write-back, status and visit effect in one transaction.

Row-batched feeds (``batch:``) send the pending rows of one visit together; every row of a call
shares its request id and outcome.  Rows taken over in UNKNOWN or IN_FLIGHT (a crashed engine)
of a state-changing or money feed are resolved by query before anything is sent again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from syncd.core.errors import MappingError, OperatorError, RequestEncodingError
from syncd.core.records import Lease, NewRow, OutboxRow, Outcome, SourceRow, SyncStatus
from syncd.engine.delivery import Delivery, Sent, Where
from syncd.engine.gate import OPEN, Gate
from syncd.engine.leases import Leases
from syncd.engine.ports import FeedSourcePort, WritebackPort
from syncd.engine.results import adopt, columns_for, fields_for, operator_processed
from syncd.logs import event
from syncd.mapping import FeedSpec, RenderContext, render, render_batch
from syncd.mapping import Request as MappedRequest
from syncd.rules import outbox, visits
from syncd.rules.resolve import Found, Resolution, batch_sum
from syncd.rules.visits import Visit

logger = logging.getLogger(__name__)
_STALE_ZH = "HIS源数据已删除或已更新为新版本，此版本不再发送"
_STALE_UNKNOWN_ZH = "结果未知，且HIS源数据已删除或已更新，无法查询确认，请人工核对"
_CALL_HELD_ZH = "结果未知：同一调用的其他行正由另一进程处理，稍后一并查询确认"
_CANNOT_ASK_ZH = "结果未知，且无法按当前HIS数据重新生成原请求去查询确认，请人工核对"
_UNSETTLED = (SyncStatus.UNKNOWN.value, SyncStatus.IN_FLIGHT.value)
DISCOVERY_BATCHES = 20  # rows found per search: batch_size × this, at most DISCOVERY_MAX
DISCOVERY_MAX = 20_000  # bounds the memory of one search (a few tens of MB)
Calls = list[tuple[list[OutboxRow], tuple[MappedRequest, ...]]]  # rows and what they send
Refused = list[tuple[list[OutboxRow], str]]  # rows that cannot be mapped, and why


@dataclass(frozen=True)
class RenderInputs:
    settings: Mapping[str, object]
    code_tables: Mapping[str, Mapping[str, str]]
    max_rows: int


@dataclass
class TickReport:
    feed: str
    discovered: int = 0
    claimed: int = 0
    results: Counter[str] = field(default_factory=Counter)


class FeedPipeline:
    def __init__(
        self, spec: FeedSpec, source: FeedSourcePort, after: Sequence[FeedSourcePort],
        delivery: Delivery, store: WritebackPort, inputs: RenderInputs, *,
        batch_size: int, lease_s: float, fee_deletes: Sequence[str] = (),
    ) -> None:  # fmt: skip
        self.spec, self.source, self.after = spec, source, after
        self.delivery, self.store, self.inputs = delivery, store, inputs
        self.batch_size, self.lease_s = batch_size, lease_s
        self.fee_deletes = tuple(fee_deletes)  # the commands a fee upload waits for
        self.leases = Leases()
        self.gate: Gate = OPEN  # asked before each unit and between its calls (stop_claiming)
        self.after_read = False  # the last search of every `requires.after` view saw it all

    @property
    def owner(self) -> str:
        return self.delivery.owner

    # --- the tick ---------------------------------------------------------------------

    def tick(self, *, discover: bool = True) -> TickReport:
        """Discover new view rows (unless told not to: a backlog drain), claim, process."""
        report = TickReport(self.spec.feed)
        report.discovered = self.discover() if discover else 0
        now = self.delivery.clock()
        lease = Lease.starting(self.owner, now, timedelta(seconds=self.lease_s))
        rows = self.store.outbox.claim(self.spec.feed, lease, self.batch_size)
        report.claimed = len(rows)
        self.leases.claimed({r.id for r in rows}, now)
        try:
            view = self.source.by_keys([r.source_key for r in rows])
            for unit in self.units(rows):
                self.gate.enter()
                self.leases.keep(self.store.outbox, self.owner, self._now(), self.lease_s)
                held = [row for row in unit if row.id in self.leases.held]
                if held:  # rows whose lease another engine took over are its own now
                    self.process(held, view, report)
        finally:
            self.release()
        return report

    def release(self) -> None:
        """Give back every lease this pipeline holds that is not in flight."""
        self.leases.release(self.store.outbox, self.owner)

    def discover(self) -> int:
        """Record new rows of the feeds this one waits for, then its own (their number).

        A search is limited; when one of a waited-for view found as many rows as its limit,
        some of a visit's earlier rows (its fees, say) may not be recorded yet, and a row of
        this feed must not go before them: ``after_read`` stays False until a search of every
        waited-for view comes back short."""
        limit = self.discovery_limit()
        complete = [self._discover(source, limit) < limit for source in self.after]
        self.after_read = all(complete)
        return self._discover(self.source, limit)

    def discovery_limit(self) -> int:
        return min(self.batch_size * DISCOVERY_BATCHES, DISCOVERY_MAX)

    def _discover(self, source: FeedSourcePort, limit: int) -> int:
        """One search of the view (each search is a full anti-join), recorded in chunks; the
        number of rows found."""
        found = source.discover(limit)
        now = self.delivery.clock()  # one due time: a claim then takes visits whole
        for start in range(0, len(found), self.batch_size):
            new = [NewRow(r.key, r.version, visit_key_of(source.spec, r))
                   for r in found[start : start + self.batch_size]]  # fmt: skip
            self.store.outbox.add(source.spec.feed, source.spec.function, new, now)
        return len(found)

    def units(self, rows: Sequence[OutboxRow]) -> list[list[OutboxRow]]:
        """What goes together: one row, or (batch feeds) the rows of a visit / of one call."""
        if self.spec.batch is None:
            return [[row] for row in rows]
        groups: dict[tuple[str, str], list[OutboxRow]] = {}
        for row in rows:
            unsettled = row.status in _UNSETTLED and row.request_id
            group = ("call", row.request_id) if unsettled else ("visit", row.visit_key)
            groups.setdefault(group, []).append(row)
        return list(groups.values())

    # --- one unit -----------------------------------------------------------------------

    def process(self, unit: list[OutboxRow], view: Mapping[str, SourceRow], r: TickReport) -> None:
        if unit[0].status in _UNSETTLED and self.delivery.unsafe(self.spec.function):
            return self.settle_unknown(unit, view, r)  # a unit of one call (units())
        live = self.close_stale(unit, view, r)
        if not live:
            return
        key = live[0].visit_key
        statuses = self.visit_rows(key, [*self.spec.requires.after, *self._own()])
        visit = self.visit_of(key)  # read after the statuses: its sums are at least as new
        check = self.prerequisites(key, visit, statuses)
        if check.verdict is visits.Verdict.WAIT:
            return self.finish(
                live, outbox.waiting(self.delivery.policy, self._now(), check.reason_zh), r
            )
        if check.verdict is visits.Verdict.REFUSE:
            return self.finish(live, outbox.refused(check.reason_zh), r)
        for index, (rows, requests) in enumerate(self.render(live, view, visit, r)):
            if self.gate.stopping():  # shutting down: the rest of the unit is handed back unsent
                return
            self.leases.keep(self.store.outbox, self.owner, self._now(), self.lease_s)
            if self._own():  # one unsettled call of this feed per visit at a time
                if index:  # an earlier call of this unit changed both: read them again
                    statuses = self.visit_rows(key, self._own())
                    visit = self.visit_of(key)
                check = visits.unsettled_calls_pending(statuses.get(self.spec.feed, []))
                if check.verdict is visits.Verdict.WAIT:
                    waiting = outbox.waiting(self.delivery.policy, self._now(), check.reason_zh)
                    self.finish(rows, waiting, r)
                    continue
            self.deliver(rows, requests, visit, r)

    def _own(self) -> list[str]:
        """This feed, when its calls of one visit must not overlap: row-batched fees, and
        every state-changing or money feed (an unknown outcome is resolved by query, which
        a newer call of the same kind for the visit would make wrong)."""
        serial = self.spec.batch is not None or self.delivery.unsafe(self.spec.function)
        return [self.spec.feed] if serial else []

    def visit_rows(self, visit_key: str, feeds: Sequence[str]) -> dict[str, list[str]]:
        """The statuses of the visit's rows of ``feeds`` (one query; none without feeds)."""
        if not feeds or not visit_key:
            return {feed: [] for feed in feeds}
        return self.store.outbox.visit_statuses(feeds, visit_key)

    def close_stale(
        self, unit: list[OutboxRow], view: Mapping[str, SourceRow], r: TickReport,
        *, asked: bool = False,
    ) -> list[OutboxRow]:  # fmt: skip
        """The rows of ``unit`` still current in the view.  The others (gone, or a new
        version) are not sent; one whose earlier call may have been processed stays UNKNOWN
        for an operator (it cannot be re-rendered to ask the platform) unless the platform
        was ``asked`` and said it was not."""
        live = [row for row in unit if _current(row, view)]
        live_ids = {row.id for row in live}  # ids: a list test would be O(n²) on a 300-row batch
        rows = [row for row in unit if row.id not in live_ids]
        unsafe = self.delivery.unsafe(self.spec.function) and not asked
        open_calls = [row for row in rows if row.status in _UNSETTLED and unsafe]
        self.finish([row for row in rows if row not in open_calls], outbox.refused(_STALE_ZH), r)
        policy, now = self.delivery.policy, self._now()
        for row in open_calls:
            later = outbox.unresolved(row.attempts, policy, now, self.delivery.draw())
            self.finish([row], outbox.Transition(later.status, later.next_attempt_at, None,
                                                 _STALE_UNKNOWN_ZH), r)  # fmt: skip
        return live

    def visit_of(self, visit_key: str) -> Visit | None:
        need = self.spec.requires.visit
        if need is None or not visit_key:
            return self.store.visits.find(visit_key) if visit_key else None
        return self.store.visits.get(visit_key, need.kind)

    def prerequisites(
        self, visit_key: str, visit: Visit | None, statuses: Mapping[str, list[str]]
    ) -> visits.Check:
        """The visit's state, the feeds this one comes after, and no open fee deletion."""
        need = self.spec.requires.visit
        states = need.state if need else ()
        check = visits.check(need.kind if need else None, states, visit, can_wait=True)
        if check.verdict is visits.Verdict.READY and self.spec.requires.after:
            after = [s for feed in self.spec.requires.after for s in statuses.get(feed, [])]
            check = visits.after_feeds_pending(after)
            if check.verdict is visits.Verdict.READY and self.after and not self.after_read:
                check = visits.AFTER_FEEDS_UNREAD
        if check.verdict is not visits.Verdict.READY:
            return check
        return self.fee_deletion_check(visit_key)

    def fee_deletion_check(self, visit_key: str) -> visits.Check:
        """A fee upload waits while a fee-deletion command of the visit is unsettled."""
        if self.spec.function != visits.FEE_UPLOAD or not self.fee_deletes or not visit_key:
            return visits.READY
        open_deletes = self.store.requests.unsettled_commands(self.fee_deletes, visit_key)
        return visits.fee_deletion_pending(open_deletes)

    def render(
        self, rows: list[OutboxRow], view: Mapping[str, SourceRow], visit: Visit | None,
        r: TickReport,
    ) -> Calls:  # fmt: skip
        """(rows, requests) to send; rows that cannot be mapped are rejected here."""
        calls, rejected = self.rendered(rows, view, visit)
        for refused_rows, reason_zh in rejected:
            self.finish(refused_rows, outbox.refused(reason_zh), r)
        return calls

    def rendered(
        self, rows: list[OutboxRow], view: Mapping[str, SourceRow], visit: Visit | None
    ) -> tuple[Calls, Refused]:
        """The calls ``rows`` make, and the rows that cannot be mapped with the reason."""
        context = self.context(visit)
        if self.spec.batch is None:
            row = rows[0]
            try:
                one = render(self.spec, view[row.source_key].values, self.with_children(
                    context, view[row.source_key]))  # fmt: skip
            except MappingError as exc:
                return [], [(rows, exc.reason_zh)]
            return [(rows, one.requests)], []
        try:
            batch = render_batch(self.spec, [view[x.source_key].values for x in rows], context)
        except MappingError as exc:  # a per-visit field (or a city switch): every row
            return [], [(rows, exc.reason_zh)]
        rejected = [([x for x in rows if x.source_key == error.key], error.reason_zh)
                    for error in batch.rejected]  # fmt: skip
        calls: Calls = [([x for x in rows if x.source_key in call.keys], (call.request,))
                        for call in batch.calls]  # fmt: skip
        return calls, rejected

    def context(self, visit: Visit | None) -> RenderContext:
        return RenderContext(
            settings=self.inputs.settings, visit=visit.fields() if visit else {},
            code_tables=self.inputs.code_tables, max_rows=self.inputs.max_rows,
        )  # fmt: skip

    def with_children(self, context: RenderContext, row: SourceRow) -> RenderContext:
        if not self.spec.datasets:
            return context
        datasets = {name: self.source.children(ds, row.values)
                    for name, ds in self.spec.datasets.items()}  # fmt: skip
        return RenderContext(context.key, context.settings, context.visit, context.params,
                             context.code_tables, datasets, context.max_rows)  # fmt: skip

    # --- sending ------------------------------------------------------------------------

    def deliver(
        self, rows: list[OutboxRow], requests: Sequence[MappedRequest], visit: Visit | None,
        r: TickReport,
    ) -> None:  # fmt: skip
        where = self.where(rows, visit)
        for index, mapped in enumerate(requests):
            try:
                request = self.delivery.request(mapped)
            except RequestEncodingError as exc:
                return self.finish(rows, outbox.refused(exc.reason_zh), r)
            attempts = max(row.attempts for row in rows) + 1
            ids = [row.id for row in rows]
            lease = self.delivery.flight_lease()
            intents = {row.id: row.attempts + 1 for row in rows}
            call_id = self.delivery.new_request_id()
            if not self.store.outbox.mark_in_flight(ids, call_id, intents, lease):
                return self.lost(rows)
            check = self.after_intent(rows)
            if check.verdict is visits.Verdict.WAIT:
                return self.step_back(rows, check.reason_zh, r)
            self.leases.in_flight |= set(ids)  # kept if anything below raises: not released,
            sent = self.delivery.send(request, where, call_id)  # taken over after the lease
            if sent.outcome is Outcome.UNKNOWN and self.delivery.unsafe(request.function_id):
                known = self.visit_of(rows[0].visit_key)  # sums as they are now
                sent = adopt(sent, self.delivery.resolve_just_sent(request, known, where))
            self.leases.in_flight -= set(ids)
            last = index == len(requests) - 1
            if sent.outcome is not Outcome.SUCCEEDED or last:
                return self.conclude(rows, request.params, request.datasets, sent, visit,
                                     attempts, r)  # fmt: skip

    def conclude(
        self, rows: list[OutboxRow], params: Mapping[str, object],
        datasets: Mapping[str, Sequence[Mapping[str, object]]], sent: Sent,
        visit: Visit | None, attempts: int, r: TickReport,
    ) -> None:  # fmt: skip
        now = self._now()
        policy, kind = self.delivery.policy, self.delivery.kind(self.spec.function)
        transition = outbox.after_outcome(sent.outcome, kind, attempts, policy, now,
                                          self.delivery.draw())  # fmt: skip
        if sent.outcome is not Outcome.SUCCEEDED and sent.message:
            transition = outbox.Transition(transition.status, transition.next_attempt_at,
                                           transition.attempts, sent.message)  # fmt: skip
        fields = fields_for(self.spec.function, sent, datasets)
        columns = columns_for(self.spec, sent, fields, visit,
                              self.store.outbox.writable_columns())  # fmt: skip
        effect = None
        if sent.outcome is Outcome.SUCCEEDED and visit is not None:
            effect = (visit, visits.effect(self.spec.function, params, fields))
        if not self.store.rows([row.id for row in rows], transition, now, self.owner, columns,
                               effect):  # fmt: skip
            return self.lost(rows)
        self._done(rows, transition.status.value, r)

    def settle_unknown(
        self, unit: list[OutboxRow], view: Mapping[str, SourceRow], r: TickReport
    ) -> None:
        """A taken-over UNKNOWN/IN_FLIGHT call: ask before anything is sent again.

        The question is the call as it went out, read back from the archive: the view may
        have changed since (a row deleted, a new version, a value edited in place), and a
        call rebuilt from it could be judged wrongly.  Found processed, every row of the call
        is concluded, current or not (the platform has them all); found not processed, the
        current rows are sent again and the others closed as stale.  Without the archived
        call (see :meth:`Delivery.archived`), or for a row whose child datasets may fill
        several calls (the archive holds the last), the call is rebuilt from the view."""
        whole = self.whole_call(unit, view)
        if whole is None:
            return self.unresolved(unit, _CALL_HELD_ZH, r)
        unit, view = whole
        visit = self.visit_of(unit[0].visit_key)
        asked = None
        if self.spec.batch is not None or not self.spec.datasets:
            asked = self.delivery.archived(unit[0].request_id, self.spec.function,
                                           self.where(unit, visit))  # fmt: skip
        if asked is None:
            return self.settle_rebuilt(unit, view, visit, r)
        found = self.delivery.resolve(asked, visit, self.where(unit, visit))
        attempts = max(x.attempts for x in unit)
        if found.found is Found.NOT_PROCESSED:
            live = self.close_stale(unit, view, r, asked=True)
            transition = outbox.not_processed(attempts, self.delivery.policy, self._now())
            return self.finish(live, transition, r) if live else None
        sent = adopt(Sent(Outcome.UNKNOWN, unit[0].request_id), found)
        self.conclude(unit, asked.params, asked.datasets, sent, visit, attempts, r)

    def whole_call(
        self, unit: list[OutboxRow], view: Mapping[str, SourceRow]
    ) -> tuple[list[OutboxRow], Mapping[str, SourceRow]] | None:
        """A call of a batch feed is settled whole: a claim may have taken only some of its
        rows (its limit, or an operator's ``syncd retry`` of one row), and judging part of a
        fee batch by the platform's total would send the rest again.  The rest is claimed
        now and read from the view; None while another engine holds some of it."""
        if self.spec.batch is None or not unit[0].request_id:
            return unit, view
        lease = Lease.starting(self.owner, self._now(), timedelta(seconds=self.lease_s))
        rows, total = self.store.outbox.claim_call(self.spec.feed, unit[0].request_id, lease)
        self.leases.joined({row.id for row in rows})
        if len(rows) < total:
            return None
        known = {row.id for row in unit}
        extra = [row.source_key for row in rows if row.id not in known]
        return rows, {**view, **self.source.by_keys(extra)} if extra else view

    def adopt_processed(self, key: str, given: Mapping[str, str]) -> int:
        """An operator checked the platform: the unsettled call of row ``key`` was processed.
        Every row of the call is concluded as if its reply had come, the visit ledger too;
        ``given`` holds what only the reply tells (:func:`operator_processed`, checked before
        anything is claimed).  The number of rows concluded; OperatorError when it cannot be
        done now (nothing moves, not even the rows' next attempt)."""
        found = self.store.outbox.unsettled_call(self.spec.feed, key)
        if found is None:
            raise OperatorError(f"{self.spec.feed} {key} 不是结果未知（UNKNOWN）或发送中的记录")
        request_id, visit_key = found
        visit = self.visit_of(visit_key)
        asked = self.delivery.archived(request_id, self.spec.function, Where(self.spec.feed, key))
        params = asked.params if asked else None
        sent = operator_processed(request_id, self.spec.function, params, given, visit, {})
        lease = Lease.starting(self.owner, self._now(), timedelta(seconds=self.lease_s))
        rows, total = self.store.outbox.claim_call(self.spec.feed, request_id, lease)
        self.leases.claimed({row.id for row in rows}, lease.now)
        try:
            if not rows or len(rows) < total:
                raise OperatorError("该调用的记录正由运行中的 syncd 处理，请稍后再试")
            report = TickReport(self.spec.feed)
            self.conclude(rows, params or {}, asked.datasets if asked else {}, sent, visit,
                          max(row.attempts for row in rows), report)  # fmt: skip
            return sum(report.results.values())
        finally:
            self.release()

    def settle_rebuilt(
        self, unit: list[OutboxRow], view: Mapping[str, SourceRow], visit: Visit | None,
        r: TickReport,
    ) -> None:  # fmt: skip
        """:meth:`settle_unknown` with the call rebuilt from the view.  Rows gone from it
        stay UNKNOWN; when the rest cannot be rebuilt as one request (a row no longer maps,
        or maps into more calls), nothing can be asked: they stay UNKNOWN with the reason,
        for an operator — never REJECTED, the call may have gone."""
        rows = self.close_stale(unit, view, r)
        if not rows:
            return
        units, rejected = self.rendered(rows, view, visit)
        try:
            request = self.delivery.request(units[0][1][0]) if len(units) == 1 else None
        except RequestEncodingError as exc:
            rejected, request = [*rejected, (rows, exc.reason_zh)], None
        if rejected or request is None or len(units[0][1]) != 1:
            reason = rejected[0][1] if rejected else ""
            return self.keep_unknown(rows, reason, r)
        unit_rows = units[0][0]
        found: Resolution = self.delivery.resolve(request, visit, self.where(unit_rows, visit))
        attempts = max(x.attempts for x in unit_rows)
        if found.found is Found.NOT_PROCESSED:
            policy = self.delivery.policy
            return self.finish(unit_rows, outbox.not_processed(attempts, policy, self._now()), r)
        sent = adopt(Sent(Outcome.UNKNOWN, unit_rows[0].request_id), found)
        self.conclude(unit_rows, request.params, request.datasets, sent, visit, attempts, r)

    def keep_unknown(self, rows: list[OutboxRow], reason_zh: str, r: TickReport) -> None:
        self.unresolved(rows, _CANNOT_ASK_ZH + (f"（{reason_zh}）" if reason_zh else ""), r)

    def unresolved(self, rows: list[OutboxRow], message: str, r: TickReport) -> None:
        """The call stays UNKNOWN with ``message``, asked again later."""
        later = outbox.unresolved(max(x.attempts for x in rows), self.delivery.policy,
                                  self._now(), self.delivery.draw())  # fmt: skip
        self.finish(rows, outbox.Transition(later.status, later.next_attempt_at, None, message), r)

    def after_intent(self, rows: list[OutboxRow]) -> visits.Check:
        """Look again once our intent is committed (and visible to every other engine): an
        engine that read the visit at the same moment as we did may have started a call of
        the same kind for it, or the HIS a fee deletion.  If both see each other, both step
        back; neither sends."""
        key = rows[0].visit_key
        if self._own() and key:
            statuses = self.visit_rows(key, self._own())[self.spec.feed]
            others = sum(status in _UNSETTLED for status in statuses) - len(rows)
            if others > 0:
                return visits.unsettled_calls_pending(["UNKNOWN"] * others)
        return self.fee_deletion_check(key)

    def step_back(self, rows: list[OutboxRow], reason_zh: str, r: TickReport) -> None:
        """An intent committed but not sent: the rows wait again with the attempts they had,
        for a jittered while (two engines that both stepped back do not meet again)."""
        spread = self.delivery.policy.wait_s * (1.0 + self.delivery.draw())
        due = self._now() + timedelta(seconds=spread)
        for attempts in sorted({row.attempts for row in rows}):
            self.finish(
                [row for row in rows if row.attempts == attempts],
                outbox.Transition(SyncStatus.WAITING, due, attempts, reason_zh),
                r,
            )

    # --- small helpers ----------------------------------------------------------------

    def lost(self, rows: list[OutboxRow]) -> None:
        """Our lease ran out and another engine holds the rows now: leave them to it."""
        self.leases.held -= {row.id for row in rows}
        for row in rows:
            event(logger, "feed.lease_lost", logging.WARNING, feed=self.spec.feed,
                  key=row.source_key)  # fmt: skip

    def finish(self, rows: list[OutboxRow], transition: outbox.Transition, r: TickReport) -> None:
        if rows:
            self.store.outbox.set([row.id for row in rows], transition, self._now(), self.owner)
            self._done(rows, transition.status.value, r)

    def _done(self, rows: list[OutboxRow], status: str, r: TickReport) -> None:
        self.leases.held -= {row.id for row in rows}
        r.results[status] += len(rows)
        for row in rows:
            event(logger, "feed.row", feed=self.spec.feed, key=row.source_key, status=status)

    def where(self, rows: list[OutboxRow], visit: Visit | None) -> Where:
        return Where(self.spec.feed, rows[0].source_key, rows[0].visit_key,
                     visit.aaz218 if visit else "")  # fmt: skip

    def _now(self) -> datetime:
        return self.delivery.clock()


def _current(row: OutboxRow, view: Mapping[str, SourceRow]) -> bool:
    found = view.get(row.source_key)
    return found is not None and found.version == row.version


def fee_delete_commands(feeds: Mapping[str, FeedSpec]) -> tuple[str, ...]:
    """The commands (``WI_REQUEST.command``) that delete a stay's fees (bizh120004)."""
    return tuple(sorted(spec.source.command for spec in feeds.values()
                        if spec.source.command and spec.function == visits.FEE_DELETE))  # fmt: skip


def visit_key_of(spec: FeedSpec, row: SourceRow) -> str:
    if spec.visit is None or spec.visit.column is None:
        return ""
    column = spec.visit.column.casefold()
    value = next((v for k, v in row.values.items() if str(k).casefold() == column), None)
    return "" if value is None else str(value)


__all__ = [
    "FeedPipeline",
    "RenderInputs",
    "TickReport",
    "batch_sum",
    "fee_delete_commands",
    "visit_key_of",
]
