"""The delivery protocol, written once (L3): every unit of every kind goes through here.

:meth:`Exchange.send` — a new call id; the intent committed under a lease that outlasts the
call; a look again once the intent is visible to every other engine (both step back when two
see each other); the call, archived and classified; for a state-changing or money call whose
outcome is unknown, the resolution query right away (a "not processed" then is not believed:
the platform may still be working on it).

:meth:`Exchange.conclude` — the ending's transition (the pure verdict of
:mod:`syncd.rules.conclusion`), the write-back fields and the visit effect, written by the unit
in one transaction.

:meth:`Exchange.settle` — a unit taken over UNKNOWN or IN_FLIGHT: asked about the call as it
went out, then concluded (processed: adopted; undecided: UNKNOWN for later or an operator) or
sent again (not processed; what left the view is closed).  :meth:`Exchange.keep_unknown` when
it cannot be asked.  An operator's verdicts go through :mod:`syncd.engine.operator`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from syncd.core.errors import LeaseLost, SyncdError
from syncd.core.records import Lease, Outcome
from syncd.engine.exchange.calls import NO_HINTS, CallContent, Hints, PlatformCalls
from syncd.engine.exchange.unit import Unit, UnitResult, UnsettledUnit
from syncd.protocol.messages import Request
from syncd.rules import visits
from syncd.rules.conclusion import Conclusion, fields_for, transition_of
from syncd.rules.outbox import RetryPolicy
from syncd.rules.resolve import Resolution
from syncd.rules.resolve.verdict import adopted, unsettled

Review = Callable[[Resolution], Resolution]


@dataclass
class Exchange:
    calls: PlatformCalls
    policy: RetryPolicy
    draw: Callable[[], float]
    owner: str
    flight_s: float  # an intent's lease: at least the longest sending of one intent

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.calls.clock

    def flight_lease(self) -> Lease:
        """The lease of an intent: it must outlast the call, or another engine could take the
        unit over as IN_FLIGHT, ask the platform too early, find nothing and send it again."""
        return Lease.starting(self.owner, self.clock(), timedelta(seconds=self.flight_s))

    def lease(self, seconds: float) -> Lease:
        """A claim's lease from now."""
        return Lease.starting(self.owner, self.clock(), timedelta(seconds=seconds))

    def unsafe(self, function_id: str) -> bool:
        return self.calls.unsafe(function_id)

    def send(
        self,
        unit: Unit,
        request: Request,
        hints: Hints = NO_HINTS,
        review: Review | None = None,
        *,
        concluding: bool = False,
    ) -> Conclusion | None:
        """The exactly-once sequence for one call of ``unit``; None when the unit stepped back
        after its intent (nothing sent).  LeaseLost when the unit is no longer ours.
        ``review``: what the unit's kind makes of a resolution before it is adopted (a fee
        total that matches neither case: syncd's own delete and upload again).

        ``concluding``: :meth:`conclude` follows with what this returns, so the exchange is
        archived in the result's transaction (one transaction fewer per call); otherwise, and
        before a resolution query, it is archived in a transaction of its own right away."""
        call_id = uuid.uuid4().hex
        if not unit.intend(call_id, self.flight_lease()):
            raise LeaseLost
        check = unit.recheck()
        if check.verdict is not visits.VisitVerdict.READY:
            unit.withdraw(check)
            return None
        ended = self.calls.send(request, unit.where, call_id, later=concluding)
        if ended.outcome is Outcome.UNKNOWN and self.unsafe(request.function_id):
            ended = self.calls.flush(ended, unit.where)  # archived before anything is asked
            found = self.calls.ask(request, unit.visit_now(), unit.where, hints)
            ended = adopted(review(found) if review else found, ended.call_id, just_sent=True)
        return ended

    def conclude(
        self, unit: Unit, ended: Conclusion, call: CallContent | None, attempts: int
    ) -> None:
        """Write how the call ended: the unit's status, its write-back and the visit effect,
        in one transaction.  ``call``: what was sent (its fields and rows), when known;
        ``attempts``: the attempt the call used.  LeaseLost when the unit is no longer ours."""
        now, function_id = self.clock(), unit.function_id
        kind = self.calls.kind(function_id)
        transition = transition_of(ended, kind, attempts, self.policy, now, self.draw())
        fields = fields_for(function_id, ended, call.datasets if call else {})
        effect = None
        if ended.succeeded and unit.visit is not None:
            params = call.params if call else {}
            effect = (unit.visit, visits.effect(function_id, params, fields))
        archive = ended.unarchived  # written with the result, else on its own
        result = UnitResult(transition, ended, fields, effect, now, archive)
        try:
            recorded = unit.record(result)
            archive = None if recorded else archive
        except SyncdError:
            if archive is None:
                raise
            try:  # the result must not wait for the archive (its table may be what failed)
                recorded = unit.record(replace(result, archive=None))
            finally:
                self.calls.record(archive, unit.where)  # a failure is logged
            archive = None
        self.calls.record(archive, unit.where)  # not ours any more: the call still happened
        if not recorded:
            raise LeaseLost

    def settle(self, unit: UnsettledUnit, asked: CallContent, review: Review | None = None) -> None:
        """Ask about ``asked`` (the unit's call as it went out) before anything is sent again,
        and conclude what was found (``review``: as in :meth:`send`)."""
        found = self.calls.ask(asked, unit.visit, unit.where, unit.hints)
        ended = adopted(review(found) if review else found, unit.call_id)
        if ended.outcome is Outcome.RETRY:  # not processed: sent again, what is still current
            again = unit.current()
            if again is None:
                return
            unit = again
        self.conclude(unit, ended, asked, unit.attempts)

    def keep_unknown(self, unit: UnsettledUnit, reason_zh: str) -> None:
        """The call cannot be asked about now: UNKNOWN with ``reason_zh``, asked again later
        (or settled by an operator); never refused, never sent."""
        self.conclude(unit, unsettled(unit.call_id, reason_zh), None, unit.attempts)
