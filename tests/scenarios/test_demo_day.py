"""The demo's day (``syncd.demo.run``) in-process: its commands are shipped command feeds, and a
platform that keeps failing ends the run with a clear timeout instead of hanging."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from syncd.demo.day import day_stages
from syncd.demo.run import prepare, run_day

DAY = dt.date(2026, 11, 25)


def test_every_demo_command_is_an_enabled_shipped_command(tmp_path: Path) -> None:
    """The stages only use commands the shipped mappings define, and cover every one."""
    site = prepare(tmp_path / "site", DAY)
    try:
        commands = {s.source.command for s in site.feeds.values() if s.source.is_command}
        used = {c.command for stage in day_stages(DAY) for c in stage.commands}
        assert used <= commands
        assert commands - used == {"op_cancel", "ip_business", "ip_delete_fees"}
    finally:
        site.close()


def test_a_day_that_cannot_finish_times_out_with_the_counts(tmp_path: Path) -> None:
    """Every fee upload answers HTTP 500: the run stops at its deadline, says so on the last
    progress line, and the fee rows are still UNKNOWN (a query is asked again only after the
    in-flight window: the platform might still be working on the call)."""
    site = prepare(tmp_path / "site", DAY)
    lines: list[tuple[str, bool]] = []
    try:
        site.sim.add_faults("http500:function=bizh120002,times=0")
        finished = run_day(
            site, lambda text, final: lines.append((text, final)), day_stages(DAY)[:1], timeout_s=3
        )
        with site.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM WI_SYNC_STATUS WHERE feed = 'ip_fee' AND status = 'UNKNOWN'"
            ).scalar()
    finally:
        site.close()
    assert finished is False
    text, final = lines[-1]
    assert final and "超时 / timed out" in text
    assert rows and rows > 0
