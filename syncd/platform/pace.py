"""``platform.max_calls_per_s``: a cap on the rate of calls, for a platform that asks for one.

:class:`PacedCaller` wraps the :class:`~syncd.protocol.calls.Caller` the engine sends through:
every call takes the next free moment of a schedule spaced ``1 / max_calls_per_s`` apart
(shared by every thread of the engine) and waits for it before it is sent.  A call is never
refused or reordered: the calls of one visit keep their order, they only start later.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from syncd.protocol.calls import Caller, CallResult
from syncd.protocol.messages import Request


class PacedCaller:
    def __init__(
        self,
        inner: Caller,
        per_s: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner, self.spacing = inner, 1.0 / per_s
        self._now, self._sleep = monotonic, sleep
        self._lock = threading.Lock()
        self._next = 0.0  # the earliest moment the next call may start

    def call(self, request: Request, call_id: str | None = None) -> CallResult:
        self.wait_turn()
        return self.inner.call(request, call_id)

    def wait_turn(self) -> None:
        """Reserve the next free moment of the schedule and wait until it has come."""
        with self._lock:
            now = self._now()
            at = max(now, self._next)
            self._next = at + self.spacing
        if at > now:
            self._sleep(at - now)


def paced(caller: Caller, per_s: float | None) -> Caller:
    """``caller`` itself without a cap; otherwise ``caller`` behind the cap."""
    return caller if per_s is None else PacedCaller(caller, per_s)
