"""One ``WI_REQUEST`` command (one step of it) as a unit of the exchange (L3 adapter).

:class:`CommandUnit` says how a command is marked in flight (the visit it acts on written
with the intent, so every count of the visit's open commands sees it), looked at again
(refused at once: the HIS user asked now), and answered: status, return code and Chinese
message, flattened reply columns, ``result_json`` and one ``WI_REQUEST_ROW`` per reply
dataset row, with the visit effect, in one transaction.  A two-step command is two units of
one command, one per step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

from syncd.core.records import (
    Answer,
    Command,
    ConcludedBy,
    Lease,
    RequestStatus,
    SyncStatus,
    request_status,
)
from syncd.engine.command_checks import visit_key_of
from syncd.engine.exchange import UnitResult, Where
from syncd.mapping import FeedSpec
from syncd.rules.conclusion import result_for
from syncd.rules.replies import flat_columns, writeback_columns
from syncd.rules.visits import Visit, VisitCheck

if TYPE_CHECKING:
    from syncd.engine.commands import CommandRunner


class CommandUnit:
    def __init__(
        self, runner: CommandRunner, command: Command, spec: FeedSpec, visit: Visit | None
    ) -> None:
        self.runner, self.command, self.spec, self.visit = runner, command, spec, visit
        self.status: RequestStatus | None = None  # as answered

    @property
    def where(self) -> Where:
        visit = self.visit
        visit_key, aaz218 = (visit.visit_key, visit.aaz218) if visit else ("", "")
        return Where(self.spec.feed, str(self.command.id), visit_key, aaz218)

    @property
    def function_id(self) -> str:
        return self.spec.function

    @property
    def attempts(self) -> int:
        return self.command.attempts

    @property
    def call_id(self) -> str:
        return self.command.call_id

    @cached_property
    def hints(self) -> Mapping[str, object]:
        return self.runner.before_fields(self.spec, self.command, self.visit)

    def visit_now(self) -> Visit | None:
        return self.runner.visit_of(self.spec, self.command)

    def intend(self, call_id: str, lease: Lease) -> bool:
        command, runner = self.command, self.runner
        visit_key = visit_key_of(self.spec, command)
        requests = runner.store.requests
        if not requests.mark_in_flight(command.id, call_id, command.attempts + 1, lease, visit_key):
            return False
        runner.intents.add(command.id)
        runner.leases.in_flight.add(command.id)
        return True

    def recheck(self) -> VisitCheck:
        """Again, now that our intent shows: a fee batch or a call of the same kind may have
        gone meanwhile."""
        return self.runner.checks.unsettled_check(self.spec, self.command)

    def withdraw(self, check: VisitCheck) -> None:
        self.status = self.runner.refuse(self.command, check.reason_zh)

    def record(self, result: UnitResult) -> bool:
        answer = self.answer(result)
        runner = self.runner
        owner = runner.exchange.owner
        effect = result.effect
        if effect is not None and effect[1].fee_reset and self.command.params.get("refill") == "1":
            effect = (effect[0], replace(effect[1], refill=True))  # syncd's own: rows go again
        if not runner.store.command(self.command.id, answer, result.now, owner, effect):
            return False
        runner.answered(self.command)
        self.status = answer.status
        return True

    def answer(self, result: UnitResult) -> Answer:
        """The command's row for ``result``: a FAILED one says why it gave up, then the last
        reply's message."""
        transition, ended = result.transition, result.ended
        status = request_status(transition.status)
        message = ended.message
        if transition.status is SyncStatus.FAILED and transition.message:  # not "将重新发送"
            last = ended.message if ended.by is ConcludedBy.REPLY else ""
            message = f"{transition.message}：{last}" if last else transition.message
        succeeded = ended.succeeded
        attempts = self.attempts if transition.attempts is None else transition.attempts
        return Answer(
            status=status,
            attempts=attempts,
            next_attempt_at=transition.next_attempt_at,
            return_code=ended.return_code,
            message=message,
            call_id=ended.call_id or None,
            columns=self.columns(result.fields) if succeeded else {},
            result=result_for(ended, result.fields) if succeeded else None,
            last_error="" if succeeded or status is RequestStatus.REJECTED else message,
        )

    def columns(self, fields: Mapping[str, str]) -> dict[str, object]:
        writable = self.runner.store.requests.writable_columns()
        return {**flat_columns(fields), **writeback_columns(self.spec.writeback, fields, writable)}

    def current(self) -> CommandUnit:
        return self
