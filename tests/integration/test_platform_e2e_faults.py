"""Faults over real HTTP land in the right outcome class, and sessions expire as they should.

Outcome classes (``syncd.core.records.Outcome``): SUCCEEDED, REJECTED, RETRY (provably not
processed), UNKNOWN (may have been processed).  The simulator's ``drop`` closes the connection
before processing, ``reply_lost`` after committing: the client sees the same thing (a
connection closed without a response) and cannot tell them apart, so both are UNKNOWN; the
tests check on the simulator which of the two really happened.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from test_platform_e2e_support import (
    NORMAL,
    Driver,
    admission,
    driver,
    make_client,
    sim,
    sim_config,
    wait_for,
)

from syncd.core.records import Outcome
from syncd.protocol.calls import CallResult
from syncd.protocol.catalogue import LOGIN_FUNCTION_ID
from syncd.simulator import SHANGHAI, Simulator

__all__ = ["driver", "sim"]  # fixtures
CODES = {"aaa100": "bka006"}
BKA025 = "ZY-E2E-FAULT"


def log_since(sim: Simulator, start: int) -> list[tuple[str, str | None]]:
    return [(c["function_id"], c["return_code"]) for c in sim.calls()[start:]]


def our_stays(sim: Simulator) -> list[str]:
    """aaz218 of the stays our hospital opened (the fixture's stay elsewhere excluded)."""
    return [b["aaz218"] for b in sim.businesses() if b["akb020"] == "SS0001"]


def admit(d: Driver) -> CallResult:
    return d.call("bizh120103", **admission(NORMAL, BKA025))


# ---------------------------------------------------------------- sessions


def test_expired_session_relogs_once_and_replays_once(driver: Driver) -> None:
    """sim.expire_sessions() between calls: the admission SUCCEEDS after exactly one -9, one
    extra sys0001 and one replay; exactly one stay exists."""
    d = driver
    d.ok("bizh120205", **CODES)
    start = len(d.sim.calls())
    d.sim.expire_sessions()
    result = admit(d)
    assert result.outcome is Outcome.SUCCEEDED and result.relogged
    assert len(result.exchanges) == 2
    assert log_since(d.sim, start) == [
        ("bizh120103", "-9"),
        (LOGIN_FUNCTION_ID, "1"),
        ("bizh120103", "1"),
    ]
    assert len(our_stays(d.sim)) == 1


def test_forced_session_expiry_fault_is_survived(driver: Driver) -> None:
    """The expire_session fault on one call: -9, one re-login, the call replayed once."""
    d = driver
    d.ok("bizh120205", **CODES)
    start = len(d.sim.calls())
    d.sim.add_faults("expire_session:function=bizh120205")
    result = d.call("bizh120205", **CODES)
    assert result.outcome is Outcome.SUCCEEDED and result.relogged
    assert log_since(d.sim, start) == [
        ("bizh120205", "-9"),
        (LOGIN_FUNCTION_ID, "1"),
        ("bizh120205", "1"),
    ]
    assert d.sim.calls()[start]["fault"] == "expire_session"


def test_a_second_expiry_after_relogin_is_retry_not_a_loop(driver: Driver) -> None:
    """Two -9 in a row: RETRY after one re-login; nothing more is sent."""
    d = driver
    d.ok("bizh120205", **CODES)
    start = len(d.sim.calls())
    d.sim.add_faults("expire_session:function=bizh120205,times=2")
    result = d.call("bizh120205", **CODES)
    assert result.outcome is Outcome.RETRY
    assert result.message.startswith("session expired again after re-login")
    assert log_since(d.sim, start) == [
        ("bizh120205", "-9"),
        (LOGIN_FUNCTION_ID, "1"),
        ("bizh120205", "-9"),
    ]


def test_concurrent_calls_after_expiry_share_one_relogin(driver: Driver) -> None:
    """Eight threads on one client after sim.expire_sessions(): all SUCCEED and the shared
    session cache logs in exactly once more."""
    d = driver
    d.ok("bizh120205", **CODES)
    start = len(d.sim.calls())
    d.sim.expire_sessions()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: d.call("bizh120205", **CODES), range(8)))
    assert {r.outcome for r in results} == {Outcome.SUCCEEDED}
    logged = log_since(d.sim, start)
    assert logged.count((LOGIN_FUNCTION_ID, "1")) == 1
    assert logged.count(("bizh120205", "1")) == 8


