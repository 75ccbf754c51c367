"""Logins, sessions and CSRF tokens of the console.

* A login checks the password hash (:mod:`syncd.console.passwords`) after the rate limit
  (:func:`login_wait_s`: ``console.login_attempts`` failures per name and per address within
  ``console.login_window_s``, a success starting the count afresh).  The failures are the
  ``login_refused`` lines of the audit log, so the limit holds across a restart and across the
  console processes of one database (``syncd run``'s and ``syncd console``).  A login starts
  a session in ``<p>session`` and hands the browser a random token in an HttpOnly,
  SameSite=Strict cookie (Secure with ``console.cookie_secure``).
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from syncd.config.operations_settings import ConsoleSettings
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


FAILED_LOGIN, LOGIN = "login_refused", "login"


def login_wait_s(
    entries: Sequence[AuditEntry],
    keys: Sequence[tuple[str, str]],
    now: datetime,
    attempts: int,
    window_s: float,
) -> float:
    """How long until a login with ``keys`` (``("username", …)``, ``("client", …)``) may be
    tried (0: now): per key, the failed logins of ``entries`` (the window's logins and
    failures, oldest first) since its last success; ``attempts`` of them within ``window_s``
    hold it until the oldest leaves the window."""
    waits = []
    for field_name, value in keys:
        failures: list[datetime] = []
        for entry in entries:
            if getattr(entry, field_name) != value or entry.created_at is None:
                continue
            if entry.action == LOGIN:
                failures = []
            elif entry.action == FAILED_LOGIN:
                failures.append(entry.created_at)
        recent = [at for at in failures if at > now - timedelta(seconds=window_s)]
        if len(recent) >= attempts:
            waits.append((recent[0] + timedelta(seconds=window_s) - now).total_seconds())
    return max(waits, default=0.0)


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

    def wait_s(self, username: str, client: str) -> float:
        """How long this name and this address must wait before the next try (0: now)."""
        now, window = self.clock(), self.settings.login_window_s
        entries = self.audit.since((LOGIN, FAILED_LOGIN), now - timedelta(seconds=window))
        keys = (("username", _who(username)), ("client", client))
        return login_wait_s(entries, keys, now, self.settings.login_attempts, window)

    def login(self, username: str, password: str, client: str) -> LoginResult:
        wait = self.wait_s(username, client)
        if wait > 0:
            self._note(username, "login_limited", client)
            return LoginResult(
                refused_zh="登录失败次数过多，请稍后再试 / too many failed logins",
                retry_after_s=int(wait) + 1,
            )
        user = self.users.find(username)
        if not passwords.verify(user.password_hash if user else None, password) or user is None:
            self._note(username, FAILED_LOGIN, client)  # what the rate limit counts
            return LoginResult(refused_zh="用户名或密码错误 / wrong user name or password")
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
        self._note(username, LOGIN, client)  # the rate limit counts afresh from here
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
        self.audit.write(AuditEntry(_who(username), action, client=client), self.clock())


def _who(username: str) -> str:
    """A login's name as the audit log keeps it (an ID number typed as a name, masked)."""
    return mask_id_numbers(username) or "-"
