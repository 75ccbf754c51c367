"""Calls in flight side by side (L3): the units of a tick in lanes, one lane per visit.

:class:`CallSlots` is one engine's bound on the fact-view units under way at once
(``delivery.max_in_flight``), shared by every feed of the engine.  :meth:`CallSlots.run`
takes a tick's units grouped in lanes — the units of one visit in one lane, in the order they
were claimed — and runs the lanes side by side, each unit holding a slot while it goes
through the exchange; the units of one lane go strictly one after the other, so every rule
that holds for a visit today (one unsettled call per visit and feed, an UNKNOWN resolved
before anything else of the visit) holds unchanged.  The delivery protocol itself is not
touched: each unit is processed exactly as before, only not alone.

The first error of a lane (a stop request, the database gone) stops every lane before its
next unit; the units under way finish, then the error is raised to the tick.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


def by_lane(items: Iterable[T], lane_of: Callable[[T], Hashable]) -> list[list[T]]:
    """``items`` grouped by ``lane_of``, the groups and their items in first-seen order."""
    lanes: dict[Hashable, list[T]] = {}
    for item in items:
        lanes.setdefault(lane_of(item), []).append(item)
    return list(lanes.values())


class CallSlots:
    """At most ``size`` units of the engine under way at once (see the module docstring)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._slots = threading.BoundedSemaphore(size)

    def run(self, lanes: Sequence[Sequence[T]], each: Callable[[T], None]) -> None:
        """``each(unit)`` for every unit: the lanes side by side (up to ``size`` threads),
        the units of a lane in order.  Returns once every lane has ended."""
        if self.size == 1 or len(lanes) <= 1:
            for lane in lanes:
                for unit in lane:
                    self._one(each, unit)
            return
        run = _Run(lanes, lambda unit: self._one(each, unit))
        threads = [
            threading.Thread(target=run.drain, name=f"syncd-lane-{n}", daemon=True)
            for n in range(min(self.size, len(lanes)))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if run.failed:
            raise run.failed[0]

    def _one(self, each: Callable[[T], None], unit: T) -> None:
        with self._slots:
            each(unit)


class _Run(Generic[T]):
    """One :meth:`CallSlots.run`: the lanes not yet taken, and the first errors."""

    def __init__(self, lanes: Sequence[Sequence[T]], each: Callable[[T], None]) -> None:
        self.todo: queue.SimpleQueue[Sequence[T]] = queue.SimpleQueue()
        for lane in lanes:
            self.todo.put(lane)
        self.each = each
        self.failed: list[BaseException] = []
        self.stop = threading.Event()

    def drain(self) -> None:
        """Take lanes until none is left (or one failed), each unit of a lane in order."""
        while not self.stop.is_set():
            try:
                lane = self.todo.get_nowait()
            except queue.Empty:
                return
            for unit in lane:
                if self.stop.is_set():
                    return
                try:
                    self.each(unit)
                except BaseException as exc:  # re-raised in the tick's thread
                    self.failed.append(exc)
                    self.stop.set()
                    return
