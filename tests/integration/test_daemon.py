"""The daemon's lifecycle in one process: the job guard, the stop gate, READY/STATUS/WATCHDOG/
STOPPING over a real notify socket, the scheduler's job set, the nightly slot."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_support import Env, admit, any_env, env, fee

from syncd.config.settings import PollingSettings
from syncd.core.errors import SourceError
from syncd.engine.gate import ShutdownRequested
from syncd.engine.pipeline import TickReport
from syncd.service.daemon import Daemon, TickLog, close_gate, feed_job
from syncd.service.jobs import COMMANDS, SCHEDULER, JobGuard, JobProgress
from syncd.service.scheduler import Scheduler
from syncd.service.systemd import Notifier
from syncd.service.worker import Worker

__all__ = ["any_env", "env"]


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_guard_backs_off_a_job_while_the_database_is_down_then_resets() -> None:
    """SourceError: the job is skipped for 1, 2, 4 … × its base delay; one success resets."""
    clock, calls = FakeMonotonic(), []
    failing = [True]

    def job() -> None:
        calls.append(clock.now)
        if failing[0]:
            raise SourceError("database down")

    guard = JobGuard(
        "feed:x", job, JobProgress([SCHEDULER], clock), base_backoff_s=2.0, monotonic=clock
    )
    assert guard() is False and guard.resume_at == clock.now + 2
    assert guard() is False and len(calls) == 1, "skipped while backing off"
    clock.now += 2
    guard()
    assert guard.resume_at == clock.now + 4
    clock.now += 4
    failing[0] = False
    assert guard() is True and (guard.failures, guard.resume_at) == (0, 0.0)
    assert len(calls) == 3


def test_guard_logs_any_other_error_by_name_and_the_job_runs_next_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A crash in a job is an event with the exception type, no payload; no backoff."""
    progress = JobProgress([SCHEDULER])
    secret = "440101199001011234"

    def job() -> None:
        raise KeyError(secret)

    guard = JobGuard("feed:y", job, progress)
    with caplog.at_level(logging.INFO):
        assert guard() is False
        assert guard() is False
    failed = [r for r in caplog.records if r.getMessage() == "job.failed"]
    assert len(failed) == 2 and guard.resume_at == 0.0
    assert secret not in caplog.text
    assert progress.running() == [] and "feed:y" in progress.started


def test_guard_treats_a_stop_request_as_a_quiet_end() -> None:
    def job() -> None:
        raise ShutdownRequested

    assert JobGuard("feed:z", job, JobProgress([SCHEDULER]))() is False


def test_progress_is_unhealthy_once_a_lane_has_not_beaten_for_the_stall_window() -> None:
    clock = FakeMonotonic()
    progress = JobProgress([SCHEDULER, COMMANDS], clock)
    clock.now += 5
    progress.beat(COMMANDS)
    assert progress.healthy(10) and not progress.healthy(4)
    progress.begin(SCHEDULER, "feed:a")
    assert progress.healthy(4) and progress.running() == ["feed:a"]


def test_stop_gate_gives_claimed_rows_back_unsent(env: Env) -> None:
    """A stop request between units: the tick ends, its claimed rows are released (no lease)
    and nothing reaches the platform."""
    admit(env)
    worker = env.worker()
    stop = threading.Event()
    close_gate(worker, stop, JobProgress([SCHEDULER, COMMANDS]))
    stop.set()
    with pytest.raises(ShutdownRequested):
        worker.tick_feed("ip_admission")
    (row,) = env.status("ip_admission").values()
    assert (row["status"], row["lease_owner"]) == ("PENDING", None)
    assert env.calls("bizh120103") == []


