"""The platform client against a tiny real HTTP server on 127.0.0.1 (faults produced for real).

The server answers per function_id from a script (a list of actions); when the script is
empty it logs in (sys0001 -> session S1, S2, ...) or answers success.  Actions: a reply body
(with an HTTP status), ``close`` (read the request, close without answering), ``reset``
(read the request, then RST), ``hang`` (read the request, answer nothing until the test ends).
"""

from __future__ import annotations

import io
import logging
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from syncd.config.settings import PlatformSettings
from syncd.core.errors import ConfigError
from syncd.core.records import Outcome
from syncd.logs import setup_logging
from syncd.platform.client import PlatformClient, SessionCache, session_expiry
from syncd.platform.health import PlatformHealth
from syncd.protocol import catalogue
from syncd.protocol.codec import Value, decode_program, encode_program
from syncd.protocol.decoded import Program
from syncd.protocol.messages import Request

CAT = catalogue.load()
PASSWORD = "pa55-SECRET-word"
ID_NUMBER = "440000199001010011"
OK: dict[str, Value] = {"return_code": "1", "return_code_message": "成功"}


def session_name(n: int) -> str:
    return f"session-{n:04d}-7c90"


EXPIRED = encode_program({"return_code": "-9", "return_code_message": "session已失效，请重新登录"})


@dataclass
class Action:
    kind: str  # reply | close | reset | hang
    body: bytes = b""
    status: int = 200


@dataclass
class ScriptedPlatform:
    """State shared with the handler threads."""

    script: dict[str, list[Action]] = field(default_factory=dict)
    received: list[Program] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    logins: int = 0

    def add(self, function_id: str, *actions: Action) -> None:
        self.script.setdefault(function_id, []).extend(actions)

    def next_action(self, request: Program) -> Action:
        function_id = request.text("function_id")
        with self.lock:
            self.received.append(request)
            queue = self.script.get(function_id)
            if queue:
                return queue.pop(0)
            if function_id == "sys0001":
                self.logins += 1
                session = session_name(self.logins)
                return Action("reply", encode_program(OK | {"session_id": session}))
        return Action("reply", encode_program(OK | {"aaz218": "441900240301000017"}))

    def calls(self, function_id: str) -> list[Program]:
        return [r for r in self.received if r.text("function_id") == function_id]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        platform = self.server.platform
        platform.raw.append(body)
        platform.headers.append(dict(self.headers))
        action = platform.next_action(decode_program(body))
        if action.kind == "hang":
            platform.release.wait(10)
        if action.kind in ("close", "reset", "hang"):
            self._drop(reset=action.kind == "reset")
            return
        self.send_response(action.status)
        self.send_header("Content-Type", "text/xml; charset=UTF-8")
        self.send_header("Content-Length", str(len(action.body)))
        self.end_headers()
        self.wfile.write(action.body)

    def _drop(self, *, reset: bool) -> None:
        if reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
        self.wfile = io.BytesIO()  # nothing more may be written to the closed socket


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # concurrent test clients must not overflow the accept queue

    def __init__(self, platform: ScriptedPlatform) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.platform = platform

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # dropped connections are intended


@pytest.fixture
def platform() -> Iterator[tuple[ScriptedPlatform, str]]:
    state = ScriptedPlatform()
    server = _Server(state)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hygeia_esb_sj/api/call.action"
    yield state, url
    state.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


def settings_for(url: str, **extra: Any) -> PlatformSettings:
    values: dict[str, Any] = dict(url=url, userid="SS0001", password=PASSWORD, read_timeout_s=2.0)
    values["connect_timeout_s"] = 0.5
    return PlatformSettings(**(values | extra))


def make_client(
    url: str, clock: Callable[[], datetime] | None = None, **extra: Any
) -> PlatformClient:
    return PlatformClient(settings_for(url, **extra), clock=clock, sessions=SessionCache())


def refuse_login(state: ScriptedPlatform, message: str = "用户名或密码错误") -> None:
    """The next login is refused: return_code -1 with ``message``."""
    state.add(
        "sys0001",
        Action("reply", encode_program({"return_code": "-1", "return_code_message": message})),
    )


def admission_cancel() -> Request:
    return Request.build(CAT, "bizh120109", {"akb020": "SS0001", "aaz218": "441900240301000017"})


def person_lookup() -> Request:
    params: dict[str, Value] = {"akb020": "SS0001", "bka895": "aac002", "bka896": ID_NUMBER}
    return Request.build(CAT, "bizh120001", params | {"bka006": "420"})


# ---------------------------------------------------------------- login and session


