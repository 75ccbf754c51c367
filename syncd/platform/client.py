"""The platform client: one HTTP exchange per call, with login, session cache and classification.

* ``sys0001`` logs in with ``platform.userid`` / ``platform.password``; the session is kept
  until 24:00 in ``platform.session_timezone`` (Asia/Shanghai) and shared by every client of
  the process for the same endpoint and account (thread-safe; one login at a time).
* A ``-9`` reply drops the session, logs in again and replays the call exactly once; a second
  ``-9`` is RETRY, never a loop.
* Every call returns a :class:`~syncd.protocol.calls.CallResult` whose ``outcome`` decides what
  the delivery engine does next:

  ========== ==============================================================================
  SUCCEEDED  return_code is success per ``platform.success_rule`` ("1", or any >= 0)
  REJECTED   any other return code except -9: final; the platform's Chinese message verbatim.
             A login refused by the platform (wrong password) is REJECTED too, with
             ``login_failed`` set: the row is not at fault, the configuration is
             (a login that found the platform unreachable is RETRY, not ``login_failed``).
  RETRY      provably not processed: connection refused, connect/pool timeout, failure before
             the request was sent, HTTP 4xx, a second -9 after re-login, any login failure
             other than a refusal (the business call was never sent)
  UNKNOWN    may have been processed: read/write timeout, connection reset or closed after
             sending, HTTP 5xx, a body that is not a readable <program> (服务执行发生异常),
             a reply longer than ``platform.max_reply_bytes``
  ========== ==============================================================================

A reply is read as a stream and never beyond ``platform.max_reply_bytes``: past that the
connection is closed unread, so a runaway reply costs at most that much memory.

Logs carry the function id, outcome, duration and call id only: never passwords, session ids,
payloads or ID numbers; they are DEBUG (the caller logs the call it made; an outage is logged
once, by :class:`~syncd.platform.health.PlatformHealth`).  The exact request bytes and the
reply as read (cut at the limit, with a note saying so) are in the result for the message
archive (login exchanges are not: they hold the password).
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Self
from zoneinfo import ZoneInfo

import httpx

from syncd.config.settings import PlatformSettings
from syncd.core.bilingual import zh_en
from syncd.core.clock import Clock
from syncd.core.errors import ConfigError, ConfigProblem, LoginFailed
from syncd.core.records import Outcome
from syncd.logs import event
from syncd.platform.health import PlatformHealth, shared_health
from syncd.platform.http_reply import Attempt, classify_error, classify_response, read_bounded
from syncd.protocol.calls import CallResult
from syncd.protocol.catalogue import LOGIN_FUNCTION_ID
from syncd.protocol.codec import encode_request
from syncd.protocol.messages import Request

logger = logging.getLogger(__name__)
_PASSWORD_MISSING = ConfigProblem(
    file="platform.password",
    line=0,
    column=0,
    message=zh_en("未配置密码", "no password is set"),
    hint=zh_en(
        "设置环境变量 SYNCD_PLATFORM__PASSWORD、'platform.password_file'，或 systemd 凭据 "
        "'platform-password'",
        "set SYNCD_PLATFORM__PASSWORD, or 'platform.password_file', or a systemd credential "
        "'platform-password'",
    ),
)


@cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default verification (certifi's CAs, SSL_CERT_FILE/DIR), built once per process:
    loading the CA bundle costs ~0.1 s of CPU, and every client would otherwise load it again."""
    return httpx.create_ssl_context()


# ---------------------------------------------------------------- sessions


def session_expiry(issued: datetime, timezone: ZoneInfo) -> datetime:
    """24:00 of the login day in the platform's time zone."""
    local_day = issued.astimezone(timezone).date()
    return datetime.combine(local_day + timedelta(days=1), datetime.min.time(), tzinfo=timezone)