class MovableClock:
    """A clock both the simulator and the client read; tests move it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


BEFORE_MIDNIGHT = datetime(2026, 11, 25, 23, 59, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize("client_sees_midnight", [True, False])
def test_midnight_ends_the_session(client_sees_midnight: bool) -> None:
    """Sessions end at 24:00 Asia/Shanghai.  With both clocks past midnight the client logs
    in again before sending (no -9); with only the platform past midnight (client clock
    behind) the platform answers -9 and the client re-logs in and replays once."""
    sim_clock, client_clock = MovableClock(BEFORE_MIDNIGHT), MovableClock(BEFORE_MIDNIGHT)
    simulator = Simulator(sim_config(), clock=sim_clock)
    with simulator, make_client(simulator, clock=client_clock) as client:
        d = Driver(simulator, client)
        d.ok("bizh120205", **CODES)
        sim_clock.now = BEFORE_MIDNIGHT + timedelta(seconds=40)
        if client_sees_midnight:
            client_clock.now = sim_clock.now
        start = len(simulator.calls())
        result = d.call("bizh120205", **CODES)
        assert result.outcome is Outcome.SUCCEEDED
        assert result.relogged is not client_sees_midnight
        expected = [(LOGIN_FUNCTION_ID, "1"), ("bizh120205", "1")]
        if not client_sees_midnight:
            expected.insert(0, ("bizh120205", "-9"))
        assert log_since(simulator, start) == expected


# ---------------------------------------------------------------- faults


def test_latency_within_the_read_timeout_succeeds(driver: Driver) -> None:
    """latency 300 ms with a 5 s read timeout: SUCCEEDED, the fault is in the call log."""
    d = driver
    d.sim.add_faults("latency:ms=300,function=bizh120205")
    assert d.call("bizh120205", **CODES).outcome is Outcome.SUCCEEDED
    assert d.sim.calls()[-1]["fault"] == "latency"


def test_latency_beyond_the_read_timeout_is_unknown_and_was_processed(sim: Simulator) -> None:
    """A read timeout shorter than the latency: UNKNOWN (the admission did happen later)."""
    with make_client(sim, read_timeout_s=0.5) as client:
        d = Driver(sim, client)
        d.ok("bizh120205", **CODES)
        sim.add_faults("latency:ms=1500,function=bizh120103")
        result = admit(d)
        assert result.outcome is Outcome.UNKNOWN and "Timeout" in result.message
        wait_for(lambda: len(our_stays(sim)) == 1, "the delayed admission to commit")


def test_http500_is_unknown_and_nothing_was_processed(driver: Driver) -> None:
    """HTTP 500 (服务执行发生异常): UNKNOWN for the client; this simulator processed nothing."""
    d = driver
    d.sim.add_faults("http500:function=bizh120103")
    result = admit(d)
    assert (result.outcome, result.message) == (Outcome.UNKNOWN, "HTTP 500 from the platform")
    assert result.exchanges[-1].http_status == 500 and our_stays(d.sim) == []


def test_malformed_reply_is_unknown_and_was_processed(driver: Driver) -> None:
    """A cut-off XML reply: UNKNOWN; the admission was committed on the platform."""
    d = driver
    d.sim.add_faults("malformed:function=bizh120103")
    result = admit(d)
    assert result.outcome is Outcome.UNKNOWN and result.reply is None
    assert len(our_stays(d.sim)) == 1


def test_drop_is_unknown_but_the_platform_did_not_process_it(driver: Driver) -> None:
    """drop (closed before processing): the client sees a connection closed without a reply,
    exactly as for reply_lost, so it must say UNKNOWN; the simulator shows nothing happened."""
    d = driver
    d.ok("bizh120205", **CODES)
    d.sim.add_faults("drop:function=bizh120103")
    result = admit(d)
    assert result.outcome is Outcome.UNKNOWN and result.reply_bytes is None
    assert "RemoteProtocolError" in result.message
    assert d.sim.calls()[-1]["outcome"] == "dropped" and our_stays(d.sim) == []


def test_reply_lost_on_admission_is_unknown_and_resolved_by_lookup(driver: Driver) -> None:
    """reply_lost: UNKNOWN, the stay exists on the platform; bizh120102 by person (bka891=0)
    finds it by our 住院号, which is how the daemon resolves the UNKNOWN."""
    d = driver
    d.ok("bizh120205", **CODES)
    d.sim.add_faults("reply_lost:function=bizh120103")
    result = admit(d)
    assert result.outcome is Outcome.UNKNOWN and result.reply_bytes is None
    assert "RemoteProtocolError" in result.message
    (aaz218,) = our_stays(d.sim)
    found = d.ok("bizh120102", bka895="aac001", bka896=NORMAL, aka130="42", bka891="0")
    assert [(b.aaz218, b.bka025) for b in found.businesses] == [(aaz218, BKA025)]


def test_stopped_platform_is_retry_even_on_a_kept_alive_connection(sim: Simulator) -> None:
    """Connection refused is RETRY.  The client's pooled connection from before the stop
    must not reach a handler of the stopped simulator (that gave UNKNOWN before the fix in
    Simulator.stop, which now closes open connections)."""
    with make_client(sim) as client:
        d = Driver(sim, client)
        d.ok("bizh120205", **CODES)
        sim.stop()
        result = d.call("bizh120205", **CODES)
        assert result.outcome is Outcome.RETRY and "ConnectError" in result.message
        fresh = make_client(sim)
        with fresh:
            assert fresh.login().outcome is Outcome.RETRY


def test_client_recovers_when_the_platform_comes_back(tmp_path: Path) -> None:
    """Stopped: RETRY; restarted on the same port and state file: the same client succeeds
    again with its session from before (no new login)."""
    simulator = Simulator(sim_config(), state_path=tmp_path / "sim.sqlite")
    simulator.start()
    try:
        with make_client(simulator) as client:
            d = Driver(simulator, client)
            d.ok("bizh120205", **CODES)
            simulator.stop()
            assert d.call("bizh120205", **CODES).outcome is Outcome.RETRY
            simulator.start()
            back = d.call("bizh120205", **CODES)
            assert back.outcome is Outcome.SUCCEEDED and not back.relogged
            assert [c["function_id"] for c in simulator.calls()] == [
                LOGIN_FUNCTION_ID,
                "bizh120205",
                "bizh120205",
            ]
    finally:
        simulator.stop()
