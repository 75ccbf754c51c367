"""The command table ``WI_REQUEST`` (L3): the HIS inserts a command, syncd answers in its row.

A claimed command whose outcome is unsettled (IN_FLIGHT taken over, UNKNOWN) is settled by
query first, whatever the visit's state has become meanwhile, and whether or not its mapping
has been disabled since (resolution needs the call as archived, not the mapping; a mapping
deleted from the folder leaves it UNKNOWN for an operator). Any other command is looked up by
name among the command feeds (``source.command``), checked against the visit (an unmet state,
or another call of the visit whose outcome it would confuse, is refused at once with a Chinese
reason: the HIS user is waiting for the answer), prepared from its parameters (and child
views), sent through the exchange and answered (:mod:`syncd.engine.command_unit`). A two-step
command (``before:``) first runs the named command with the same parameters; when that does
not succeed, this command ends with its answer.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping

from syncd.core.errors import (
    ChildViewError,
    LeaseLost,
    MappingError,
    RequestEncodingError,
    SyncdError,
)
from syncd.core.records import (
    UNSETTLED_STATUSES,
    Answer,
    Command,
    RequestStatus,
)
from syncd.engine.command_checks import CommandChecks, visit_key_of
from syncd.engine.command_settle import CommandSettle, CommandVerdicts
from syncd.engine.command_unit import CommandUnit
from syncd.engine.exchange import Exchange
from syncd.engine.gate import OPEN, Gate
from syncd.engine.leases import Leases
from syncd.engine.ports import ChildRowsPort, WritebackPort
from syncd.engine.prepare import Preparation, RenderInputs
from syncd.engine.reports import CommandReport
from syncd.logs import event
from syncd.mapping import FeedSpec
from syncd.protocol.decoded import Program
from syncd.rules import outbox
from syncd.rules.visits import Visit

logger = logging.getLogger(__name__)
UNSETTLED_DISABLED_ZH = (
    "命令{}的映射文件已删除，其上次调用结果未知：请人工核对，或恢复该映射文件"
    "（可设 enabled: false）后自动查询确认"
)
CHILD_VIEW_ZH = "读取明细视图失败，稍后自动重试；请核对命令参数与明细视图是否相符"
_ONE_COMMAND = (MappingError, RequestEncodingError, ChildViewError)  # see CommandRunner.failed


class CommandRunner:
    def __init__(
        self,
        feeds: Mapping[str, FeedSpec],
        exchange: Exchange,
        store: WritebackPort,
        children: ChildRowsPort,
        *,
        batch_size: int,
        lease_s: float,
    ) -> None:
        self.by_command = {s.source.command: s for s in feeds.values() if s.source.command}
        same: defaultdict[str, list[str]] = defaultdict(list)
        for name, spec in sorted(self.by_command.items()):
            same[spec.function].append(name)
        self.by_function = {function: tuple(names) for function, names in same.items()}
        self.feeds, self.exchange, self.store, self.children = feeds, exchange, store, children
        self.batch_size, self.lease_s = batch_size, lease_s
        self.leases = Leases()
        self.gate: Gate = OPEN  # asked before each command (Worker.stop_claiming)
        self.intents: set[int] = set()  # intent committed this tick, not answered yet
        self.troubles: Counter[int] = Counter()  # failures in a row of a deferred command
        self.prep: Preparation | None = None  # this tick's (its code tables)
        self.checks = CommandChecks(store, exchange.unsafe, self.by_function)
        self.settling = CommandSettle(self)

    def tick(self, inputs: RenderInputs) -> CommandReport:
        self.prep = Preparation(inputs, self.children)
        report = CommandReport()
        lease = self.exchange.lease(self.lease_s)
        commands = self.store.requests.claim(lease, self.batch_size)
        report.claimed = len(commands)
        self.leases.claimed({c.id for c in commands}, lease.now)
        try:
            for command in commands:
                self.gate.enter()
                self.leases.keep(
                    self.store.requests, self.exchange.owner, self.exchange.clock(), self.lease_s
                )
                if command.id not in self.leases.held:  # taken over by another engine
                    continue
                status = self.one(command)
                self.leases.held.discard(command.id)
                report.results[status] += 1
                event(
                    logger,
                    "command.answered",
                    command=command.command,
                    request_id=command.id,
                    status=status,
                )
        finally:
            self.intents.clear()
            self.release()
        return report

    def one(self, command: Command) -> str:
        """Run one command; the status it ended in (or what kept it from being answered)."""
        try:
            status = self.run(command)
        except LeaseLost:
            return "LEASE_LOST"
        except SyncdError as exc:
            return self.failed(command, exc)
        self.troubles.pop(command.id, None)
        return status.value

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
        event(
            logger,
            "command.error",
            logging.ERROR,
            command=command.command,
            request_id=command.id,
            error=type(exc).__name__,
            in_flight=ours,
        )
        if ours:
            self.answered(command)
        if not isinstance(exc, _ONE_COMMAND):
            raise exc
        if ours:
            return "IN_FLIGHT"
        self.troubles[command.id] += 1
        delay = self.exchange.policy.delay(self.troubles[command.id], self.exchange.draw())
        reason_zh = getattr(exc, "reason_zh", "") or CHILD_VIEW_ZH
        until = self.exchange.clock() + delay
        if not self.store.requests.defer(command.id, self.exchange.owner, until, reason_zh):
            return "LEASE_LOST"
        return "DEFERRED"

    def release(self) -> None:
        """Give back every lease this runner holds that is not in flight."""
        self.leases.release(self.store.requests, self.exchange.owner)

    # --- one command ----------------------------------------------------------------

    def run(self, command: Command) -> RequestStatus:
        spec = self.by_command.get(command.command)
        if command.status in UNSETTLED_STATUSES:  # may have been processed: settled first
            if spec is None:
                return self.keep_unknown(command, UNSETTLED_DISABLED_ZH.format(command.command))
            if self.exchange.unsafe(spec.function):  # disabled or not: asked as it went out
                return self.settling.settle(spec, command, self.visit_of(spec, command))
        if spec is None or not spec.enabled:
            return self.refuse(command, f"未知或未启用的命令：{command.command}")
        if "__invalid__" in command.params:
            return self.refuse(command, 'params_json 必须是 JSON 对象，如 {"bka001": "1"}')
        visit = self.visit_of(spec, command)
        refusal = self.checks.refusal(spec, command, visit)
        if refusal:
            return self.refuse(command, refusal)
        return self.execute(spec, command, visit)

    def execute(self, spec: FeedSpec, command: Command, visit: Visit | None) -> RequestStatus:
        """Send the command (a two-step one: its ``before:`` step first, with the same
        parameters; its reply's rows and its fields go into the second)."""
        steps = [spec]
        if spec.before is not None:
            before = self.feeds.get(spec.before)
            if before is None:
                return self.refuse(command, f"前置命令{spec.before}未定义")
            steps = [before, spec]
        reply_rows: dict[str, list[dict[str, object]]] = {}
        hints: Mapping[str, object] = {}
        for index, step in enumerate(steps):
            unit = CommandUnit(self, command, step, visit)
            try:
                mapped = self.preparation().command(
                    step, str(command.id), command.params, visit, reply_rows
                )
                request = self.exchange.calls.request(mapped)
            except (MappingError, RequestEncodingError) as exc:
                return self.refuse(command, exc.reason_zh)
            ended = self.exchange.send(unit, request, hints)
            if ended is not None and (not ended.succeeded or index == len(steps) - 1):
                self.exchange.conclude(unit, ended, request, command.attempts + 1)
            if unit.status is not None:  # answered (or refused after its intent)
                return unit.status
            assert ended is not None
            reply_rows, hints = _reply_rows(ended.reply), request.params
        raise AssertionError("the last step is always answered")

    def preparation(self) -> Preparation:
        assert self.prep is not None, "tick() (or an operator's verdict) prepares"
        return self.prep

    def before_fields(
        self, spec: FeedSpec, command: Command, visit: Visit | None
    ) -> Mapping[str, object]:
        """The fields the ``before:`` step of ``spec`` sends for this command (none when it
        has no such step or it does not render)."""
        before = self.feeds.get(spec.before) if spec.before else None
        if before is None:
            return {}
        try:
            mapped = self.preparation().command(before, str(command.id), command.params, visit)
            return self.exchange.calls.request(mapped).params
        except (MappingError, RequestEncodingError):
            return {}

    def visit_of(self, spec: FeedSpec, command: Command) -> Visit | None:
        visit_key = visit_key_of(spec, command)
        if not visit_key:
            return None
        need = spec.requires.visit
        if need is None:
            return self.store.visits.find(visit_key)
        return self.store.visits.get(visit_key, need.kind)

    def verdicts(self, spec: FeedSpec, inputs: RenderInputs) -> CommandVerdicts:
        """An operator's verdict on a command of ``spec`` (a call it cannot find in the
        archive is rebuilt with ``inputs``)."""
        self.prep = Preparation(inputs, self.children)
        return CommandVerdicts(self, spec)

    # --- answers without a call -----------------------------------------------------

    def refuse(self, command: Command, reason_zh: str) -> RequestStatus:
        answer = Answer(status=RequestStatus.REJECTED, attempts=command.attempts, message=reason_zh)
        return self.write(command, answer)

    def keep_unknown(self, command: Command, reason_zh: str) -> RequestStatus:
        """An unsettled command that cannot be resolved now (its mapping file is gone):
        UNKNOWN for an operator, asked again later; never refused, never sent."""
        policy, now = self.exchange.policy, self.exchange.clock()
        later = outbox.unresolved(command.attempts, policy, now, self.exchange.draw())
        answer = Answer(
            status=RequestStatus.UNKNOWN,
            attempts=command.attempts,
            next_attempt_at=later.next_attempt_at,
            message=reason_zh,
            last_error=reason_zh,
        )
        return self.write(command, answer)

    def write(self, command: Command, answer: Answer) -> RequestStatus:
        owner, now = self.exchange.owner, self.exchange.clock()
        if not self.store.command(command.id, answer, now, owner):
            raise LeaseLost
        self.answered(command)
        return answer.status

    def answered(self, command: Command) -> None:
        """No longer an open intent of ours, nor in flight."""
        self.intents.discard(command.id)
        self.leases.held.discard(command.id)
        self.leases.in_flight.discard(command.id)


def _reply_rows(reply: Program | None) -> dict[str, list[dict[str, object]]]:
    """A first step's reply datasets, as the rows its second step's datasets take."""
    if reply is None:
        return {}
    return {name: [dict(row.values) for row in rows] for name, rows in reply.datasets.items()}
