"""The stop hook of the engine steps (L3): consulted before each unit and between its calls.

A unit is a feed row, a visit's batch of rows, or a command.  Outside the daemon the gate is
open; ``syncd run`` closes it on SIGTERM through :meth:`~syncd.service.worker.Worker.stop_claiming`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from syncd.core.errors import ShutdownRequested


def _never() -> bool:
    return False


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Gate:
    """``stopping`` says a stop was requested; ``on_unit`` hears of each unit let through
    (the daemon beats that lane's heartbeat there)."""

    stopping: Callable[[], bool] = _never
    on_unit: Callable[[], None] = _nothing

    def enter(self) -> None:
        """Before a unit: end the tick once stopping, otherwise let the unit through."""
        if self.stopping():
            raise ShutdownRequested
        self.on_unit()


OPEN = Gate()  # never stops: ``syncd once``, tests
