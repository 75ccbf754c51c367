"""Durability and lifecycle: state survives a restart, reset only in test mode, the CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from test_simulator_support import NORMAL, SECOND, Client, build_xml, fee, make_sim, parse_reply

from syncd.simulator import Simulator, SimulatorConfig


def test_state_survives_a_restart_on_the_same_file(tmp_path: Path) -> None:
    """Stop and start on the same SQLite file: the stay, its rows and the session remain,
    and new aaz218 numbers do not collide with old ones."""
    state = tmp_path / "sim.sqlite"
    first = Simulator(state_path=state)
    first.start()
    c = Client(first)
    c.login()
    aaz218 = c.admit()
    c.ok("bizh120002", aaz218=aaz218, feeinfo=[fee("1"), fee("2", "5.00")])
    first.stop()
    second = Simulator(state_path=state)
    second.start()
    try:
        c.sim = second
        business = c.business(aaz218)
        assert business["state"] == "ADMITTED" and len(business["rows"]) == 2
        assert c.ok("bizh120003", aaz218=aaz218, bka438="1").scalars["akc264"] == "30.00"
        assert c.admit(SECOND) != aaz218
    finally:
        c.http.close()
        second.stop()


def test_reset_is_refused_outside_test_mode() -> None:
    """POST /_sim/reset is 404 without test mode and the businesses stay."""
    with make_sim() as sim, Client(sim) as c:
        c.admit()
        assert httpx.post(sim.url + "/_sim/reset").status_code == 404
        assert len(sim.businesses()) == 2  # ours + the fixture's stay elsewhere


def test_reset_in_test_mode_wipes_state_and_reseeds_the_fixture() -> None:
    """POST /_sim/reset in test mode: our stay, calls and sessions go; the seeded stay stays."""
    with make_sim(test_mode=True) as sim, Client(sim) as c:
        c.admit()
        assert httpx.post(sim.url + "/_sim/reset").json() == {"reset": True}
        assert [b["akb020"] for b in sim.businesses()] == ["SS0999"]
        assert sim.calls() == []
        assert c.call("bizh120001", bka895="aac001", bka896=NORMAL, bka006="420").code == "-9"


def test_cli_serves_the_platform_with_its_options(tmp_path: Path) -> None:
    """`syncd simulator` binds 127.0.0.1, honours --account, --no-fee-delete-allowed,
    --fault and --state, and stops on SIGTERM."""
    cmd = [
        sys.executable,
        "-m",
        "syncd",
        "simulator",
        "--port",
        "0",
        "--account",
        "HOSP1:pw1",
        "--akb020",
        "H0001",
        "--no-fee-delete-allowed",
        "--fault",
        "latency:ms=1,times=0",
        "--state",
        str(tmp_path / "cli.sqlite"),
        "--test-mode",
    ]
    with subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=dict(os.environ)) as proc:
        try:
            _exercise_cli(_wait_for_endpoint(proc))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    assert proc.returncode == 0
    assert (tmp_path / "cli.sqlite").exists()


def _exercise_cli(endpoint: str) -> None:
    assert endpoint.startswith("http://127.0.0.1:")
    login = build_xml("sys0001", {"userid": "HOSP1", "password": "pw1"}, {})
    reply = parse_reply(httpx.post(endpoint, content=login.encode()).content)
    assert reply.code == "1"
    head = {"session_id": reply.scalars["session_id"], "akb020": "H0001"}
    body = build_xml("bizh120004", {**head, "aaz218": "ZY1"}, {})
    refused = parse_reply(httpx.post(endpoint, content=body.encode()).content)
    assert "不允许删除" in refused.message
    calls = httpx.get(endpoint.split("/hygeia")[0] + "/_sim/calls").json()
    assert [c["fault"] for c in calls] == ["latency", "latency"]


def _wait_for_endpoint(proc: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 15
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        found = re.search(r"listening on (\S+)", line)
        if found:
            return found.group(1)
        if not line and proc.poll() is not None:
            break
    raise AssertionError("the simulator did not start")


def test_config_accounts_and_default_account() -> None:
    """The default account SS0001/sim-password works; configured accounts replace it."""
    with make_sim(accounts={"U1": "p1"}) as sim, Client(sim) as c:
        assert c.session_id == ""
        assert c.login("U1", "p1").code == "1"
    with Simulator(SimulatorConfig()) as sim, Client(sim) as c:
        assert c.session_id
