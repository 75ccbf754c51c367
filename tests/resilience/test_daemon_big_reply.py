"""``syncd run`` under a 100 MB reply: the process stays within 50 MiB of its idle size.

The simulator (its own process) commits the admission and streams a 100 MB reply; the daemon
reads at most ``platform.max_reply_bytes`` (4 MiB by default), treats the call as UNKNOWN and
resolves it by the business query.  Measured from /proc: the daemon's steady resident size
polling an empty HIS, then its peak resident size (VmHWM, reset just before) until the row has
SUCCEEDED.  ``bench/bench_big_reply.py`` prints the same numbers next to a limit high enough to
read the whole reply.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from daemon_support import LIU, admission_under_a_big_reply, hide_the_day, site

from syncd.platform.http_reply import CUT_NOTE

MIB = 1024 * 1024
pytestmark = pytest.mark.skipif(
    not (sys.platform.startswith("linux") and Path("/proc/self/clear_refs").exists()),
    reason="reads the daemon's resident size from Linux /proc",
)


def test_a_100_mb_reply_costs_the_daemon_less_than_50_mib(sqlite_url: str, tmp_path: Path) -> None:
    with site(tmp_path, sqlite_url) as here:
        hide_the_day(here)
        daemon = here.start()
        idle, peak = admission_under_a_big_reply(here, daemon, 100 * MIB)
        (call,) = here.sim.calls("bizh120103")
        assert call["outcome"] == "oversize"  # the 100 MB reply really went out
        (row,) = here.sql("SELECT reply_xml FROM WI_MESSAGE WHERE function_id = 'bizh120103'")
        limit = 4 * MIB
        note = CUT_NOTE.format(limit=limit)
        assert str(row["reply_xml"]).endswith(note)
        assert len(str(row["reply_xml"]).encode("utf-8")) <= limit + len(note.encode("utf-8"))
        (stay,) = here.sql("SELECT aaz218 FROM WI_VISIT WHERE visit_key = :v", v=LIU)
        assert stay["aaz218"]  # adopted from the query
    growth_mib = (peak - idle) / 1024
    print(f"idle {idle / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB, growth {growth_mib:.1f} MiB")
    assert growth_mib < 50, f"idle {idle} KiB, peak {peak} KiB"
