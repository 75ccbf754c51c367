"""Sessions, transport tolerance, hardening, reference queries, 病案 uploads and the
inspection endpoints of the simulator, over real HTTP."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import httpx
import pytest
from test_simulator_support import (
    NORMAL,
    NOT_INSURED,
    Client,
    client,
    fee,
    make_sim,
    parse_reply,
    sim,
)

from syncd.logs import KeyValueFormatter
from syncd.simulator import SHANGHAI, Simulator
from syncd.simulator.platform import handler_table

__all__ = ["client", "sim"]  # fixtures


def test_login_rejects_a_wrong_password_in_chinese(sim: Simulator) -> None:
    """sys0001 with a wrong password: negative code, Chinese message, no session."""
    with httpx.Client() as http:
        body = "<program><function_id>sys0001</function_id><userid>SS0001</userid>"
        reply = parse_reply(
            http.post(sim.endpoint, content=body + "<password>no</password></program>").content
        )
    assert reply.code.startswith("-") and "密码" in reply.message
    assert "session_id" not in reply.scalars


def test_every_function_answers_minus_9_without_a_valid_session(sim: Simulator) -> None:
    """An unknown session id gets -9 on every served function_id."""
    c = Client(sim)
    c.session_id = "not-a-session"
    for function_id in handler_table(sim.config):
        reply = c.call(function_id, aaz218="x")
        assert reply.code == "-9", function_id
        assert reply.message
    c.http.close()


def test_session_expires_at_midnight_shanghai_by_the_injected_clock() -> None:
    """A session from 23:59 is valid until 24:00 Asia/Shanghai, then -9; a new login works."""
    now = [datetime(2026, 11, 25, 23, 59, 0, tzinfo=SHANGHAI)]
    with make_sim(clock=lambda: now[0]) as sim, Client(sim) as c:
        assert c.ok("bizh120001", bka895="aac001", bka896=NORMAL, bka006="420")
        now[0] = datetime(2026, 11, 26, 0, 0, 1, tzinfo=SHANGHAI)
        assert c.call("bizh120001", bka895="aac001", bka896=NORMAL, bka006="420").code == "-9"
        assert c.login().code == "1"
        assert c.ok("bizh120001", bka895="aac001", bka896=NORMAL, bka006="420")


def test_sessions_expire_on_demand_by_api_and_http(client: Client) -> None:
    """expire_sessions() and POST /_sim/sessions/expire both turn the next call into -9."""
    args = {"bka895": "aac001", "bka896": NORMAL, "bka006": "420"}
    client.sim.expire_sessions()
    assert client.call("bizh120001", **args).code == "-9"
    client.login()
    assert httpx.post(client.sim.url + "/_sim/sessions/expire").json() == {"expired": 1}
    assert client.call("bizh120001", **args).code == "-9"


def test_form_urlencoded_content_type_without_declaration_is_accepted(client: Client) -> None:
    """S1 sends raw XML as application/x-www-form-urlencoded and no XML declaration."""
    body = (
        f"<program><session_id>{client.session_id}</session_id><function_id>bizh120001"
        f"</function_id><akb020>SS0001</akb020><bka895>aac001</bka895><bka896>{NORMAL}"
        "</bka896><bka006>420</bka006></program>"
    )
    response = client.post(body, "application/x-www-form-urlencoded")
    reply = parse_reply(response.content)
    assert reply.code == "1" and reply.rows("personinfo")[0]["aac003"] == "张伟明"


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE program [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE program [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    ],
)
def test_entity_declarations_are_refused(client: Client, doctype: str) -> None:
    """Entity expansion and external entities: refused with -1, nothing processed."""
    body = f"{doctype}<program><function_id>sys0001</function_id><userid>&b;</userid></program>"
    reply = parse_reply(client.post(body).content)
    assert reply.code == "-1" and "XML" in reply.message
    assert client.sim.calls()[-1]["function_id"] == ""


def test_unknown_function_and_unregistered_institution_are_refused(client: Client) -> None:
    """A function_id outside the catalogue (e.g. biz120001) and an akb020 not configured."""
    assert "未知的交易号" in client.rejected("biz120001").message
    reply = client.rejected(
        "bizh120001", akb020="XX9", bka895="aac001", bka896=NORMAL, bka006="420"
    )
    assert "akb020" in reply.message


def test_cumulative_query_adds_settled_fund_amounts(client: Client) -> None:
    """410004 starts from the fixture value and grows by an outpatient settlement."""
    args = {"aac001": NORMAL, "aae001": str(datetime.now(SHANGHAI).year), "aae140": "410"}
    before = client.ok("bizh410004", **args).rows("cumulativeinfo")[0]
    aaz218 = client.register()
    client.ok(
        "bizh110105",
        aaz218=aaz218,
        bka014="1",
        bka015="x",
        bka893="1",
        feeinfo=[fee(amount="50.00")],
    )
    after = client.ok("bizh410004", **args).rows("cumulativeinfo")[0]
    assert (before["ake053"], after["ake053"]) == ("1200.00", "1250.00")
    assert after["ake038"] == "498750.00"
    assert "未参保" in client.rejected("bizh410004", aac001=NOT_INSURED).message


def test_fund_status_query_by_month(client: Client) -> None:
    """410005: a frozen fund is 1 for each requested month; a normal one 0."""
    frozen = client.ok(
        "bizh410005", aac001="1000010002", bka977="1", aae030="20260101", aae031="20260331"
    )
    rows = frozen.rows("fundinfo")
    assert [(r["aae003"], r["bka888"]) for r in rows] == [
        (m, "1") for m in ("202601", "202602", "202603")
    ]
    assert client.ok("bizh410005", aac001=NORMAL).rows("fundinfo")[0]["bka888"] == "0"
    client.rejected("bizh410005", aac001=NORMAL, bka977="1", aae030="2026-01-01")


def test_code_table_service(client: Client) -> None:
    """120205: a category with Chinese names, one value, unknown category refused."""
    rows = client.ok("bizh120205", aaa100="bka006").rows("codeinfo")
    assert {(r["aaa102"], r["aaa103"]) for r in rows} == {("410", "工伤门诊"), ("420", "工伤住院")}
    assert set(rows[0]) == {"aaa027", "aaa100", "aaa101", "aaa102", "aaa103", "aaa104"}
    [one] = client.ok("bizh120205", aaa100="bkf004", aaa102="02").rows("codeinfo")
    assert one["aaa103"] == "好转"
    assert client.ok("bizh120205", aaa100="bka019").rows("codeinfo")
    client.rejected("bizh120205", aaa100="nosuch")


def _header(aaz218: str, aac002: str = "440106198503124219") -> dict[str, str]:
    return {
        "aaz218": aaz218,
        "aac002": aac002,
        "aac043": "1",
        "aac044": aac002,
        "aab299": "440100",
        "akb021": "模拟医院",
    }


def test_medical_record_uploads_validate_and_replace(client: Client) -> None:
    """200101–200106 need the header and an existing stay; a re-upload replaces the first."""
    aaz218 = client.admit()
    client.ok("bizh200101", **_header(aaz218), yzy001="1", akc023="41")
    client.ok("bizh200101", **_header(aaz218), yzy001="2", akc023="41")
    row = {"yzy201": "1", "yzy202": "1", "akc185": "桡骨骨折", "akc196": "S52.501"}
    client.ok("bizh200102", **_header(aaz218), yzy003="ICD-10", detail=[row])
    for function_id in ("bizh200103", "bizh200104", "bizh200105"):
        client.ok(function_id, **_header(aaz218), detail=[{"yzy201": "1"}])
    client.ok("bizh200106", **_header(aaz218), yzy301="骨折", yzy302="骨折术后", akc273="王五")
    records = client.business(aaz218)["records"]
    assert sorted(records) == [f"bizh20010{i}" for i in range(1, 7)]
    assert records["bizh200101"]["fields"]["yzy001"] == "2"
    missing = client.rejected("bizh200101", aaz218=aaz218)
    assert "aac002" in missing.message
    client.rejected("bizh200101", **_header(aaz218, "440106199505201315"))
    for function_id in ("bizh200102", "bizh200103", "bizh200104", "bizh200105"):
        client.rejected(function_id, **_header(aaz218), detail=[])
        client.rejected(function_id, **_header(aaz218), detail=[{"yzy202": "1"}])
    client.rejected("bizh200106", **_header(aaz218))
    client.rejected("bizh200101", **_header("ZY-NOPE"))


def test_call_log_and_log_lines_carry_no_secrets(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    """GET /_sim/calls lists function_id/return_code/time in order, and neither it nor the
    log lines contain the password, the ID number or the name."""
    caplog.set_level(logging.INFO, logger="syncd.simulator")
    client.ok("bizh110001", bka895="aac002", bka896="440106198503124219", bka006="410")
    calls = httpx.get(client.sim.url + "/_sim/calls").json()
    assert [(c["function_id"], c["return_code"]) for c in calls] == [
        ("sys0001", "1"),
        ("bizh110001", "1"),
    ]
    assert all(c["at"] and c["outcome"] == "replied" for c in calls)
    formatter = KeyValueFormatter(with_time=False)
    lines = [formatter.format(r) for r in caplog.records if r.getMessage() == "sim.call"]
    assert len(lines) == 1 and "function_id=bizh110001" in lines[0] and "return_code=1" in lines[0]
    text = json.dumps(calls, ensure_ascii=False) + "\n".join(lines)
    for secret in ("sim-password", "440106198503124219", "张伟明"):
        assert secret not in text


def test_businesses_view_is_json(client: Client) -> None:
    """GET /_sim/businesses shows aaz218, akb020, person, kind, state and rows."""
    aaz218 = client.admit()
    client.ok("bizh120002", aaz218=aaz218, feeinfo=[fee("1")])
    view = httpx.get(client.sim.url + "/_sim/businesses").json()
    mine = next(b for b in view if b["aaz218"] == aaz218)
    assert (mine["akb020"], mine["aac001"], mine["kind"], mine["state"]) == (
        "SS0001",
        NORMAL,
        "inpatient",
        "ADMITTED",
    )
    assert [r["aaz213"] for r in mine["rows"]] == ["1"]
    seeded = next(b for b in view if b["akb020"] == "SS0999")
    assert seeded["state"] == "ADMITTED"
