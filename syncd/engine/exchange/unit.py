"""What a unit of work offers the exchange (L3): one small protocol, an adapter per kind.

A unit is what one call (or one step of a two-step command) is made for: the rows of a fact
view that go in one call (a single row, or a visit's fee batch) —
:class:`~syncd.engine.rows_unit.RowsUnit` — or one ``WI_REQUEST`` command —
:class:`~syncd.engine.command_unit.CommandUnit`.  The exchange owns the sequence (intent,
send, classification, resolution, conclusion); a unit only says how its own rows are marked
in flight, looked at again, stepped back, and written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from syncd.core.records import ArchiveEntry, Lease
from syncd.rules.conclusion import Conclusion
from syncd.rules.outbox import Transition
from syncd.rules.visits import Visit, VisitCheck, VisitEffect

if TYPE_CHECKING:
    from syncd.engine.exchange.calls import CallContent


@dataclass(frozen=True)
class Where:
    """What an exchange belongs to (ids only): for the archive and the log."""

    feed: str = ""
    source_key: str = ""
    visit_key: str = ""
    aaz218: str = ""


@dataclass(frozen=True)
class UnitResult:
    """What concluding a call writes, in one transaction: the unit's new status, the
    ending (reply code, message, adopted fields), the write-back fields, the visit effect."""

    transition: Transition
    ended: Conclusion
    fields: Mapping[str, str]
    effect: VisitEffect | None
    now: datetime
    archive: ArchiveEntry | None = None  # the exchange, to be archived in the same transaction


@dataclass(frozen=True)
class PendingCall:
    """An unsettled call an operator gives a verdict on, read (not yet claimed): its unit's
    key, the call, the visit, the first step's fields, and the call as it went out (None:
    neither archived nor rebuildable)."""

    key: str
    call_id: str
    function_id: str
    visit: Visit | None
    hints: Mapping[str, object]
    asked: CallContent | None


class Unit(Protocol):
    """One unit going through the exchange."""

    @property
    def where(self) -> Where: ...

    @property
    def function_id(self) -> str: ...

    @property
    def attempts(self) -> int:
        """The attempts used before this call (the most of the unit's rows)."""
        ...

    @property
    def visit(self) -> Visit | None:
        """The visit as read before the call (its effect is applied relative to it)."""
        ...

    def visit_now(self) -> Visit | None:
        """The visit read again: the sums a resolution right after the call compares."""
        ...

    def intend(self, call_id: str, lease: Lease) -> bool:
        """Commit the intent (IN_FLIGHT, the next attempt, ``call_id``, the flight lease) if
        the unit is still ours; it stays in flight (its lease kept) until recorded."""
        ...

    def recheck(self) -> VisitCheck:
        """Look again now that the intent shows to every other engine."""
        ...

    def withdraw(self, check: VisitCheck) -> None:
        """The intent is committed but the call is not made (``check`` says why)."""
        ...

    def record(self, result: UnitResult) -> bool:
        """Write ``result`` in one transaction, with ``result.archive`` when there is one;
        False (nothing written) when the unit is no longer ours."""
        ...


class UnsettledUnit(Unit, Protocol):
    """A unit whose call may have been processed (UNKNOWN, IN_FLIGHT taken over, or an
    operator's verdict)."""

    @property
    def call_id(self) -> str: ...

    @property
    def hints(self) -> Mapping[str, object]:
        """The wire fields of the step that prepared the call (a refund's batch), if any."""
        ...

    def current(self) -> UnsettledUnit | None:
        """The unit to send again once the call was found not processed: rows gone from the
        view (or of an old version) are closed instead (None: nothing is left)."""
        ...