class NotifySocket:
    """A service manager's notify socket: collects what the daemon sends."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.05)
        self.messages: list[tuple[float, str]] = []

    def drain(self) -> list[str]:
        while True:
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                return [m for _, m in self.messages]
            self.messages.append((time.monotonic(), data.decode("utf-8")))

    def pings_since(self, t0: float) -> int:
        self.drain()
        return sum(1 for at, m in self.messages if at >= t0 and "WATCHDOG=1" in m)


@pytest.fixture
def notify(tmp_path: Path) -> Iterator[NotifySocket]:
    sock = NotifySocket(tmp_path / "notify.sock")
    yield sock
    sock.sock.close()


def test_daemon_notifies_ready_status_watchdog_and_stopping_and_stops_pinging_when_wedged(
    env: Env, notify: NotifySocket
) -> None:
    """READY once every job started; STATUS with the counts; WATCHDOG while jobs progress;
    every feed job wedged → the pings stop; released → they resume; stop → STOPPING, 0."""
    admit(env)
    env.settings = env.settings.model_copy(
        update={"polling": PollingSettings(default_interval_s=0.2)}
    )
    worker = env.worker()
    notifier = Notifier({"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "100000"})
    daemon = Daemon(worker, notifier=notifier, stall_s=1.0, stop_timeout_s=10, loop_s=0.02)
    wedge, release = threading.Event(), threading.Event()
    real_tick = worker.tick_feed

    def tick(name: str) -> object:
        if wedge.is_set():
            release.wait(30)
        return real_tick(name)

    worker.tick_feed = tick  # type: ignore[method-assign]
    runner = threading.Thread(target=lambda: setattr(daemon, "code", daemon.run()))
    runner.start()
    try:
        _wait(lambda: any(m.startswith("READY=1") for m in notify.drain()), "READY")
        _wait(lambda: env.status("ip_admission")["1"]["status"] == "SUCCEEDED", "admission")
        assert notify.pings_since(0) > 0
        ready = next(m for m in notify.drain() if m.startswith("READY=1"))
        assert "pending=" in ready and "failed=" in ready
        wedge.set()
        _wait(lambda: len(daemon.progress.running()) == len(worker.pipelines), "wedged")
        time.sleep(1.2)  # the stall window (1 s) must pass before the pings may stop
        notify.drain()  # messages are stamped when read: read what was sent before now
        quiet_from = time.monotonic()
        time.sleep(0.5)
        assert notify.pings_since(quiet_from) == 0, "a wedged scheduler stops the pings"
        release.set()
        notify.drain()
        resumed = time.monotonic()
        _wait(lambda: notify.pings_since(resumed) > 0, "pings resume")
    finally:
        release.set()
        daemon.request_stop()
        runner.join(30)
    assert getattr(daemon, "code", None) == 0
    assert any(m.startswith("STOPPING=1") for m in notify.drain())


def _wait(check: object, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_schedule_has_a_job_per_enabled_feed_and_the_daily_slots(env: Env) -> None:
    """One interval job per enabled fact-view feed, code tables, and the three daily jobs at
    their configured times (Asia/Shanghai)."""
    daemon = Daemon(env.worker())
    daemon.schedule()
    names = set(daemon.scheduler.names)
    assert {f"feed:{n}" for n in daemon.worker.pipelines} <= names
    assert {"code_tables", "daily_login", "archive_prune", "reconcile"} <= names
    daemon.scheduler.start()
    try:
        at = daemon.scheduler.next_run("reconcile")
        assert at is not None and (at.hour, at.minute) == (2, 0)
        assert str(at.tzinfo) == "Asia/Shanghai"
    finally:
        daemon.scheduler.shutdown()
        daemon.worker.close()


def test_a_disabled_feed_with_unsettled_calls_is_a_warning_at_start(
    any_env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    """Fee rows whose call is UNKNOWN, then the DBA disables ip_fee: the daemon builds no
    pipeline for it (nothing settles them) and says so once at start, with the count."""
    env = any_env
    admit(env)
    worker = env.worker()
    worker.once("ip_admission")
    for i in range(3):
        fee(env, f"F{i}", "1.00")
    worker.once("ip_fee")
    worker.close()
    keys = sorted(env.status("ip_fee"))[:2]
    with env.db.begin() as conn:
        table = env.tables.sync_status
        conn.execute(
            table.update()
            .where(table.c.feed == "ip_fee", table.c.source_key.in_(keys))
            .values(status="UNKNOWN")
        )
    enabled = Daemon(env.worker())
    assert enabled.worker.unsettled_of_disabled() == {}
    env.feeds = {**env.feeds, "ip_fee": env.feeds["ip_fee"].model_copy(update={"enabled": False})}
    daemon = Daemon(env.worker())
    assert "ip_fee" not in daemon.worker.pipelines
    with caplog.at_level(logging.WARNING, logger="syncd.service.daemon"):
        daemon._unsettled_of_disabled()
    said = [r for r in caplog.records if r.getMessage() == "daemon.disabled_feed_unsettled"]
    assert len(said) == 1 and said[0].levelno == logging.WARNING
    assert daemon.worker.unsettled_of_disabled() == {"ip_fee": 2}
    enabled.worker.close()
    daemon.worker.close()


def test_nightly_slot_reconciles_yesterday(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reconcile job calls syncd.reconcile.reconcile_day for the day before the clock."""
    import syncd.reconcile

    seen: list[object] = []
    monkeypatch.setattr(
        syncd.reconcile,
        "reconcile_day",
        lambda settings, engine, client, day, **kw: seen.append(day),
    )
    daemon = Daemon(env.worker())
    daemon.reconcile()
    assert [str(d) for d in seen] == ["2026-11-24"]


