"""Fault injection over real HTTP: every mode, targeting, counts, and the JSON control API."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest
from test_simulator_support import NORMAL, Client, build_xml, client, parse_reply, sim

from syncd.simulator import SERVER_ERROR_TEXT, Fault, Simulator

__all__ = ["client", "sim"]  # fixtures

ADMIT = {
    "aka130": "42",
    "bka006": "420",
    "aac001": NORMAL,
    "bka017": "20261120",
    "bka014": "0101",
    "bka015": "李四",
}


def _admit_body(c: Client) -> str:
    return build_xml("bizh120103", {"session_id": c.session_id, "akb020": "SS0001", **ADMIT}, {})


def _inpatient(sim: Simulator) -> list[dict[str, object]]:
    return [b for b in sim.businesses() if b["akb020"] == "SS0001"]


def test_latency_is_visible_in_the_call_log(client: Client) -> None:
    """latency:ms=150 delays the targeted call; the call log records the duration and fault."""
    client.sim.add_faults("latency:ms=150,function=bizh120001")
    client.ok("bizh120001", bka895="aac001", bka896=NORMAL, bka006="420")
    last = client.sim.calls()[-1]
    assert (last["fault"], last["return_code"]) == ("latency", "1")
    assert last["duration_ms"] >= 150


def test_http500_answers_the_exception_text_and_processes_nothing(client: Client) -> None:
    """http500: status 500, body 服务执行发生异常, no business committed."""
    client.sim.add_faults(Fault("http500", function_id="bizh120103"))
    response = client.post(_admit_body(client))
    assert response.status_code == 500 and response.text == SERVER_ERROR_TEXT
    assert _inpatient(client.sim) == []
    assert client.sim.calls()[-1]["outcome"] == "http500"


def test_malformed_reply_is_not_xml_but_the_call_was_processed(client: Client) -> None:
    """malformed: HTTP 200 with a cut-off body; the admission is committed."""
    client.sim.add_faults("malformed:function=bizh120103")
    response = client.post(_admit_body(client))
    assert response.status_code == 200
    with pytest.raises(ET.ParseError):
        parse_reply(response.content)
    assert [b["state"] for b in _inpatient(client.sim)] == ["ADMITTED"]


def test_dropped_connection_commits_nothing(client: Client) -> None:
    """drop: the connection closes before processing; nothing is committed."""
    client.sim.add_faults("drop:function=bizh120103")
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(_admit_body(client))
    assert _inpatient(client.sim) == []
    assert client.sim.calls()[-1]["outcome"] == "dropped"


def test_reply_lost_commits_the_effects_but_sends_no_response(client: Client) -> None:
    """reply_lost: the client sees no response, yet the stay exists and is found by 120102."""
    client.sim.add_faults("reply_lost:function=bizh120103")
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(_admit_body(client))
    [business] = _inpatient(client.sim)
    assert business["state"] == "ADMITTED"
    found = client.ok("bizh120102", bka895="aac001", bka896=NORMAL, bka891="0")
    assert [r["aaz218"] for r in found.rows("bizinfo")] == [business["aaz218"]]
    assert client.sim.calls()[-2]["outcome"] == "reply_lost"


def test_forced_session_expiry_answers_minus_9(client: Client) -> None:
    """expire_session: the targeted call answers -9; after a new login calls succeed."""
    client.sim.add_faults("expire_session:function=bizh120001")
    args = {"bka895": "aac001", "bka896": NORMAL, "bka006": "420"}
    assert client.call("bizh120001", **args).code == "-9"
    client.login()
    assert client.call("bizh120001", **args).code == "1"


def test_faults_fire_only_on_their_target_and_only_n_times(client: Client) -> None:
    """times=2 on bizh120001: a 120205 call is untouched, then two 500s, then normal again."""
    client.sim.add_faults("http500:function=bizh120001,times=2")
    body = build_xml(
        "bizh120001",
        {
            "session_id": client.session_id,
            "akb020": "SS0001",
            "bka895": "aac001",
            "bka896": NORMAL,
            "bka006": "420",
        },
        {},
    )
    assert client.call("bizh120205", aaa100="bka006").code == "1"
    assert [client.post(body).status_code for _ in range(3)] == [500, 500, 200]
    assert client.sim.faults() == []


def test_rate_faults_fire_on_a_seeded_fraction_of_calls(client: Client) -> None:
    """rate=0.5 with a seed fires on some but not all of 40 calls, and never expires."""
    client.sim.add_faults("http500:function=bizh120205,rate=0.5,times=0,seed=7")
    body = build_xml(
        "bizh120205", {"session_id": client.session_id, "akb020": "SS0001", "aaa100": "bka006"}, {}
    )
    codes = [client.post(body).status_code for _ in range(40)]
    assert 0 < codes.count(500) < 40 and set(codes) == {200, 500}
    assert len(client.sim.faults()) == 1


def test_fault_control_over_http(sim: Simulator) -> None:
    """POST /_sim/faults adds (object or list), GET lists, DELETE clears, bad JSON is 400."""
    url = sim.url + "/_sim/faults"
    added = httpx.post(
        url,
        json=[
            {"kind": "latency", "ms": 10, "times": 0},
            {"kind": "drop", "function_id": "bizh120002"},
        ],
    ).json()
    assert [f["kind"] for f in added] == ["latency", "drop"]
    httpx.post(url, json={"kind": "reply_lost", "function_id": "bizh120106", "times": 3})
    assert [f["times"] for f in httpx.get(url).json()] == [0, 1, 3]
    assert httpx.post(url, json={"kind": "explode"}).status_code == 400
    assert httpx.post(url, content=b"{not json").status_code == 400
    assert httpx.delete(url).json() == [] and sim.faults() == []


def test_faults_given_at_start_apply_to_the_first_calls() -> None:
    """Faults passed to the constructor (as --fault does) are active from the first call."""
    with Simulator(faults=["http500:function=sys0001"]) as simulator:
        c = Client(simulator)
        response = c.post(
            build_xml("sys0001", {"userid": "SS0001", "password": "sim-password"}, {})
        )
        assert response.status_code == 500
        assert c.login().code == "1"
        c.http.close()