@dataclass
class SessionCache:
    """The current session of one endpoint + account; ``lock`` serialises logins."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    session_id: str | None = None
    expires_at: datetime | None = None

    def current(self, now: datetime) -> str | None:
        with self.lock:
            if self.session_id and self.expires_at and now < self.expires_at:
                return self.session_id
            return None

    def store(self, session_id: str, expires_at: datetime) -> None:
        with self.lock:
            self.session_id, self.expires_at = session_id, expires_at

    def invalidate(self, session_id: str) -> None:
        """Forget ``session_id`` unless another thread has already replaced it."""
        with self.lock:
            if self.session_id == session_id:
                self.session_id = self.expires_at = None


_SHARED: dict[tuple[str, str], SessionCache] = {}
_SHARED_LOCK = threading.Lock()


def shared_session_cache(url: str, userid: str) -> SessionCache:
    """The process-wide session of one endpoint and account."""
    with _SHARED_LOCK:
        return _SHARED.setdefault((url, userid), SessionCache())


def _attempt_of(failed: LoginFailed) -> Attempt:
    assert isinstance(failed.attempt, Attempt)
    return failed.attempt


# ---------------------------------------------------------------- the client


class PlatformClient:
    """Calls the platform (or the simulator) over HTTP; see the module docstring."""

    def __init__(
        self,
        settings: PlatformSettings,
        *,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        sessions: SessionCache | None = None,
        health: PlatformHealth | None = None,
    ) -> None:
        self.settings = settings
        self.health = health or shared_health(settings.url, settings.userid)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._zone = ZoneInfo(settings.session_timezone)
        self._sessions = sessions or shared_session_cache(settings.url, settings.userid)
        timeout = httpx.Timeout(
            connect=settings.connect_timeout_s,
            read=settings.read_timeout_s,
            write=settings.read_timeout_s,
            pool=settings.connect_timeout_s,
        )
        headers = {"Content-Type": settings.content_type}
        self._http = httpx.Client(
            transport=transport, timeout=timeout, headers=headers, verify=_tls_context()
        )

    # --- public API ---------------------------------------------------------------

    def call(self, request: Request, call_id: str | None = None) -> CallResult:
        """Send one validated request; never raises for platform or network failures.
        ``call_id``: the id the caller committed with its intent (a new one when None)."""
        call_id, started, t0 = call_id or uuid.uuid4().hex, self._now(), time.monotonic()
        attempts: list[Attempt] = []
        relogged = False
        try:
            session = self._session(call_id)
            attempts.append(self._send(request, session))
            if attempts[-1].session_expired:
                self._sessions.invalidate(session)
                relogged = True
                attempts.append(self._send(request, self._session(call_id)))
        except LoginFailed as failed:
            login = _attempt_of(failed)
            return self._result(
                call_id, request.function_id, started, t0, attempts, login=login, relogged=relogged
            )
        return self._result(call_id, request.function_id, started, t0, attempts, relogged=relogged)

    def login(self) -> CallResult:
        """Log in now (the daily re-login), replacing any cached session."""
        call_id, started, t0 = uuid.uuid4().hex, self._now(), time.monotonic()
        with self._sessions.lock:
            try:
                self._login(call_id)
            except LoginFailed as failed:
                return self._result(
                    call_id, LOGIN_FUNCTION_ID, started, t0, [], login=_attempt_of(failed)
                )
        return CallResult(
            call_id,
            LOGIN_FUNCTION_ID,
            Outcome.SUCCEEDED,
            None,
            "1",
            "",
            (),
            time.monotonic() - t0,
            started,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ----------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        return now if now.tzinfo else now.replace(tzinfo=UTC)

    def _session(self, call_id: str) -> str:
        with self._sessions.lock:
            return self._sessions.current(self._now()) or self._login(call_id)

    def _login(self, call_id: str) -> str:
        password = self.settings.password
        if password is None:
            raise ConfigError([_PASSWORD_MISSING])
        params = {"userid": self.settings.userid, "password": password.get_secret_value()}
        body = encode_request(
            LOGIN_FUNCTION_ID, params, xml_declaration=self.settings.xml_declaration
        )
        t0 = time.monotonic()
        attempt = self._post(body)
        _log("platform.login", LOGIN_FUNCTION_ID, attempt.outcome, t0, call_id)
        self.health.called(LOGIN_FUNCTION_ID, attempt.outcome, time.monotonic() - t0)
        session = attempt.program.get("session_id") if attempt.program else None
        if attempt.outcome is not Outcome.SUCCEEDED or session is None:
            self.health.login_failed(refused=attempt.outcome is Outcome.REJECTED)
            raise LoginFailed(attempt.message, attempt)
        expires = session_expiry(self._now(), self._zone)
        self._sessions.store(session, expires)
        self.health.logged_in(expires)
        return session

    def _send(self, request: Request, session_id: str) -> Attempt:
        body = request.encode(session_id=session_id, xml_declaration=self.settings.xml_declaration)
        return self._post(body)

    def _post(self, body: bytes) -> Attempt:
        limit = self.settings.max_reply_bytes
        try:
            with self._http.stream("POST", self.settings.url, content=body) as response:
                reply, cut = read_bounded(response, limit)
        except httpx.HTTPError as exc:
            self.health.exchanged(False, type(exc).__name__)
            return classify_error(exc, body)
        self.health.exchanged(response.status_code < 500, f"HTTP {response.status_code}")
        rule = self.settings.success_rule
        return classify_response(response.status_code, body, reply, rule, limit, cut)

    def _result(
        self,
        call_id: str,
        function_id: str,
        started: datetime,
        t0: float,
        attempts: list[Attempt],
        *,
        login: Attempt | None = None,
        relogged: bool = False,
    ) -> CallResult:
        last = login or attempts[-1]
        outcome, message = last.outcome, last.message
        if login is not None:
            outcome, message = _login_outcome(login)
        elif len(attempts) > 1 and last.session_expired:
            message = f"session expired again after re-login: {message}"
        result = CallResult(
            call_id=call_id,
            function_id=function_id,
            outcome=outcome,
            reply=None if login is not None else last.program,
            return_code=last.return_code,
            message=message,
            exchanges=tuple(a.exchange for a in attempts),
            duration_s=time.monotonic() - t0,
            started_at=started,
            login_failed=login is not None and login.outcome is Outcome.REJECTED,
            relogged=relogged,
        )
        _log("platform.call", function_id, outcome, t0, call_id)
        self.health.called(function_id, outcome, result.duration_s)
        return result


def _login_outcome(login: Attempt) -> tuple[Outcome, str]:
    """A refused login is REJECTED; anything else means the call was never sent: RETRY."""
    if login.outcome is Outcome.REJECTED:
        return Outcome.REJECTED, f"登录失败（sys0001）：{login.message}"
    if login.outcome is Outcome.SUCCEEDED:  # success without a session_id
        return Outcome.RETRY, "login reply has no session_id"
    return Outcome.RETRY, f"login failed, the call was not sent: {login.message}"


def _log(name: str, function_id: str, outcome: Outcome, t0: float, call_id: str) -> None:
    duration_ms = round((time.monotonic() - t0) * 1000)
    event(
        logger,
        name,
        logging.DEBUG,
        function_id=function_id,
        outcome=outcome.value,
        duration_ms=duration_ms,
        call_id=call_id,
    )
