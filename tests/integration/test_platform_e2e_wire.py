"""What goes over the wire: the public clients' request shapes are accepted, and the logs of a
whole run carry no password, session id, ID number or name."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import httpx
import pytest
from test_platform_e2e_support import (
    NORMAL,
    NORMAL_ID_NUMBER,
    NORMAL_NAME,
    Driver,
    admission,
    make_client,
    sim,
)

from syncd.core.records import Outcome
from syncd.logs import setup_logging
from syncd.protocol.codec import XML_DECLARATION, decode_program
from syncd.simulator import DEFAULT_PASSWORD, Simulator

__all__ = ["sim"]  # fixtures


class RecordingTransport(httpx.HTTPTransport):
    """The real HTTP transport, remembering each request's Content-Type and body."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, bytes]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.headers.get("content-type", ""), request.read()))
        return super().handle_request(request)


@pytest.mark.parametrize(
    ("content_type", "declaration"),
    [
        ("application/x-www-form-urlencoded", False),  # S1: raw XML body, form header
        ("application/json;charset=utf-8", False),  # S3's helper default, body still XML
        ("text/xml; charset=UTF-8", True),  # the default
    ],
)
def test_public_client_request_shapes_are_accepted(
    sim: Simulator, content_type: str, declaration: bool
) -> None:
    """Settings content_type / xml_declaration reach the wire unchanged through the real
    client, and the simulator accepts login, a query and an admission sent that way."""
    transport = RecordingTransport()
    with make_client(
        sim, transport=transport, content_type=content_type, xml_declaration=declaration
    ) as client:
        d = Driver(sim, client)
        (person,) = d.ok("bizh120001", bka895="aac001", bka896=NORMAL, bka006="420").persons
        assert person.aac002 == NORMAL_ID_NUMBER and person.aac003 == NORMAL_NAME
        assert d.ok("bizh120103", **admission()).aaz218
    assert [c["function_id"] for c in sim.calls()] == ["sys0001", "bizh120001", "bizh120103"]
    assert len(transport.sent) == 3
    for header, body in transport.sent:
        assert header == content_type
        assert body.startswith(XML_DECLARATION.encode()) is declaration
        assert body.lstrip().startswith(b"<?xml" if declaration else b"<program>")


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """syncd.logs.setup_logging on a StringIO at DEBUG; the root logger is restored after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    setup_logging("DEBUG", "kv", stream=stream)
    yield stream
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def test_logs_of_a_run_hold_no_secret_session_or_person_data(
    sim: Simulator, captured_logs: io.StringIO
) -> None:
    """A run with logins (one refused), an ID-number look-up, a re-login after expiry, a
    rejection and a fault: the captured log names events, never the password, a session id,
    the ID number or the person's name."""
    with make_client(sim, password="wrong-" + DEFAULT_PASSWORD) as refused:
        assert refused.login().outcome is Outcome.REJECTED
    with make_client(sim) as client:
        d = Driver(sim, client)
        d.ok("bizh120001", bka895="aac002", bka896=NORMAL_ID_NUMBER, bka006="420")
        sim.expire_sessions()
        d.ok("bizh110001", bka895="aac002", bka896=NORMAL_ID_NUMBER, bka006="410")
        d.rejected("bizh120205", aaa100="XYZ")
        sim.add_faults("http500:function=bizh120102")
        d.call("bizh120102", bka895="aac002", bka896=NORMAL_ID_NUMBER)
    sessions = {
        str(decode_program(exchange.request).get("session_id"))
        for result in d.results
        for exchange in result.exchanges
    }
    text = captured_logs.getvalue()
    assert len(sessions) == 2  # the first session and the one after re-login
    assert "event=platform.login" in text and "event=platform.call" in text
    assert "event=sim.call" in text and "outcome=UNKNOWN" in text
    for secret in (DEFAULT_PASSWORD, NORMAL_ID_NUMBER, NORMAL_NAME, *sessions):
        assert secret not in text


def test_chinese_and_xml_special_text_round_trips(sim: Simulator) -> None:
    """Ward name and remark with & < > quotes and a CDATA look-alike go out escaped, are
    stored by the platform and come back in bizh120102 unchanged."""
    ward, remark = "骨科&<病区>\"'甲", "备注 A&B ]]> <![CDATA[x]]>"
    with make_client(sim) as client:
        d = Driver(sim, client)
        aaz218 = d.ok("bizh120103", **(admission() | {"bka022": ward, "bka043": remark})).aaz218
        (business,) = d.ok("bizh120102", bka895="aaz218", bka896=aaz218, aka130="42").businesses
    assert (business.raw.get("bka022"), business.raw.get("bka043")) == (ward, remark)