def test_one_login_serves_many_calls_and_the_session_is_sent(
    platform: tuple[ScriptedPlatform, str],
) -> None:
    state, url = platform
    with make_client(url) as client:
        results = [client.call(admission_cancel()) for _ in range(3)]
    assert [r.outcome for r in results] == [Outcome.SUCCEEDED] * 3
    assert state.logins == 1
    login = state.calls("sys0001")[0]
    assert (login.get("userid"), login.get("password")) == ("SS0001", PASSWORD)
    assert {r.get("session_id") for r in state.calls("bizh120109")} == {session_name(1)}


def test_the_session_expires_at_midnight_shanghai_time(
    platform: tuple[ScriptedPlatform, str],
) -> None:
    state, url = platform
    now = [datetime(2024, 3, 1, 15, 59, tzinfo=UTC)]  # 23:59 in Shanghai
    with make_client(url, clock=lambda: now[0]) as client:
        client.call(admission_cancel())
        now[0] = datetime(2024, 3, 1, 15, 59, 59, tzinfo=UTC)
        client.call(admission_cancel())
        assert state.logins == 1
        now[0] = datetime(2024, 3, 1, 16, 0, 1, tzinfo=UTC)  # 00:00:01 the next day
        client.call(admission_cancel())
    assert state.logins == 2
    assert [r.get("session_id") for r in state.calls("bizh120109")] == [
        session_name(1),
        session_name(1),
        session_name(2),
    ]


def test_session_expiry_is_the_next_local_midnight() -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Shanghai")
    expiry = session_expiry(datetime(2024, 3, 1, 16, 30, tzinfo=UTC), zone)  # 00:30 on 2 March
    assert expiry == datetime(2024, 3, 3, 0, 0, tzinfo=zone)


def test_minus_nine_logs_in_again_and_replays_once(platform: tuple[ScriptedPlatform, str]) -> None:
    state, url = platform
    state.add("bizh120109", Action("reply", EXPIRED))
    with make_client(url) as client:
        result = client.call(admission_cancel())
    assert result.outcome is Outcome.SUCCEEDED
    assert result.relogged
    assert state.logins == 2
    assert [r.get("session_id") for r in state.calls("bizh120109")] == [
        session_name(1),
        session_name(2),
    ]
    assert len(result.exchanges) == 2
    assert f"<session_id>{session_name(2)}</session_id>".encode() in result.request_bytes


def test_a_second_minus_nine_is_retry_not_a_loop(platform: tuple[ScriptedPlatform, str]) -> None:
    state, url = platform
    state.add("bizh120109", Action("reply", EXPIRED), Action("reply", EXPIRED))
    with make_client(url) as client:
        result = client.call(admission_cancel())
    assert result.outcome is Outcome.RETRY
    assert "again after re-login" in result.message
    assert len(state.calls("bizh120109")) == 2
    assert state.logins == 2


def test_threads_share_one_login(platform: tuple[ScriptedPlatform, str]) -> None:
    state, url = platform
    outcomes: list[Outcome] = []
    with make_client(url) as client:

        def call() -> None:
            outcomes.append(client.call(admission_cancel()).outcome)

        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert outcomes == [Outcome.SUCCEEDED] * 8
    assert state.logins == 1
    assert len(state.calls("bizh120109")) == 8


def test_clients_of_one_process_share_the_session(platform: tuple[ScriptedPlatform, str]) -> None:
    state, url = platform
    settings = settings_for(url, userid=f"shared-{id(state)}")
    for _ in range(2):
        with PlatformClient(settings) as client:
            assert client.call(admission_cancel()).succeeded
    assert state.logins == 1


def test_a_wrong_password_is_rejected_with_the_platform_message(
    platform: tuple[ScriptedPlatform, str],
) -> None:
    state, url = platform
    refuse_login(state)
    with make_client(url) as client:
        result = client.call(admission_cancel())
    assert result.outcome is Outcome.REJECTED
    assert result.login_failed
    assert result.message == "登录失败（sys0001）：用户名或密码错误"
    assert state.calls("bizh120109") == []
    assert result.exchanges == ()


def test_login_that_cannot_connect_is_retry() -> None:
    with make_client(f"http://127.0.0.1:{free_port()}/x") as client:
        result = client.call(admission_cancel())
    assert (result.outcome, result.login_failed) == (Outcome.RETRY, False)


def test_a_login_answered_with_http_500_is_retry_and_the_call_is_not_sent(
    platform: tuple[ScriptedPlatform, str],
) -> None:
    state, url = platform
    state.add("sys0001", Action("reply", b"oops", 500))
    with make_client(url) as client:
        result = client.call(admission_cancel())
    assert (result.outcome, result.login_failed, result.reply) == (Outcome.RETRY, False, None)
    assert state.calls("bizh120109") == []


