"""What a command must pass before it is sent (L3): the visit's state, and no unsettled call of
the visit whose resolution it would confuse.  A command is refused at once (the HIS user asked
now), never kept waiting."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from syncd.core.records import Command
from syncd.engine.ports import WritebackPort
from syncd.mapping import FeedSpec
from syncd.rules import visits
from syncd.rules.visits import Visit


def visit_key_of(spec: FeedSpec, command: Command) -> str:
    """The visit a command acts on (the parameter its spec names), "" when none."""
    if spec.visit is None or spec.visit.param is None:
        return ""
    return command.params.get(spec.visit.param, "")


class CommandChecks:
    def __init__(
        self,
        store: WritebackPort,
        unsafe: Callable[[str], bool],
        by_function: Mapping[str, tuple[str, ...]],
    ) -> None:
        self.store, self.unsafe, self.by_function = store, unsafe, by_function

    def refusal(self, spec: FeedSpec, command: Command, visit: Visit | None) -> str:
        """Why the command is refused now ("" when it may go)."""
        need = spec.requires.visit
        states = need.state if need else ()
        check = visits.check(need.kind if need else None, states, visit, can_wait=False)
        if check.verdict is visits.VisitVerdict.READY:
            check = self.unsettled_check(spec, command)
        return "" if check.verdict is visits.VisitVerdict.READY else check.reason_zh

    def unsettled_check(self, spec: FeedSpec, command: Command) -> visits.VisitCheck:
        """Refused at once (the HIS user asked now) while the visit has an unsettled call
        whose resolution this one would confuse: a fee upload for a fee deletion, another
        command of the same state/money function (a charge's outcome is judged by the batches
        after the last known one, which a later charge would move)."""
        check = self.fee_upload_check(spec, command)
        if check.verdict is not visits.VisitVerdict.READY:
            return check
        return self.same_kind_check(spec, command)

    def fee_upload_check(self, spec: FeedSpec, command: Command) -> visits.VisitCheck:
        """A fee deletion is refused while a fee upload of the visit is unsettled."""
        visit_key = visit_key_of(spec, command)
        if spec.function != visits.FEE_DELETE or not visit_key:
            return visits.READY
        if command.params.get("refill") == "1":  # syncd's own, for the upload it cannot tell
            return visits.READY
        open_uploads = self.store.outbox.unsettled_calls(visits.FEE_UPLOAD, visit_key)
        return visits.fee_upload_pending(open_uploads)

    def same_kind_check(self, spec: FeedSpec, command: Command) -> visits.VisitCheck:
        """An unsafe command is refused while another command of the visit with the same
        function is IN_FLIGHT or UNKNOWN."""
        visit_key = visit_key_of(spec, command)
        if not visit_key or not self.unsafe(spec.function):
            return visits.READY
        names = self.by_function.get(spec.function, ())
        unsettled = self.store.requests.unsettled_commands(names, visit_key, besides=command.id)
        return visits.same_kind_pending(unsettled)
