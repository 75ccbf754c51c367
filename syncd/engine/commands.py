"""The command table ``WI_REQUEST`` (L3): the HIS inserts a command, syncd answers in its row.

A claimed command whose outcome is unsettled (IN_FLIGHT taken over, UNKNOWN) is resolved by
query first, whatever the visit's state has become meanwhile (its spec gone or disabled: it
stays UNKNOWN for an operator).  Any other command is looked up by name among the command feeds
(``source.command``), checked against the visit (an unmet state, or another call of the visit
whose outcome it would confuse, is refused at once with a Chinese reason: the HIS user is
waiting for the answer), rendered from its parameters (and child views), sent, and answered:
status DONE / REJECTED / FAILED / UNKNOWN (or NEW again after a backoff), the return code and
Chinese message, flattened reply columns, ``result_json`` and one ``WI_REQUEST_ROW`` per reply
dataset row, together with the visit effect in one transaction.  A two-step command
(``before:``) first runs the named command with the same parameters; when that does not
succeed, this command ends with its answer.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from syncd.core.errors import (
    MappingError,
    OperatorError,
    RequestEncodingError,
    SourceError,
    SyncdError,
)
from syncd.core.records import Answer, Command, Lease, Outcome, SyncStatus
from syncd.engine.delivery import Called, Delivery, Sent, Where
from syncd.engine.gate import OPEN, Gate
from syncd.engine.leases import Leases
from syncd.engine.pipeline import RenderInputs
from syncd.engine.ports import Effect, WritebackPort
from syncd.engine.results import adopt, fields_for, operator_processed, result_for
from syncd.logs import event
from syncd.mapping import DatasetSpec, FeedSpec, RenderContext, render
from syncd.mapping import Request as Rendered
from syncd.protocol.codec import Program
from syncd.protocol.messages import Request
from syncd.rules import outbox, visits
from syncd.rules.replies import flat_columns, writeback_columns
from syncd.rules.resolve import undecided
from syncd.rules.visits import Visit

logger = logging.getLogger(__name__)
Children = Callable[[DatasetSpec, Mapping[str, object]], list[dict[str, object]]]
_STATUS = {"SUCCEEDED": "DONE", "REJECTED": "REJECTED", "FAILED": "FAILED",
           "UNKNOWN": "UNKNOWN", "PENDING": "NEW", "WAITING": "NEW"}  # fmt: skip
_UNSETTLED = ("UNKNOWN", "IN_FLIGHT")
UNSETTLED_DISABLED_ZH = (
    "命令{}未定义或未启用，其上次调用结果未知：请人工核对，或恢复该命令后自动查询确认"
)
CHILD_VIEW_ZH = "读取明细视图失败，稍后自动重试；请核对命令参数与明细视图是否相符"


class LeaseLost(Exception):
    """The command's lease expired and another engine took it over: it is theirs now."""


class ChildViewError(SourceError):
    """A child view could not be read for one command's parameters (e.g. ORA-01722 or
    PostgreSQL 22P02 when a parameter does not fit the view's column type)."""


_ONE_COMMAND = (MappingError, RequestEncodingError, ChildViewError)  # see CommandRunner.failed


@dataclass
class CommandReport:
    claimed: int = 0
    results: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Step:
    """What one step produced: the call's ending and what it sent."""

    sent: Sent
    request: Called | None
    attempts: int


