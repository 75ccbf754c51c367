"""Calls in flight side by side (L3): the units of a tick in lanes, one lane per visit, fed
while they run.

:class:`CallSlots` is one engine's bound on the fact-view units under way at once
(``delivery.max_in_flight``), shared by every feed of the engine.  :meth:`CallSlots.feed`
starts the lanes and hands them units while they run: the tick's ``fill`` claims the next
rows while the calls of the rows claimed before are in flight, so a lane never waits for a
claim.  ``put(lane, unit)`` adds a unit to its lane — the units of one visit in one lane, in
the order they were put — and waits while :attr:`CallSlots.ahead` units wait for a lane
already (the claim stays a few units ahead of the calls, not a backlog ahead).  The units of
one lane go strictly one after the other, whichever thread takes them, so every rule that
holds for a visit (one unsettled call per visit and feed, an UNKNOWN resolved before
anything else of the visit) holds unchanged.  The delivery protocol itself is not touched:
each unit is processed exactly as before, only not alone.

The first error of a lane (a stop request, the database gone) stops every lane before its
next unit and tells ``put`` to stop filling (it answers False); the units under way finish,
then the error is raised to the tick.  An error of ``fill`` itself stops the lanes the same
way.  With one slot there are no threads: ``put`` runs the unit in the caller's thread.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")
Put = Callable[[Hashable, T], bool]  # put(lane, unit): False once the lanes stopped


class CallSlots:
    """At most ``size`` units of the engine under way at once (see the module docstring)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.ahead = 2 * size  # units waiting for a lane before ``put`` waits
        self._slots = threading.BoundedSemaphore(size)

    def feed(self, fill: Callable[[Put[T]], None], each: Callable[[T], None]) -> None:
        """Run ``fill(put)`` in the caller's thread and ``each(unit)`` for every unit it puts,
        the lanes side by side (up to ``size`` threads), the units of a lane in order.
        Returns once ``fill`` returned and every lane has ended."""
        if self.size == 1:

            def at_once(lane: Hashable, unit: T) -> bool:
                self._one(each, unit)
                return True

            return fill(at_once)
        run: _Fed[T] = _Fed(self.size, self.ahead, lambda unit: self._one(each, unit))
        try:
            fill(run.put)
        except BaseException as exc:
            run.fail(exc)
        run.close()
        if run.failed:
            raise run.failed[0]

    def _one(self, each: Callable[[T], None], unit: T) -> None:
        with self._slots:
            each(unit)


class _Fed(Generic[T]):
    """One :meth:`CallSlots.feed`: the units waiting per lane, the lanes a thread holds, the
    first errors.  One condition guards it all."""

    def __init__(self, size: int, ahead: int, each: Callable[[T], None]) -> None:
        self.size, self.ahead, self.each = size, ahead, each
        self.cond = threading.Condition()
        self.waiting: dict[Hashable, deque[T]] = {}  # lanes with units not started, in order
        self.held: set[Hashable] = set()  # lanes a thread is working through
        self.queued = 0  # units put and not started
        self.idle = 0  # threads waiting for a unit
        self.threads: list[threading.Thread] = []
        self.closed = False
        self.failed: list[BaseException] = []

    def put(self, lane: Hashable, unit: T) -> bool:
        with self.cond:
            while self.queued >= self.ahead and not self.failed:
                self.cond.wait()
            if self.failed:
                return False
            self.waiting.setdefault(lane, deque()).append(unit)
            self.queued += 1
            if self.idle == 0 and len(self.threads) < self.size:
                name = f"syncd-lane-{len(self.threads)}"
                thread = threading.Thread(target=self.drain, name=name, daemon=True)
                self.threads.append(thread)
                thread.start()
            else:
                self.cond.notify_all()
        return True

    def fail(self, exc: BaseException) -> None:
        with self.cond:
            self.failed.append(exc)
            self.cond.notify_all()

    def close(self) -> None:
        """No more units: the threads end once the units put are done (or one failed)."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        for thread in self.threads:
            thread.join()

    def drain(self) -> None:
        """Take a lane no other thread holds and work through it, then the next one."""
        lane: Hashable | None = None
        while True:
            with self.cond:
                found = self._next(lane)
                if found is None:
                    return
                lane, unit = found
            try:
                self.each(unit)
            except BaseException as exc:  # re-raised in the tick's thread
                self.fail(exc)
                return

    def _next(self, lane: Hashable | None) -> tuple[Hashable, T] | None:
        """(lane, unit) to run next, under the condition: the held lane's next unit, else the
        first lane no thread holds; None when there will be none (closed, or failed)."""
        while not self.failed:
            if lane is not None and lane not in self.waiting:
                self.held.discard(lane)  # its units are done: another thread may take it later
                lane = None
            if lane is None:
                lane = next((k for k in self.waiting if k not in self.held), None)
                if lane is not None:
                    self.held.add(lane)
            if lane is not None:
                units = self.waiting[lane]
                unit = units.popleft()
                if not units:
                    del self.waiting[lane]
                self.queued -= 1
                self.cond.notify_all()  # ``put`` may be waiting for room
                return lane, unit
            if self.closed:
                return None
            self.idle += 1
            self.cond.wait()
            self.idle -= 1
        return None
