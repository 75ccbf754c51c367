"""What the dashboard says of the platform: reachable or not (and why), the login session, a
refused login.  Beside the daemon (``syncd run``) it is the client's own health
(:class:`syncd.platform.health.PlatformHealth`); a console run on its own has no client, so it
checks with a TCP connect (:func:`syncd.platform.health.probe`, sends nothing) at most every
:data:`PROBE_EVERY_S` and knows nothing of the session."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from syncd.config.settings import PlatformSettings
from syncd.platform.health import PlatformHealth, probe

PROBE_EVERY_S = 30.0


@dataclass(frozen=True)
class PlatformView:
    reachable: bool | None  # None: not known yet
    reason: str = ""
    session_age_s: float | None = None  # a valid session's age; None: none (or not known)
    session_known: bool = True  # False: a console on its own cannot see the daemon's session
    login_refused: bool = False


def from_health(health: PlatformHealth) -> Callable[[], PlatformView]:
    """The daemon's view (``syncd run``)."""

    def view() -> PlatformView:
        seen = health.snapshot()
        return PlatformView(
            seen.reachable, seen.reason, seen.session_age_s(), login_refused=seen.login_refused
        )

    return view


class Probing:
    """A console on its own: a TCP connect now and then (call it for the view)."""

    def __init__(self, settings: PlatformSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._at, self._seen = 0.0, PlatformView(None, session_known=False)

    def __call__(self) -> PlatformView:
        with self._lock:
            if self._at == 0.0 or time.monotonic() - self._at > PROBE_EVERY_S:
                ok, why = probe(self.settings.url, self.settings.connect_timeout_s)
                self._at, self._seen = time.monotonic(), PlatformView(ok, why, session_known=False)
            return self._seen