def test_scheduler_logs_a_refused_or_late_run_instead_of_skipping_silently(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A run APScheduler does not start (the previous one is still busy, or its grace time
    passed) is an event of ours, not a silent skip."""
    scheduler = Scheduler("Asia/Shanghai", threads=1)
    block = threading.Event()
    scheduler.every("slow", lambda: block.wait(5), 0.2)
    scheduler.every("starved", lambda: None, 0.2)
    with caplog.at_level(logging.DEBUG, logger="syncd.service.scheduler"):
        scheduler.start()
        try:
            _wait(
                lambda: "job.misfired" in caplog.text or "job.still_busy" in caplog.text,
                "a misfire or busy event",
                timeout=10,
            )
        finally:
            block.set()
            scheduler.shutdown()


def _twelve_fees_in_batches_of_five(env: Env) -> Worker:
    """An admitted stay with 12 fee rows in the view and ``batch_size`` 5: the worker (one
    lane: a tick with lanes would claim all 12 rows at once)."""
    return _fees_in_batches(env, 12, 5)


def _fees_in_batches(env: Env, rows: int, batch_size: int) -> Worker:
    """An admitted stay with ``rows`` fee rows in the view, ``batch_size``, one lane."""
    one_lane = env.settings.delivery.model_copy(update={"max_in_flight": 1})
    env.settings = env.settings.model_copy(
        update={"polling": PollingSettings(batch_size=batch_size), "delivery": one_lane}
    )
    admit(env)
    worker = env.worker()
    worker.once("ip_admission")
    for i in range(rows):
        fee(env, f"F{i:02d}", "1.00")
    return worker


def test_a_feed_job_run_drains_a_backlog_beyond_one_batch(env: Env) -> None:
    """With batch_size 5, one run of the fee job sends all 12 pending rows (three full
    claims), instead of 5 rows per interval."""
    worker = _twelve_fees_in_batches_of_five(env)
    feed_job(worker, "ip_fee", threading.Event(), 10.0)()
    assert {row["status"] for row in env.status("ip_fee").values()} == {"SUCCEEDED"}
    assert len(env.status("ip_fee")) == 12


@pytest.mark.parametrize(
    ("interval_s", "expected"), [(3600.0, [True, False, False]), (0.0, [True, True, True])]
)
def test_a_backlog_drain_searches_the_view_at_most_once_per_interval(
    env: Env, interval_s: float, expected: list[bool]
) -> None:
    """The first tick of a run discovers; the drain's further ticks only claim, until the
    feed's interval has passed again (then they discover too)."""
    worker = _twelve_fees_in_batches_of_five(env)
    asked: list[bool] = []
    tick = worker.tick_feed

    def recording(name: str, *, discover: bool = True) -> TickReport:
        asked.append(discover)
        return tick(name, discover=discover)

    worker.tick_feed = recording  # type: ignore[method-assign]
    feed_job(worker, "ip_fee", threading.Event(), interval_s)()
    assert asked == expected
    assert {row["status"] for row in env.status("ip_fee").values()} == {"SUCCEEDED"}


def test_a_search_that_came_back_full_is_followed_by_another_at_once(env: Env) -> None:
    """A search records at most ``batch_size`` × 20 rows (40 here): with 90 new fee rows and
    an interval of an hour, one run of the job searches again right after each full search
    and sends all 90 (they would else wait an interval per 40)."""
    worker = _fees_in_batches(env, 90, 2)
    found: list[int] = []
    tick = worker.tick_feed

    def recording(name: str, *, discover: bool = True) -> TickReport:
        report = tick(name, discover=discover)
        found.extend([report.discovered] if discover else [])
        return report

    worker.tick_feed = recording  # type: ignore[method-assign]
    feed_job(worker, "ip_fee", threading.Event(), 3600.0)()
    assert found[:3] == [40, 40, 10]
    assert len(env.status("ip_fee")) == 90
    assert {row["status"] for row in env.status("ip_fee").values()} == {"SUCCEEDED"}


def test_a_tick_that_changed_something_is_logged_a_quiet_one_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``feed.tick`` for every tick that found or settled rows; ticks that only saw rows still
    WAITING are summed up at most once per minute per feed."""
    clock = FakeMonotonic()
    log = TickLog(60.0, clock)
    quiet = TickReport("ip_fee", claimed=5, results=Counter({"WAITING": 5}))
    busy = TickReport(
        "ip_fee", discovered=2, claimed=7, results=Counter({"SUCCEEDED": 2, "WAITING": 5})
    )
    with caplog.at_level(logging.INFO):
        for second in range(0, 180, 10):  # 18 quiet ticks in three minutes
            clock.now = 1000.0 + second
            log(quiet)
        log(busy)
    ticks = [r for r in caplog.records if r.getMessage() == "feed.tick"]
    assert len(ticks) == 3 + 1
    assert ticks[-1].syncd_fields == {
        "feed": "ip_fee",
        "found": 2,
        "claimed": 7,  # type: ignore[attr-defined]
        "sent": 0,
        "succeeded": 2,
        "waiting": 5,
    }
