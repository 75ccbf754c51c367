"""``syncd run`` through outages: PostgreSQL connections cut under it, the PostgreSQL server
restarted under it, the platform down for a while, the platform session expiring in the middle
of the fee uploads."""

from __future__ import annotations

import os
import shlex
import subprocess
import uuid
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from daemon_support import ZHANG, Site, all_done, platform_problems, site, wait_for


@pytest.mark.slow
def test_postgresql_connections_terminated_mid_run_the_daemon_reconnects(
    postgresql_url: str, tmp_path: Path
) -> None:
    """Every syncd connection is terminated (pg_terminate_backend) three times while the day
    is delivered: the same daemon process goes on, nothing is lost or sent twice."""
    name = f"syncd_{uuid.uuid4().hex[:10]}"
    url = sa.make_url(postgresql_url).update_query_dict({"application_name": name})
    with site(
        tmp_path, url.render_as_string(hide_password=False), faults=("latency:ms=20,times=0",)
    ) as here:
        here.write_config(platform={"fee_rows_per_call": 5})
        daemon = here.start("a")
        terminated = 0
        for round_ in range(3):
            wait_for(
                "progress", lambda n=round_: here.counts()["SUCCEEDED"] > 40 * (n + 1), timeout=60
            )
            terminated += _terminate(here, name)
        wait_for("every row final", lambda: all_done(here, 0), timeout=120)
        assert terminated > 0, "the test cut at least one of the daemon's connections"
        assert daemon.alive(), "the daemon survived on its own (no restart)"
        assert daemon.terminate() == 0
        assert platform_problems(here) == []


RESTART = os.environ.get("SYNCD_TEST_PG_RESTART", "")  # a command that restarts PostgreSQL


@pytest.mark.slow
def test_postgresql_server_restarted_mid_run_the_daemon_reconnects(
    postgresql_url: str, tmp_path: Path
) -> None:
    """The PostgreSQL server itself is restarted twice while the day is delivered (every
    connection gone, the server refusing connections for a while): the same daemon process
    goes on, nothing is lost or sent twice.  Needs ``SYNCD_TEST_PG_RESTART`` (``.ci/run`` sets
    it to ``pg_ctlcluster … restart``)."""
    if not RESTART:
        reason = "SYNCD_TEST_PG_RESTART (a command that restarts PostgreSQL) is not set"
        if os.environ.get("SYNCD_TEST_REQUIRE_DBS") == "1":
            pytest.fail(f"{reason} (SYNCD_TEST_REQUIRE_DBS=1 requires it)")
        pytest.skip(reason)
    with site(tmp_path, postgresql_url, faults=("latency:ms=20,times=0",)) as here:
        here.write_config(platform={"fee_rows_per_call": 5})
        daemon = here.start("a")
        for round_ in range(2):
            wait_for("progress", lambda n=round_: _succeeded(here) > 40 * (n + 1), timeout=60)
            subprocess.run(shlex.split(RESTART), check=True, capture_output=True, timeout=120)
        wait_for("every row final", lambda: _reachable(here) and all_done(here, 0), timeout=120)
        assert "event=job.source_error" in daemon.text(), "the daemon met the restart"
        assert daemon.alive(), "the daemon survived on its own (no restart of syncd)"
        assert daemon.terminate() == 0
        assert platform_problems(here) == []


def _reachable(here: Site) -> bool:
    try:
        here.sql("SELECT 1")
    except sa.exc.OperationalError:
        return False
    return True


def _succeeded(here: Site) -> int:
    return here.counts()["SUCCEEDED"] if _reachable(here) else 0


def _terminate(here: Site, application_name: str) -> int:
    rows = here.sql(
        "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity"
        " WHERE application_name = :name AND pid <> pg_backend_pid()",
        name=application_name,
    )
    return sum(1 for r in rows if r["ok"])


@pytest.mark.slow
def test_platform_down_backs_off_growing_then_resumes(sqlite_url: str, tmp_path: Path) -> None:
    """The platform is down when the daemon starts: each row is retried with a growing delay
    (short backoff settings stand in for minutes); once it is back, everything goes through."""
    with site(tmp_path, sqlite_url) as here:
        here.write_config(
            delivery={"backoff_initial_s": 0.4, "backoff_max_s": 4, "backoff_jitter": 0.1}
        )
        here.sim.stop()
        daemon = here.start("a")
        gaps: dict[int, float] = {}
        wait_for(
            "four attempts while down", lambda: _record_gap(here, gaps) >= 4, timeout=60, every=0.05
        )
        ordered = [gaps[n] for n in sorted(gaps) if n in (1, 2, 3)]
        assert len(ordered) == 3 and ordered == sorted(ordered) and ordered[0] < ordered[2]
        assert here.counts()["SUCCEEDED"] == 0
        here.sim.start()
        wait_for("every row final", lambda: all_done(here, 0), timeout=60)
        assert daemon.terminate() == 0
        assert platform_problems(here) == []


def _record_gap(here: Site, gaps: dict[int, float]) -> int:
    """Note (attempts → delay before the next attempt) of Zhang's admission; its attempts."""
    rows = here.sql(
        "SELECT attempts, next_attempt_at, updated_at FROM WI_SYNC_STATUS"
        " WHERE feed = 'ip_admission' AND source_key LIKE :k"
        " AND status <> 'IN_FLIGHT'",  # mid-call: the intent, not the backoff
        k=f"%{ZHANG[-3:]}",
    )
    if not rows or rows[0]["updated_at"] is None:
        return 0
    row = rows[0]
    due, at = _stamp(row["next_attempt_at"]), _stamp(row["updated_at"])
    gaps.setdefault(int(row["attempts"]), (due - at).total_seconds())
    return int(row["attempts"])


def _stamp(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


@pytest.mark.slow
def test_session_expiry_mid_batch_logs_in_once_more_without_a_duplicate(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The platform session expires during the fee uploads (-9): the daemon logs in once more
    (once for every call in flight that met the expired session: up to
    ``delivery.max_in_flight``, 4, of them), replays those calls, and every fee row is on the
    platform once."""
    with site(tmp_path, sqlite_url) as here:
        here.write_config(platform={"fee_rows_per_call": 10})
        here.sim.fault(kind="expire_session", function_id="bizh120002", times=1)
        daemon = here.start("a")
        wait_for("every row final", lambda: all_done(here, 0), timeout=60)
        assert daemon.terminate() == 0
        assert len(here.sim.calls("sys0001")) == 2
        expired = [c["return_code"] for c in here.sim.calls("bizh120002")].count("-9")
        assert 1 <= expired <= 4
        assert platform_problems(here) == []