class CommandRunner:
    def __init__(
        self, feeds: Mapping[str, FeedSpec], delivery: Delivery, store: WritebackPort,
        inputs: RenderInputs, children: Children, *, batch_size: int, lease_s: float,
    ) -> None:  # fmt: skip
        self.by_command = {s.source.command: s for s in feeds.values() if s.source.command}
        same: defaultdict[str, list[str]] = defaultdict(list)
        for name, spec in sorted(self.by_command.items()):
            same[spec.function].append(name)
        self.by_function = {function: tuple(names) for function, names in same.items()}
        self.feeds, self.delivery, self.store = feeds, delivery, store
        self.inputs, self.children = inputs, children
        self.batch_size, self.lease_s = batch_size, lease_s
        self.leases = Leases()
        self.gate: Gate = OPEN  # asked before each command (Worker.stop_claiming)
        self.intents: set[int] = set()  # intent committed this tick, not answered yet
        self.troubles: Counter[int] = Counter()  # failures in a row of a deferred command

    def tick(self) -> CommandReport:
        report = CommandReport()
        now = self.delivery.clock()
        lease = Lease.starting(self.delivery.owner, now, timedelta(seconds=self.lease_s))
        commands = self.store.requests.claim(lease, self.batch_size)
        report.claimed = len(commands)
        self.leases.claimed({c.id for c in commands}, now)
        try:
            for command in commands:
                self.gate.enter()
                self.leases.keep(self.store.requests, self.delivery.owner, self.delivery.clock(),
                                 self.lease_s)  # fmt: skip
                if command.id not in self.leases.held:  # taken over by another engine
                    continue
                try:
                    status = self.run(command)
                except LeaseLost:
                    status = "LEASE_LOST"
                except SyncdError as exc:
                    status = self.failed(command, exc)
                else:
                    self.troubles.pop(command.id, None)
                self.leases.held.discard(command.id)
                report.results[status] += 1
                event(logger, "command.answered", command=command.command,
                      request_id=command.id, status=status)  # fmt: skip
        finally:
            self.intents.clear()
            self.release()
        return report

    def failed(self, command: Command, exc: SyncdError) -> str:
        """A syncd error while processing one command (ids in the log, never parameters).

        Errors that concern this command alone — its parameters cannot be rendered or encoded
        (MappingError, RequestEncodingError where they are not already answered), or a child
        view cannot be read with them (:class:`ChildViewError`: a charge number the view's
        numeric column refuses) — must not stop the commands behind it: the command waits
        (status and attempts unchanged, due again after a growing backoff, the reason in
        ``last_error``) and the tick goes on.  Every other error (the database down, a
        statement on our own tables failing) would fail every command alike: it ends the
        tick (the job backs off).  So does a contained error when the database is down after
        all, since recording the deferral fails too.

        A command whose intent we committed (IN_FLIGHT, perhaps sent) is left as it is with
        its intent's lease: neither deferred nor given back, so no one asks the platform about
        it before the in-flight window is over; then it is resolved by query."""
        ours = command.id in self.intents
        event(logger, "command.error", logging.ERROR, command=command.command,
              request_id=command.id, error=type(exc).__name__, in_flight=ours)  # fmt: skip
        if ours:
            self.intents.discard(command.id)
            self.leases.held.discard(command.id)
            self.leases.in_flight.discard(command.id)
        if not isinstance(exc, _ONE_COMMAND):
            raise exc
        if ours:
            return "IN_FLIGHT"
        self.troubles[command.id] += 1
        delay = self.delivery.policy.delay(self.troubles[command.id], self.delivery.draw())
        reason_zh = getattr(exc, "reason_zh", "") or CHILD_VIEW_ZH
        until = self.delivery.clock() + delay
        if not self.store.requests.defer(command.id, self.delivery.owner, until, reason_zh):
            return "LEASE_LOST"
        return "DEFERRED"

    def release(self) -> None:
        """Give back every lease this runner holds that is not in flight."""
        self.leases.release(self.store.requests, self.delivery.owner)

    # --- one command ----------------------------------------------------------------

    def run(self, command: Command) -> str:
        spec = self.by_command.get(command.command)
        if command.status in _UNSETTLED:  # may have been processed: settled before any check
            if spec is None or not spec.enabled:
                return self.keep_unknown(command, UNSETTLED_DISABLED_ZH.format(command.command))
            if self.delivery.unsafe(spec.function):
                return self.settle_unknown(spec, command, self.visit_of(spec, command))
        if spec is None or not spec.enabled:
            return self.refuse(command, f"未知或未启用的命令：{command.command}")
        if "__invalid__" in command.params:
            return self.refuse(command, 'params_json 必须是 JSON 对象，如 {"bka001": "1"}')
        visit = self.visit_of(spec, command)
        need = spec.requires.visit
        check = visits.check(need.kind if need else None, need.state if need else (), visit,
                             can_wait=False)  # fmt: skip
        if check.verdict is not visits.Verdict.READY:
            return self.refuse(command, check.reason_zh)
        check = self.unsettled_check(spec, command)
        if check.verdict is not visits.Verdict.READY:
            return self.refuse(command, check.reason_zh)
        return self.execute(spec, command, visit)

    def execute(self, spec: FeedSpec, command: Command, visit: Visit | None) -> str:
        first: Step | None = None
        if spec.before is not None:
            before = self.feeds.get(spec.before)
            if before is None:
                return self.refuse(command, f"前置命令{spec.before}未定义")
            first = self.step(before, command, visit, None)
            if first.sent.outcome is not Outcome.SUCCEEDED:
                return self.answer(before, command, first, visit)
        return self.answer(spec, command, self.step(spec, command, visit, first), visit)

    def step(
        self, spec: FeedSpec, command: Command, visit: Visit | None, first: Step | None
    ) -> Step:
        """Render, commit the intent, send (and resolve an unsafe unknown) one call; ``first``
        is the ``before:`` step that prepared it (its reply's rows, its request's fields)."""
        try:
            request = self.request(spec, command, visit, first.sent.program if first else None)
        except MappingError as exc:
            return Step(Sent(Outcome.REJECTED, "", None, exc.reason_zh), None, command.attempts)
        except RequestEncodingError as exc:
            return Step(Sent(Outcome.REJECTED, "", None, exc.reason_zh), None, command.attempts)
        attempts = command.attempts + 1
        call_id = self.delivery.new_request_id()
        lease = self.delivery.flight_lease()
        visit_key = self.visit_key_of(spec, command)
        if not self.store.requests.mark_in_flight(command.id, call_id, attempts, lease,
                                                  visit_key):  # fmt: skip
            raise LeaseLost
        self.intents.add(command.id)
        check = self.unsettled_check(spec, command)  # again, now that our intent shows: a fee
        if check.verdict is not visits.Verdict.READY:  # batch or a call of the same kind may
            return Step(Sent(Outcome.REJECTED, "", None, check.reason_zh), None,  # have gone
                        command.attempts)  # fmt: skip
        self.leases.in_flight.add(command.id)
        where = self.where(spec, command, visit)
        sent = self.delivery.send(request, where, call_id)
        if sent.outcome is Outcome.UNKNOWN and self.delivery.unsafe(request.function_id):
            hints = first.request.params if first and first.request else {}  # its 110103
            sent = adopt(sent, self.delivery.resolve_just_sent(request, visit, where, hints))
        self.leases.in_flight.discard(command.id)
        return Step(sent, request, attempts)

    def request(
        self, spec: FeedSpec, command: Command, visit: Visit | None, first: Program | None
    ) -> Request:
        return self.delivery.request(self.rendered(spec, command, visit, first))

    def rendered(
        self, spec: FeedSpec, command: Command, visit: Visit | None, first: Program | None
    ) -> Rendered:
        params = dict(command.params)
        datasets: dict[str, list[dict[str, object]]] = {}
        for name, ds in spec.datasets.items():
            if ds.from_reply is not None:
                rows = first.rows(ds.from_reply) if first is not None else ()
                datasets[name] = [dict(row.values) for row in rows]
            else:
                datasets[name] = self.child_rows(ds, params)
        context = RenderContext(
            key=str(command.id), settings=self.inputs.settings,
            visit=visit.fields() if visit else {}, params=params,
            code_tables=self.inputs.code_tables, datasets=datasets,
            max_rows=self.inputs.max_rows,
        )  # fmt: skip
        rendered = render(spec, {}, context)
        if len(rendered.requests) != 1:
            reason = f"明细超过每次{self.inputs.max_rows}条的上限，请分次提交"
            raise MappingError(feed=spec.feed, key=str(command.id), field="datasets",
                               reason_zh=reason)  # fmt: skip
        return rendered.requests[0]

    def child_rows(
        self, dataset: DatasetSpec, params: Mapping[str, object]
    ) -> list[dict[str, object]]:
        """The rows of a child view for this command's parameters; a failing read is this
        command's :class:`ChildViewError` (if the database is down, deferring fails too)."""
        try:
            return self.children(dataset, params)
        except ChildViewError:
            raise
        except SourceError as exc:
            raise ChildViewError(exc.message) from exc

    def settle_unknown(self, spec: FeedSpec, command: Command, visit: Visit | None) -> str:
        """A command whose outcome is unknown: ask before anything is sent again, about the
        call as it went out (:meth:`as_sent`)."""
        request = self.as_sent(spec, command, visit)
        if request is None:
            found = adopt(Sent(Outcome.UNKNOWN, command.call_id), undecided())
        else:
            where = self.where(spec, command, visit)
            hints = self.before_fields(spec, command, visit)
            found = adopt(Sent(Outcome.UNKNOWN, command.call_id),
                          self.delivery.resolve(request, visit, where, hints))  # fmt: skip
        return self.answer(spec, command, Step(found, request, command.attempts), visit)

    def adopt_processed(self, spec: FeedSpec, command_id: int, given: Mapping[str, str]) -> str:
        """An operator checked the platform: unsettled command ``command_id`` (of ``spec``) was
        processed.  It is answered DONE as if its reply had come, the visit ledger too;
        ``given`` holds what only the reply tells (checked before anything is claimed).  Its
        status; OperatorError when it cannot be done now (nothing moves)."""
        command = self.store.requests.unsettled(command_id)
        if command is None:
            raise OperatorError(f"命令 {command_id} 不是结果未知（UNKNOWN）或发送中的记录")
        if command.command != spec.source.command or not spec.enabled:
            raise OperatorError(f"命令 {command_id} 是 {command.command}，不是已启用的 "
                                f"{spec.source.command}")  # fmt: skip
        visit = self.visit_of(spec, command)
        request = self.as_sent(spec, command, visit)
        hints = self.before_fields(spec, command, visit)
        sent = operator_processed(
            command.call_id, spec.function, request.params if request else None, given, visit, hints
        )
        lease = Lease.starting(self.delivery.owner, self.delivery.clock(),
                               timedelta(seconds=self.lease_s))  # fmt: skip
        if not self.store.requests.claim_unsettled(command_id, lease):
            raise OperatorError(f"命令 {command_id} 正由运行中的 syncd 处理，请稍后再试")
        self.leases.claimed({command_id}, lease.now)
        try:
            if self.store.requests.unsettled(command_id) != command:
                raise OperatorError(f"命令 {command_id} 的状态刚刚变化，请重新核对")
            return self.answer(spec, command, Step(sent, request, command.attempts), visit)
        finally:
            self.release()

    def as_sent(self, spec: FeedSpec, command: Command, visit: Visit | None) -> Called | None:
        """The call of an unsettled command as it went out (the archive; its child rows may
        have changed since), else rebuilt (:meth:`unsettled_request`)."""
        where = self.where(spec, command, visit)
        archived = self.delivery.archived(command.call_id, spec.function, where)
        return archived or self.unsettled_request(spec, command, visit)

    def unsettled_request(
        self, spec: FeedSpec, command: Command, visit: Visit | None
    ) -> Called | None:
        """The call of an unsettled command rebuilt to be asked about (None: it no longer
        renders).  A two-step command's rows came from its ``before:`` reply, which is not
        fetched again (after a processed refund 110103 refuses the batch): they are left out
        — so it is only rendered, not built — and the fields that step sends are the
        resolution's hints instead."""
        try:
            if spec.before is not None:
                return self.rendered(without_reply_rows(spec), command, visit, None)
            return self.request(spec, command, visit, None)
        except (MappingError, RequestEncodingError):
            return None

    def before_fields(
        self, spec: FeedSpec, command: Command, visit: Visit | None
    ) -> Mapping[str, object]:
        """The fields the ``before:`` step of ``spec`` sends for this command (none when it
        has no such step or it does not render)."""
        before = self.feeds.get(spec.before) if spec.before else None
        if before is None:
            return {}
        try:
            return self.request(before, command, visit, None).params
        except (MappingError, RequestEncodingError):
            return {}

    # --- answering ------------------------------------------------------------------

    def answer(self, spec: FeedSpec, command: Command, step: Step, visit: Visit | None) -> str:
        now, sent = self.delivery.clock(), step.sent
        transition = self.transition(spec, step)
        status = _STATUS[transition.status.value]
        datasets = step.request.datasets if step.request else {}
        fields = fields_for(spec.function, sent, datasets)
        succeeded = sent.outcome is Outcome.SUCCEEDED
        message = sent.message
        if transition.status is SyncStatus.FAILED and transition.message:  # not "将重新发送"
            last = sent.message if sent.message and not sent.resolved else ""
            message = f"{transition.message}：{last}" if last else transition.message
        answer = Answer(
            status=status, attempts=transition.attempts or step.attempts,
            next_attempt_at=transition.next_attempt_at, return_code=sent.return_code,
            message=message, call_id=sent.call_id or None,
            columns=self.columns(spec, fields) if succeeded else {},
            result=result_for(sent, fields) if succeeded else None,
            last_error="" if succeeded or status == "REJECTED" else message,
        )  # fmt: skip
        effect = None
        if succeeded and visit is not None and step.request is not None:
            effect = (visit, visits.effect(spec.function, step.request.params, fields))
        return self.write(command, answer, now, effect)

    def write(
        self, command: Command, answer: Answer, now: datetime, effect: Effect | None = None
    ) -> str:
        if not self.store.command(command.id, answer, now, self.delivery.owner, effect):
            raise LeaseLost
        self.intents.discard(command.id)  # answered: no longer an open intent of ours
        return answer.status

    def columns(self, spec: FeedSpec, fields: Mapping[str, str]) -> dict[str, object]:
        writable = self.store.requests.writable_columns()
        return {**flat_columns(fields), **writeback_columns(spec.writeback, fields, writable)}

    def transition(self, spec: FeedSpec, step: Step) -> outbox.Transition:
        sent, now, policy = step.sent, self.delivery.clock(), self.delivery.policy
        if sent.outcome is Outcome.RETRY and sent.resolved:  # a query proved it not processed
            return outbox.not_processed(step.attempts, policy, now)
        kind = self.delivery.kind(spec.function)
        return outbox.after_outcome(sent.outcome, kind, step.attempts, policy, now,
                                    self.delivery.draw())  # fmt: skip

    def refuse(self, command: Command, reason_zh: str) -> str:
        answer = Answer(status="REJECTED", attempts=command.attempts, message=reason_zh)
        return self.write(command, answer, self.delivery.clock())

    def keep_unknown(self, command: Command, reason_zh: str) -> str:
        """An unsettled command that cannot be resolved now (its spec is gone or disabled):
        UNKNOWN for an operator, asked again later; never refused, never sent."""
        now, policy = self.delivery.clock(), self.delivery.policy
        later = outbox.unresolved(command.attempts, policy, now, self.delivery.draw())
        answer = Answer(status="UNKNOWN", attempts=command.attempts,
                        next_attempt_at=later.next_attempt_at, message=reason_zh,
                        last_error=reason_zh)  # fmt: skip
        return self.write(command, answer, now)

    def unsettled_check(self, spec: FeedSpec, command: Command) -> visits.Check:
        """Refused at once (the HIS user asked now) while the visit has an unsettled call
        whose resolution this one would confuse: a fee upload for a fee deletion, another
        command of the same state/money function (a charge's outcome is judged by the batches
        after the last known one, which a later charge would move)."""
        check = self.fee_upload_check(spec, command)
        if check.verdict is not visits.Verdict.READY:
            return check
        return self.same_kind_check(spec, command)

    def fee_upload_check(self, spec: FeedSpec, command: Command) -> visits.Check:
        """A fee deletion is refused while a fee upload of the visit is unsettled."""
        visit_key = self.visit_key_of(spec, command)
        if spec.function != visits.FEE_DELETE or not visit_key:
            return visits.READY
        open_uploads = self.store.outbox.unsettled_calls(visits.FEE_UPLOAD, visit_key)
        return visits.fee_upload_pending(open_uploads)

    def same_kind_check(self, spec: FeedSpec, command: Command) -> visits.Check:
        """An unsafe command is refused while another command of the visit with the same
        function is IN_FLIGHT or UNKNOWN."""
        visit_key = self.visit_key_of(spec, command)
        if not visit_key or not self.delivery.unsafe(spec.function):
            return visits.READY
        names = self.by_function.get(spec.function, ())
        unsettled = self.store.requests.unsettled_commands(names, visit_key, besides=command.id)
        return visits.same_kind_pending(unsettled)

    def visit_key_of(self, spec: FeedSpec, command: Command) -> str:
        if spec.visit is None or spec.visit.param is None:
            return ""
        return command.params.get(spec.visit.param, "")

    def visit_of(self, spec: FeedSpec, command: Command) -> Visit | None:
        visit_key = self.visit_key_of(spec, command)
        if not visit_key:
            return None
        need = spec.requires.visit
        if need is None:
            return self.store.visits.find(visit_key)
        return self.store.visits.get(visit_key, need.kind)

    def where(self, spec: FeedSpec, command: Command, visit: Visit | None) -> Where:
        return Where(spec.feed, str(command.id), visit.visit_key if visit else "",
                     visit.aaz218 if visit else "")  # fmt: skip


def without_reply_rows(spec: FeedSpec) -> FeedSpec:
    """``spec`` with its datasets taken from a ``before:`` reply no longer required."""
    datasets = {name: ds.model_copy(update={"required": False}) if ds.from_reply else ds
                for name, ds in spec.datasets.items()}  # fmt: skip
    return spec.model_copy(update={"datasets": datasets})
