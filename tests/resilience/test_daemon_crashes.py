"""``syncd run`` killed, stopped and doubled: real daemon processes, a real simulator process,
the seeded reference HIS on SQLite and PostgreSQL.  Nothing is sent twice, nothing is lost."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from daemon_support import (
    FINAL,
    LIU,
    OPERATOR,
    ZHANG,
    Site,
    all_done,
    platform_problems,
    settle_everything,
    site,
    wait_for,
)

BACKENDS = ["sqlite", "postgresql"]


def _url(request: pytest.FixtureRequest, backend: str) -> str:
    return str(request.getfixturevalue(f"{backend}_url"))


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_sigkill_at_random_moments_then_restart_sends_nothing_twice(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The daemon is SIGKILLed ≥ 5 times at seeded random moments while it delivers the seeded
    day (≥ 200 rows in small fee batches) and then settles every visit; restarted each time.
    In the end every row is final, every command answered, and the platform holds every
    business, fee row and settlement exactly once."""
    rng = random.Random(20261125)
    slow = ("latency:ms=25,times=0", "latency:function=bizh120106,ms=400,times=0",
            "latency:function=bizh110105,ms=400,times=0")  # fmt: skip
    with site(tmp_path, _url(request, backend), faults=slow) as here:
        here.write_config(platform={"fee_rows_per_call": 5}, delivery={"lease_s": 3})
        commands, daemon = 0, here.start("a")
        for kill in range(1, 7):
            time.sleep(rng.uniform(0.8, 2.5))
            daemon.kill()
            daemon = here.start(f"after-kill-{kill}")
            if kill == 3:
                commands = settle_everything(here)
        wait_for("every row final", lambda: all_done(here, commands), timeout=120)
        assert daemon.terminate() == 0
        assert sum(here.counts().values()) >= 200
        assert set(here.counts()) <= FINAL | {"WAITING"}
        assert set(here.request_counts()) == {"DONE"}
        assert platform_problems(here) == []
        _assert_written_back(here)


def _assert_written_back(here: Site) -> None:
    missing = here.sql("SELECT id FROM WI_REQUEST WHERE return_code IS NULL")
    assert missing == [], "every answered command carries the platform's return code"
    for visit in (ZHANG, LIU):
        (row,) = here.sql("SELECT state, aaz218 FROM WI_VISIT WHERE visit_key = :k", k=visit)
        assert row["state"] == "SETTLED" and row["aaz218"]


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_sigterm_while_busy_exits_0_leaves_no_live_lease_and_a_restart_continues(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """SIGTERM in the middle of slow fee uploads: exit 0 well within TimeoutStopSec (90 s),
    no row IN_FLIGHT under a lease, PENDING rows handed back; a new daemon finishes the day."""
    with site(tmp_path, _url(request, backend),
              faults=("latency:function=bizh120002,ms=150,times=0",)) as here:  # fmt: skip
        here.write_config(platform={"fee_rows_per_call": 5})
        daemon = here.start("a")
        wait_for("fee uploads under way", lambda: here.counts()["SUCCEEDED"] > 30, timeout=60)
        started = time.monotonic()
        assert daemon.terminate(timeout=90) == 0
        assert time.monotonic() - started < 90
        assert here.live_leases() == []
        held = here.sql("SELECT COUNT(*) AS n FROM WI_SYNC_STATUS WHERE lease_owner IS NOT NULL"
                        " AND status NOT IN ('SUCCEEDED', 'REJECTED', 'FAILED')")  # fmt: skip
        assert int(held[0]["n"]) == 0, "every lease not in flight was given back"
        assert here.open_rows() > 0, "the stop came while there was work left"
        assert "daemon.stopped" in daemon.text()
        here.start("b")
        wait_for("the restart to finish the day", lambda: all_done(here, 0), timeout=120)
        assert platform_problems(here) == []


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_two_daemons_on_one_database_never_send_the_same_row(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Two `syncd run` processes on one HIS database: each fee row, business and settlement
    reaches the platform once, and both daemons did part of the work."""
    with site(tmp_path, _url(request, backend), faults=("latency:ms=10,times=0",)) as here:
        here.write_config(platform={"fee_rows_per_call": 5})
        first, second = here.start("a"), here.start("b")
        commands = settle_everything(here)
        wait_for("every row final", lambda: all_done(here, commands), timeout=120)
        assert first.terminate() == 0 and second.terminate() == 0
        assert platform_problems(here) == []
        assert "delivery.called" in first.text() and "delivery.called" in second.text()


@pytest.mark.slow
def test_settlement_reply_lost_is_resolved_by_query_without_a_second_settlement(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The platform settles the stay but the reply never arrives: the daemon asks (120102 /
    the slip) instead of settling again; the command ends DONE with one settlement."""
    with site(tmp_path, sqlite_url, faults=("reply_lost:function=bizh120106,times=1",)) as here:
        here.start("a")
        wait_for("discharge", lambda: here.visit_state(LIU) == "DISCHARGED", timeout=60)
        here.request("ip_settle", LIU, **OPERATOR)
        wait_for("the settlement answered", lambda: here.request_counts()["DONE"] == 1,
                 timeout=60)  # fmt: skip
        assert len(here.sim.calls("bizh120106")) == 1
        assert here.visit_state(LIU) == "SETTLED"
        assert platform_problems(here) == []
