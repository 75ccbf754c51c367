"""Logins, sessions and CSRF tokens of the console.

* A login checks the password hash (:mod:`syncd.console.passwords`) after the rate limit
  (:class:`RateLimiter`: ``console.login_attempts`` failures per name and per address within
  ``console.login_window_s``); it starts a session in ``<p>session`` and hands the browser a
  random token in an HttpOnly, SameSite=Strict cookie (Secure with ``console.cookie_secure``).
* A session lasts ``console.session_lifetime_s`` at most and ends after
  ``console.idle_timeout_s`` without a request; a removed user's sessions end at once, and a
  changed role applies at the next request.
* Every form carries the session's CSRF token (the login form a token of its own, paired with
  a cookie); a POST without the right one is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from syncd.config.settings import ConsoleSettings
from syncd.console import passwords
from syncd.db.audit import AuditEntry, AuditLog
from syncd.db.engine import Engine
from syncd.db.schema import StagingTables
from syncd.db.users import Sessions, Users
from syncd.protocol.privacy import mask_id_numbers

SESSION_COOKIE = "syncd_session"
LOGIN_COOKIE = "syncd_login"
OPERATOR = "operator"
_TOUCH_EVERY = timedelta(seconds=30)  # a session's expiry is moved on at most this often


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two tokens (a missing one never matches)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


@dataclass(frozen=True)
class Viewer:
    """Who is logged in on this request."""

    username: str
    role: str
    csrf_token: str
    token_hash: str

    @property
    def can_act(self) -> bool:
        return self.role == OPERATOR


@dataclass(frozen=True)
class LoginResult:
    token: str = ""  # the session cookie's value when the login succeeded
    refused_zh: str = ""  # why not
    retry_after_s: int = 0  # rate-limited: try again after this long


class RateLimiter:
    """Failures per key (a name, an address) within a sliding window."""

    def __init__(
        self, attempts: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.attempts, self.window_s, self.clock = attempts, window_s, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_s(self, *keys: str) -> float:
        """How long until a key may try again (0: now)."""
        now = self.clock()
        with self._lock:
            waits = [self._wait(key, now) for key in keys]
        return max(waits, default=0.0)

    def _wait(self, key: str, now: float) -> float:
        found = self._failures.get(key)
        if found is None:
            return 0.0
        while found and found[0] <= now - self.window_s:
            found.popleft()
        if not found:
            del self._failures[key]
            return 0.0
        return found[0] + self.window_s - now if len(found) >= self.attempts else 0.0

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)

    def forget(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


class Auth:
    def __init__(
        self,
        engine: Engine,
        tables: StagingTables,
        settings: ConsoleSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self.users, self.sessions = Users(engine, tables), Sessions(engine, tables)
        self.audit = AuditLog(engine, tables)
        self.settings, self.clock = settings, clock
        self.limiter = RateLimiter(settings.login_attempts, settings.login_window_s)

    def login(self, username: str, password: str, client: str) -> LoginResult:
        keys = (f"user:{username}", f"client:{client}")
        wait = self.limiter.wait_s(*keys)
        if wait > 0:
            self._note(username, "login_limited", client)
            return LoginResult(
                refused_zh="登录失败次数过多，请稍后再试 / too many failed logins",
                retry_after_s=int(wait) + 1,
            )
        user = self.users.find(username)
        if not passwords.verify(user.password_hash if user else None, password) or user is None:
            self.limiter.failed(*keys)
            self._note(username, "login_refused", client)
            return LoginResult(refused_zh="用户名或密码错误 / wrong user name or password")
        self.limiter.forget(*keys)
        now = self.clock()
        rehash = (
            passwords.hash_password(password)
            if passwords.needs_rehash(user.password_hash)
            else None
        )
        self.users.logged_in(username, now, rehash)
        token = secrets.token_urlsafe(32)
        self.sessions.start(
            token_hash(token),
            username,
            secrets.token_urlsafe(24),
            client,
            now,
            self._expiry(now, now),
        )
        self._note(username, "login", client)
        return LoginResult(token=token)

    def viewer(self, token: str | None) -> Viewer | None:
        """The logged-in user of a session cookie (None: none, or no longer valid)."""
        if not token:
            return None
        digest, now = token_hash(token), self.clock()
        found = self.sessions.get(digest, now)
        if found is None:
            return None
        expiry = self._expiry(found.created_at, now)
        if expiry - found.expires_at >= _TOUCH_EVERY:
            self.sessions.touch(digest, now, expiry)
        return Viewer(found.username, found.role, found.csrf_token, digest)

    def logout(self, viewer: Viewer, client: str) -> None:
        self.sessions.end(viewer.token_hash)
        self._note(viewer.username, "logout", client)

    def _expiry(self, started: datetime, now: datetime) -> datetime:
        lifetime = started + timedelta(seconds=self.settings.session_lifetime_s)
        return min(lifetime, now + timedelta(seconds=self.settings.idle_timeout_s))

    def _note(self, username: str, action: str, client: str) -> None:
        who = mask_id_numbers(username) or "-"
        self.audit.write(AuditEntry(who, action, client=client), self.clock())
