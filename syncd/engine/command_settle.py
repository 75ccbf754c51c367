"""Unsettled commands (L3): settled by query, or by an operator's verdict.

A command whose outcome is unknown is asked about as it went out (the archive: its child rows
may have changed since), else as rebuilt from its parameters and child views; a two-step
command's second call is rebuilt without the rows its first step's reply gave (not fetched
again: after a processed refund 110103 refuses the batch) and asked with that step's fields
as hints.  Whatever the visit's state has become meanwhile, nothing is checked first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syncd.core.errors import MappingError, OperatorError, RequestEncodingError
from syncd.core.records import Command, RequestStatus
from syncd.engine.command_unit import CommandUnit
from syncd.engine.exchange import CallContent, PendingCall
from syncd.mapping import FeedSpec
from syncd.rules.resolve.question import UNDECIDED_ZH
from syncd.rules.visits import Visit

if TYPE_CHECKING:
    from syncd.engine.commands import CommandRunner


class CommandSettle:
    def __init__(self, runner: CommandRunner) -> None:
        self.runner = runner

    def settle(self, spec: FeedSpec, command: Command, visit: Visit | None) -> RequestStatus:
        """Ask about the command's call as it went out before anything is sent again."""
        unit = CommandUnit(self.runner, command, spec, visit)
        asked = self.as_sent(spec, command, visit)
        if asked is None:
            self.runner.exchange.keep_unknown(unit, UNDECIDED_ZH)
        else:
            self.runner.exchange.settle(unit, asked)
        assert unit.status is not None
        return unit.status

    def as_sent(self, spec: FeedSpec, command: Command, visit: Visit | None) -> CallContent | None:
        """The call of an unsettled command as it went out (the archive), else rebuilt
        (None: it no longer renders)."""
        where = CommandUnit(self.runner, command, spec, visit).where
        archived = self.runner.exchange.calls.archived(command.call_id, spec.function, where)
        return archived or self.rebuilt(spec, command, visit)

    def rebuilt(self, spec: FeedSpec, command: Command, visit: Visit | None) -> CallContent | None:
        """The call rebuilt to be asked about; a two-step command's without the rows its
        first step's reply gave — so it is only rendered, not built."""
        prep, calls = self.runner.preparation(), self.runner.exchange.calls
        try:
            if spec.before is not None:
                return prep.command(
                    without_reply_rows(spec), str(command.id), command.params, visit
                )
            return calls.request(prep.command(spec, str(command.id), command.params, visit))
        except (MappingError, RequestEncodingError):
            return None


class CommandVerdicts:
    """An operator's verdict on an unsettled command of ``spec`` (the port of
    :mod:`syncd.engine.operator`)."""

    def __init__(self, runner: CommandRunner, spec: FeedSpec) -> None:
        self.runner, self.spec = runner, spec
        self.command: Command | None = None

    def pending(self, key: str) -> PendingCall:
        if not key.isdigit():
            raise OperatorError(
                "命令表的 KEY 是 WI_REQUEST 的 id（数字） / a command's KEY is "
                "its WI_REQUEST id (a number)"
            )
        runner, spec = self.runner, self.spec
        command = runner.store.requests.unsettled(int(key))
        if command is None:
            raise OperatorError(
                f"命令 {key} 不是结果未知（UNKNOWN）或发送中的记录 / command "
                f"{key} is not UNKNOWN or IN_FLIGHT"
            )
        if command.command != spec.source.command or not spec.enabled:
            raise OperatorError(
                f"命令 {key} 是 {command.command}，不是已启用的 "
                f"{spec.source.command} / command {key} is a "
                f"{command.command}"
            )
        self.command = command
        visit = runner.visit_of(spec, command)
        asked = runner.settling.as_sent(spec, command, visit)
        hints = runner.before_fields(spec, command, visit)
        return PendingCall(key, command.call_id, spec.function, visit, hints, asked)

    def claim(self, pending: PendingCall) -> tuple[CommandUnit, int]:
        """The command, claimed (OperatorError while an engine holds it or it moved on)."""
        runner, command = self.runner, self.command
        assert command is not None, "pending() first"
        lease = runner.exchange.lease(runner.lease_s)
        if not runner.store.requests.claim_unsettled(command.id, lease):
            raise OperatorError(
                f"命令 {command.id} 正由运行中的 syncd 处理，请稍后再试 / a "
                "running syncd holds this command: try again later"
            )
        runner.leases.claimed({command.id}, lease.now)
        if runner.store.requests.unsettled(command.id) != command:
            raise OperatorError(
                f"命令 {command.id} 的状态刚刚变化，请重新核对 / command "
                f"{command.id} has just changed: check again"
            )
        return CommandUnit(runner, command, self.spec, pending.visit), 1

    def release(self) -> None:
        self.runner.release()


def without_reply_rows(spec: FeedSpec) -> FeedSpec:
    """``spec`` with its datasets taken from a ``before:`` reply no longer required."""
    datasets = {
        name: ds.model_copy(update={"required": False}) if ds.from_reply else ds
        for name, ds in spec.datasets.items()
    }
    return spec.model_copy(update={"datasets": datasets})