def test_a_refused_re_login_after_minus_nine_is_rejected_as_a_login_failure(
    platform: tuple[ScriptedPlatform, str],
) -> None:
    state, url = platform
    refused = encode_program({"return_code": "-1", "return_code_message": "密码已过期"})
    state.add("bizh120109", Action("reply", EXPIRED))
    with make_client(url) as client:
        client.login()
        state.add("sys0001", Action("reply", refused))
        result = client.call(admission_cancel())
    assert (result.outcome, result.login_failed) == (Outcome.REJECTED, True)
    assert result.message.endswith("密码已过期")
    assert len(result.exchanges) == 1


def test_a_missing_password_is_a_config_error(platform: tuple[ScriptedPlatform, str]) -> None:
    _, url = platform
    with (
        PlatformClient(settings_for(url, password=None), sessions=SessionCache()) as client,
        pytest.raises(ConfigError, match=r"platform\.password"),
    ):
        client.call(admission_cancel())


def test_explicit_login_replaces_the_session(platform: tuple[ScriptedPlatform, str]) -> None:
    state, url = platform
    with make_client(url) as client:
        client.call(admission_cancel())
        assert client.login().succeeded
        client.call(admission_cancel())
    assert [r.get("session_id") for r in state.calls("bizh120109")] == [
        session_name(1),
        session_name(2),
    ]


# ---------------------------------------------------------------- outcomes


def test_success_returns_the_decoded_reply_and_exact_bytes(
    platform: tuple[ScriptedPlatform, str],
) -> None:
    state, url = platform
    reply = encode_program(OK | {"akc264": Decimal("12.50")})
    state.add("bizh120109", Action("reply", reply))
    with make_client(url) as client:
        result = client.call(admission_cancel())
    assert result.reply is not None and result.reply.decimal("akc264") == Decimal("12.50")
    assert result.reply_bytes == reply
    assert result.request_bytes == state.raw[-1]
    assert result.return_code == "1" and result.message == "成功"
    assert len(result.call_id) == 32 and result.duration_s >= 0


def test_settings_choose_content_type_and_declaration(
    platform: tuple[ScriptedPlatform, str],
) -> None:
    state, url = platform
    with make_client(url, content_type="application/xml", xml_declaration=False) as client:
        result = client.call(admission_cancel())
    assert result.request_bytes.startswith(b"<program>")
    assert state.headers[-1]["Content-Type"] == "application/xml"


def test_a_negative_code_is_rejected_with_the_message_verbatim(
    platform: tuple[ScriptedPlatform, str],
) -> None:
    state, url = platform
    body = encode_program(
        {"return_code": "-1", "return_code_message": "业务互斥：该人员已在其他医院住院"}
    )
    state.add("bizh120109", Action("reply", body))
    with make_client(url) as client:
        result = client.call(admission_cancel())
    assert result.outcome is Outcome.REJECTED
    assert (result.return_code, result.message) == ("-1", "业务互斥：该人员已在其他医院住院")


@pytest.mark.parametrize(
    ("rule", "code", "outcome"),
    [
        ("exactly_one", "1", Outcome.SUCCEEDED),
        ("exactly_one", "0", Outcome.REJECTED),
        ("exactly_one", "2", Outcome.REJECTED),
        ("non_negative", "0", Outcome.SUCCEEDED),
        ("non_negative", "2", Outcome.SUCCEEDED),
        ("non_negative", "-1", Outcome.REJECTED),
        ("exactly_one", "x1", Outcome.UNKNOWN),
        ("exactly_one", "", Outcome.UNKNOWN),
    ],
)
def test_success_rule_variants(
    platform: tuple[ScriptedPlatform, str], rule: str, code: str, outcome: Outcome
) -> None:
    state, url = platform
    state.add("bizh120109", Action("reply", encode_program({"return_code": code})))
    with make_client(url, success_rule=rule) as client:
        assert client.call(admission_cancel()).outcome is outcome


@pytest.mark.parametrize(
    ("action", "outcome"),
    [
        (Action("reply", b"<html>Internal error</html>", 500), Outcome.UNKNOWN),
        (Action("reply", b"", 503), Outcome.UNKNOWN),
        (Action("reply", "服务执行发生异常".encode(), 200), Outcome.UNKNOWN),
        (Action("reply", b"<program><return_code>1", 200), Outcome.UNKNOWN),
        (Action("close"), Outcome.UNKNOWN),
        (Action("reset"), Outcome.UNKNOWN),
        (Action("reply", b"not found", 404), Outcome.RETRY),
    ],
    ids=["http500", "http503", "server-exception-text", "truncated", "closed", "reset", "http404"],
)
def test_faults_after_sending_are_classified(
    platform: tuple[ScriptedPlatform, str], action: Action, outcome: Outcome
) -> None:
    state, url = platform
    state.add("bizh120109", action)
    with make_client(url) as client:
        result = client.call(admission_cancel())
    assert result.outcome is outcome
    assert len(state.calls("bizh120109")) == 1


