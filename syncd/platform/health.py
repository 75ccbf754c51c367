"""What this process knows of the platform's health, from the client's own exchanges.

:class:`PlatformHealth` is the client's observer: every HTTP exchange says whether the platform
answered (``reachable``: a reply below HTTP 500) or not (connection refused, a timeout, a reset,
HTTP 5xx); every login whether the platform refused our account (``return_code`` -1) or gave a
session (its expiry: the session age and validity).  A change of reachability is logged once:
``platform.unreachable`` (ERROR) when an outage starts, ``platform.reachable`` when it ends —
not once per call.  Call records (function, outcome, duration) go to the listeners (the
metrics); a listener's failure never reaches the caller.

:func:`probe` is a TCP connect to the platform's host and port: the daemon uses it to keep the
reachability current while there is no work (it sends nothing).  One health object is shared
per endpoint and account, like the session (:func:`shared_health`).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from syncd.core.records import Outcome
from syncd.logs import event

logger = logging.getLogger(__name__)
CallListener = Callable[[str, Outcome, float], None]


@dataclass(frozen=True)
class HealthSnapshot:
    """The platform's health as last seen (``reachable`` None: no exchange yet)."""

    reachable: bool | None
    reason: str  # why it is unreachable (an exception type, "HTTP 503"); "" when reachable
    changed_at: float | None  # time.time() of the last change of ``reachable``
    last_exchange_at: float | None  # time.time() of the last exchange or probe
    login_refused: bool
    logged_in_at: float | None  # time.time() of the last successful login
    session_until: datetime | None  # when that session expires (aware)

    def session_valid(self, now: datetime | None = None) -> bool:
        moment = now or datetime.now(UTC)
        return self.session_until is not None and moment < self.session_until

    def session_age_s(self, now: float | None = None) -> float | None:
        if self.logged_in_at is None or not self.session_valid():
            return None
        return max(0.0, (now or time.time()) - self.logged_in_at)


class PlatformHealth:
    """Thread-safe; see the module docstring."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._lock = threading.Lock()
        self._listeners: list[CallListener] = []
        self._state = HealthSnapshot(None, "", None, None, False, None, None)

    def snapshot(self) -> HealthSnapshot:
        with self._lock:
            return self._state

    # --- what the client reports -------------------------------------------------------

    def exchanged(self, reachable: bool, reason: str = "") -> None:
        """One HTTP exchange (or probe) ended: did the platform answer?"""
        now = self._wall()
        with self._lock:
            before = self._state
            changed = before.reachable is not reachable
            self._state = replace(
                before,
                reachable=reachable,
                reason="" if reachable else reason,
                changed_at=now if changed else before.changed_at,
                last_exchange_at=now,
            )
        if changed and not reachable:
            event(logger, "platform.unreachable", logging.ERROR, reason=reason)
        elif changed and before.reachable is False:
            down_s = round(now - (before.changed_at or now))
            event(logger, "platform.reachable", logging.WARNING, down_s=down_s)

    def logged_in(self, session_until: datetime) -> None:
        with self._lock:
            self._state = replace(
                self._state,
                login_refused=False,
                logged_in_at=self._wall(),
                session_until=session_until,
            )

    def login_failed(self, *, refused: bool) -> None:
        """A login without a session: ``refused`` when the platform said no (wrong account or
        password); otherwise the platform did not answer usefully (reachability says why)."""
        if refused:
            with self._lock:
                self._state = replace(self._state, login_refused=True, session_until=None)

    def called(self, function_id: str, outcome: Outcome, duration_s: float) -> None:
        """One call (or login) ended: tell the listeners."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(function_id, outcome, duration_s)
            except Exception as exc:  # a metric must never break a call
                event(logger, "platform.listener_failed", logging.WARNING, error=type(exc).__name__)

    # --- who listens -------------------------------------------------------------------

    def subscribe(self, listener: CallListener) -> None:
        with self._lock:
            if listener not in self._listeners:
                self._listeners.append(listener)

    def unsubscribe(self, listener: CallListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)


_SHARED: dict[tuple[str, str], PlatformHealth] = {}
_SHARED_LOCK = threading.Lock()


def shared_health(url: str, userid: str) -> PlatformHealth:
    """The process-wide health of one endpoint and account."""
    with _SHARED_LOCK:
        return _SHARED.setdefault((url, userid), PlatformHealth())


def probe(url: str, timeout_s: float) -> tuple[bool, str]:
    """Can a TCP connection to the platform's host and port be opened?  (ok, why not)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout_s):
            return True, ""
    except OSError as exc:
        return False, type(exc).__name__
