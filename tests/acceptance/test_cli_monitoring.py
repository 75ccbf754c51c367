"""The operator's view through the installed command: ``syncd status`` (fits 100 columns, the
same counts as systemd's STATUS= line and /metrics) and ``syncd run``'s alerts across a
restart (a webhook receiver on 127.0.0.1)."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

from alert_support import HookSink, free_port, hooks, wait_until
from prometheus_client.parser import text_string_to_metric_families
from test_cli_engine import SYNCD, _env, add_fees, his, run, sim, statuses
from test_cli_run import _messages, notify

from syncd.core.text import display_width
from syncd.simulator import Simulator

__all__ = ["his", "hooks", "notify", "sim"]
OUTAGE = f"platform_unreachable@{socket.gethostname()[:30]}"


def _refuse_the_admission(his: Path) -> None:
    """A person the platform does not know: the admission is REJECTED, its fees wait for a
    visit state that will not come (blocked)."""
    with sqlite3.connect(his / "his.db") as conn:
        conn.execute("UPDATE T_ADMISSION SET PERSON_NO = '1999999999'")
    add_fees(his, 3)


class Daemon:
    """``syncd run`` in a subprocess, its log in a file."""

    def __init__(self, his: Path, name: str, **extra: str) -> None:
        self.log = his / f"run-{name}.log"
        with self.log.open("w", encoding="utf-8") as out:
            self.proc = subprocess.Popen(
                [SYNCD, "run"],
                cwd=his,
                env={**_env(his), **extra},
                stdout=subprocess.DEVNULL,
                stderr=out,
            )

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=90)
        assert self.proc.returncode == 0, self.text()
        return self.text()


def _samples(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        text = reply.read().decode("utf-8")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_status_metrics_and_the_systemd_status_line_show_the_same_counts(
    his: Path, sim: Simulator, notify: socket.socket
) -> None:
    _refuse_the_admission(his)
    assert run("once", cwd=his).returncode == 0
    assert run("once", cwd=his).returncode == 0
    assert statuses(his, "ip_admission") == {"1": "REJECTED"}
    doc = json.loads(run("status", "--json", cwd=his).stdout)
    fee = next(f for f in doc["feeds"] if f["feed"] == "ip_fee")
    assert (fee["waiting"], fee["blocked"], fee["pending"]) == (0, 3, 0)  # blocked, not waiting
    assert {
        "feed",
        "pending",
        "waiting",
        "in_flight",
        "unknown",
        "failed",
        "succeeded",
        "rejected",
        "last_success",
        "last_error",
        "succeeded_today",
        "blocked",
        "oldest_pending",
    } == set(fee)
    assert doc["totals"]["blocked"] == 3 and doc["totals"]["rejected"] == 1
    line = doc["status_line"]
    assert line.startswith("pending=0 waiting=0 blocked=3 ")

    table = subprocess.run(
        [SYNCD, "status"],
        cwd=his,
        env={**_env(his), "COLUMNS": "100"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert max(display_width(row) for row in table.stdout.splitlines()) <= 100
    assert line in table.stdout.splitlines()

    port = free_port()
    daemon = Daemon(
        his, "a", NOTIFY_SOCKET=notify.getsockname(), SYNCD_MONITORING__LISTEN=f"127.0.0.1:{port}"
    )
    seen: list[str] = []
    try:
        wait_until(lambda: any(m.startswith("READY=1") for m in _messages(notify, seen)), "READY")
        ready = next(m for m in seen if m.startswith("READY=1"))
        assert f"STATUS={line}" in ready.splitlines()
        assert _samples(port)[("syncd_rows_blocked", (("feed", "ip_fee"),))] == 3
    finally:
        daemon.stop()


def test_run_announces_an_outage_once_across_a_restart_and_once_its_end(
    his: Path, sim: Simulator, hooks: HookSink
) -> None:
    """The platform goes down: one webhook post.  syncd restarts while it is still down and
    sees it down again: nothing.  The platform comes back: one post."""
    port = free_port()
    with (his / "syncd.yaml").open("a", encoding="utf-8") as settings:
        settings.write(
            f"alerts:\n  evaluate_every_s: 0.2\n  settle_s: 0\n"
            f"  inactivity: {{quiet_s: null}}\n"
            f"  webhooks: [{{url: '{hooks.url('/json')}', format: json, "
            f"min_interval_s: 0}}]\n"
        )
    extra = {
        "SYNCD_MONITORING__PROBE_EVERY_S": "0.2",
        "SYNCD_MONITORING__LISTEN": f"127.0.0.1:{port}",
    }
    first = Daemon(his, "a", **extra)
    try:
        wait_until(lambda: statuses(his, "ip_admission") == {"1": "SUCCEEDED"}, "admission")
        sim.stop()
        wait_until(hooks.delivered, "the outage announced")
    finally:
        first_log = first.stop()
    assert first_log.count(f"event=alert.raised alert={OUTAGE}") == 1

    second = Daemon(his, "b", **extra)
    try:
        wait_until(lambda: "event=platform.unreachable" in second.text(), "down seen again")
        seen_at = time.time()
        alerts_ran = ("syncd_job_last_success_timestamp_seconds", (("job", "alerts"),))
        wait_until(lambda: _samples(port).get(alerts_ran, 0) > seen_at + 0.5, "alert passes")
        assert len(hooks.posts) == 1, "a restart repeats nothing"
        sim.start()
        wait_until(lambda: len(hooks.delivered()) == 2, "the recovery announced")
    finally:
        second_log = second.stop()
    states = [(a["name"], a["state"]) for p in hooks.delivered() for a in p.body["alerts"]]
    assert states == [(OUTAGE, "raised"), (OUTAGE, "cleared")]
    assert "event=alert.raised" not in second_log and "event=alert.cleared" in second_log