def test_a_read_timeout_is_unknown(platform: tuple[ScriptedPlatform, str]) -> None:
    state, url = platform
    state.add("bizh120109", Action("hang"))
    with make_client(url, read_timeout_s=0.3) as client:
        result = client.call(admission_cancel())
    assert result.outcome is Outcome.UNKNOWN
    assert "ReadTimeout" in result.message
    assert result.reply_bytes is None and result.request_bytes


def test_connection_refused_is_retry() -> None:
    with make_client(f"http://127.0.0.1:{free_port()}/x") as client:
        result = client.call(admission_cancel())
    assert result.outcome is Outcome.RETRY
    assert "ConnectError" in result.message


def test_a_connect_timeout_is_retry() -> None:
    sessions = SessionCache()
    sessions.store("session-cached", datetime(2999, 1, 1, tzinfo=UTC))  # the call itself connects
    with FullBacklog() as port:
        settings = settings_for(f"http://127.0.0.1:{port}/x", connect_timeout_s=0.2)
        with PlatformClient(settings, sessions=sessions) as client:
            result = client.call(admission_cancel())
    assert result.outcome is Outcome.RETRY
    assert "ConnectTimeout" in result.message


# ---------------------------------------------------------------- the health observer


def test_a_closed_port_makes_the_platform_unreachable_and_is_no_refused_login() -> None:
    """Every call RETRY without ``login_failed``; the health says unreachable (ConnectError),
    not login refused; the outage is logged once, not once per call."""
    health = PlatformHealth()
    stream = io.StringIO()
    handler = setup_logging("INFO", stream=stream)
    try:
        with PlatformClient(
            settings_for(f"http://127.0.0.1:{free_port()}/x"),
            sessions=SessionCache(),
            health=health,
        ) as client:
            results = [client.call(admission_cancel()) for _ in range(3)]
    finally:
        logging.getLogger().removeHandler(handler)
    assert {(r.outcome, r.login_failed) for r in results} == {(Outcome.RETRY, False)}
    seen = health.snapshot()
    assert (seen.reachable, seen.reason, seen.login_refused) == (False, "ConnectError", False)
    assert stream.getvalue().count("event=platform.unreachable") == 1


def test_a_refused_login_is_login_refused_on_a_reachable_platform(
    platform: tuple[ScriptedPlatform, str],
) -> None:
    state, url = platform
    refuse_login(state)
    health, calls = PlatformHealth(), []
    health.subscribe(lambda function_id, outcome, seconds: calls.append((function_id, outcome)))
    with PlatformClient(settings_for(url), sessions=SessionCache(), health=health) as client:
        client.call(admission_cancel())
        assert (health.snapshot().reachable, health.snapshot().login_refused) == (True, True)
        assert client.call(admission_cancel()).succeeded
    seen = health.snapshot()
    assert (seen.login_refused, seen.session_valid()) == (False, True)
    assert seen.session_age_s() is not None
    assert calls == [
        ("sys0001", Outcome.REJECTED),
        ("bizh120109", Outcome.REJECTED),
        ("sys0001", Outcome.SUCCEEDED),
        ("bizh120109", Outcome.SUCCEEDED),
    ]


def test_http_5xx_makes_the_platform_unreachable(platform: tuple[ScriptedPlatform, str]) -> None:
    state, url = platform
    state.add("bizh120109", Action("reply", b"oops", 503))
    health = PlatformHealth()
    with PlatformClient(settings_for(url), sessions=SessionCache(), health=health) as client:
        assert client.call(admission_cancel()).outcome is Outcome.UNKNOWN
    assert (health.snapshot().reachable, health.snapshot().reason) == (False, "HTTP 503")


# ---------------------------------------------------------------- privacy of logs


def test_logs_name_no_password_session_or_id_number(platform: tuple[ScriptedPlatform, str]) -> None:
    state, url = platform
    state.add("bizh120001", Action("reply", EXPIRED))
    stream = io.StringIO()
    handler = setup_logging("DEBUG", stream=stream)
    try:
        with make_client(url) as client:
            result = client.call(person_lookup())
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert result.succeeded
    assert "event=platform.call" in text and "function_id=bizh120001" in text
    assert f"call_id={result.call_id}" in text
    for secret in (PASSWORD, ID_NUMBER, session_name(1), session_name(2)):
        assert secret not in text.replace(result.call_id, ""), secret
    assert ID_NUMBER.encode() in result.request_bytes  # the archive keeps the exact bytes


# ---------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FullBacklog:
    """A listening socket whose accept queue is full, so new connects time out."""

    def __enter__(self) -> int:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(0)
        port = int(self.server.getsockname()[1])
        self.fillers = [socket.socket() for _ in range(3)]
        for filler in self.fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        return port

    def __exit__(self, *exc: object) -> None:
        for sock in [*self.fillers, self.server]:
            sock.close()
