"""The exchange (L3): the delivery protocol, written once for every kind of unit.

=================== =========================================================================
module              owns
=================== =========================================================================
``protocol``        :class:`Exchange`: intent → send → classify → in-step resolution;
                    conclude (result + write-back + visit effect in one transaction); settle
                    an UNKNOWN or taken-over unit; an operator's verdict
``calls``           :class:`PlatformCalls`: build, call, archive, check a reply; read a call
                    back from the archive; ask the platform (the UNKNOWN strategies)
``unit``            :class:`Unit`, the small protocol every unit offers (the adapters:
                    :mod:`syncd.engine.rows_unit`, :mod:`syncd.engine.command_unit`)
=================== =========================================================================

UNKNOWN handling lives in three places, one job each: the per-function strategies
(:mod:`syncd.rules.resolve`, pure), the verdict on what they found
(:mod:`syncd.rules.resolve.verdict` and :func:`syncd.rules.conclusion.transition_of`, pure),
and the settle step here (L3).
"""

from __future__ import annotations

from syncd.engine.exchange.calls import ArchivedCall, CallContent, PlatformCalls
from syncd.engine.exchange.protocol import Exchange
from syncd.engine.exchange.unit import PendingCall, Unit, UnitResult, UnsettledUnit, Where

__all__ = [
    "ArchivedCall",
    "CallContent",
    "Exchange",
    "PendingCall",
    "PlatformCalls",
    "Unit",
    "UnitResult",
    "UnsettledUnit",
    "Where",
]
