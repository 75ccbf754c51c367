"""The ``syncd run`` lifecycle: start the jobs, tell systemd, watch progress, stop gracefully.

* **Jobs** (:mod:`syncd.service.scheduler`): one per enabled fact-view feed at its interval (a run
  ticks again at once while it claims full batches: a backlog drains), the code
  tables hourly, the daily re-login, archive pruning and the nightly reconciliation.  The
  command table is polled by a dedicated loop thread (:class:`CommandLoop`): it goes again at
  once after a tick that found work and otherwise waits ``polling.command_interval_s`` on an
  event that a stop request sets — APScheduler at 0.2 s would only add a scheduling hop and a
  "still running" refusal for every tick that is busy with a settlement.
* **Guard** (:class:`~syncd.service.jobs.JobGuard`): an exception in a job is logged (event
  name and exception type, never a payload) and the job runs again next time; a
  :class:`SourceError` (database unreachable) backs that job off exponentially (its interval
  doubled per failure, at most five minutes) without touching the others.
* **systemd** (:class:`~syncd.service.systemd.Notifier`): ``READY=1`` once every job has started,
  ``STATUS=`` every minute with the counts ``syncd status`` shows
  (:meth:`syncd.db.counts.Counts.status_line`), ``WATCHDOG=1`` from the main loop only while
  every lane (the scheduler's jobs, the command loop) shows progress within ``stall_s`` — a
  wedged scheduler stops the pings and systemd restarts the service.
* **Monitoring** (:class:`~syncd.service.monitoring.Monitoring`): ``/metrics``, ``/healthz``,
  ``/readyz`` on ``monitoring.listen``, and a TCP probe of the platform while no call is made;
  **alerts** (:class:`~syncd.service.alerts.watch.AlertWatch`) every
  ``alerts.evaluate_every_s``.
* **Logs**: one ``feed.tick`` line per feed run that found or settled something; a run that
  changed nothing is summed up at most once per :data:`QUIET_TICK_LOG_S` per feed.
* **Stop** (SIGTERM/SIGINT): ``STOPPING=1``; no new claim and no new unit (a unit already
  sending finishes and writes back); wait for running jobs at most :data:`STOP_TIMEOUT_S`
  (below the unit's ``TimeoutStopSec=90``); give back every lease not in flight; exit 0.
  A call still hanging after the timeout keeps its IN_FLIGHT intent, which the next start (or
  another engine, once the lease ends) resolves by query — never by sending blindly.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from types import FrameType

from syncd.core.errors import SourceError
from syncd.engine.pipeline import TickReport
from syncd.logs import event
from syncd.platform.client import PlatformClient
from syncd.platform.health import PlatformHealth
from syncd.service.alerts.watch import AlertWatch
from syncd.service.jobs import COMMANDS, SCHEDULER, JobGuard, JobProgress, Schedule
from syncd.service.monitoring import CountsCache, Monitoring
from syncd.service.scheduler import Scheduler
from syncd.service.systemd import Notifier
from syncd.service.worker import Worker

logger = logging.getLogger(__name__)
STOP_TIMEOUT_S = 60.0
STATUS_EVERY_S = 60.0
READY_POLL_S = 0.02  # until READY=1 the main loop looks this often whether every job started
CODE_TABLES_EVERY_S = 3600.0
QUIET_TICK_LOG_S = 60.0
PRUNE_AT = "03:30"


class CommandLoop(threading.Thread):
    """Polls the command table; goes again at once while it finds work, or when ``wake`` is
    set (a NOTIFY of a new command on PostgreSQL, a stop request)."""

    def __init__(
        self,
        tick: Callable[[], int],
        progress: JobProgress,
        interval_s: float,
        stop: threading.Event,
        wake: threading.Event | None = None,
    ) -> None:
        super().__init__(name="syncd-commands", daemon=True)
        self.tick, self.interval_s, self.stop = tick, interval_s, stop
        self.wake = wake or stop
        self.guard = JobGuard(
            COMMANDS, self._once, progress, lane=COMMANDS, base_backoff_s=interval_s
        )
        self.claimed = 0

    def _once(self) -> None:
        self.claimed = self.tick()

    def run(self) -> None:
        while not self.stop.is_set():
            self.claimed = 0
            if self.wake is not self.stop:
                self.wake.clear()  # a command inserted from now on wakes the next wait
            if self.guard() and self.claimed:
                continue
            self.wake.wait(max(self.interval_s, self.guard.resume_at - time.monotonic()))


def close_gate(worker: Worker, stop: threading.Event, progress: JobProgress) -> None:
    """Make every unit (a feed row/visit batch, a command) check for a stop request first.

    Once ``stop`` is set a unit raises :class:`ShutdownRequested`, which ends the tick (its
    ``finally`` gives back every lease not in flight), and a long stay's remaining calls are
    not sent; each unit let through beats its lane's heartbeat.
    """
    worker.stop_claiming(
        stop.is_set,
        on_feed_unit=partial(progress.beat, SCHEDULER),
        on_command_unit=partial(progress.beat, COMMANDS),
    )


class Daemon:
    """One ``syncd run`` process around one :class:`~syncd.service.worker.Worker`."""

    def __init__(
        self,
        worker: Worker,
        *,
        notifier: Notifier | None = None,
        stall_s: float | None = None,
        stop_timeout_s: float = STOP_TIMEOUT_S,
        loop_s: float = 1.0,
    ) -> None:
        self.worker, self.settings = worker, worker.settings
        self.notifier = notifier or Notifier()
        self.stop = threading.Event()
        self.progress = JobProgress((SCHEDULER, COMMANDS))
        self.stall_s = stall_s or self._default_stall_s()
        self.stop_timeout_s, self.loop_s = stop_timeout_s, loop_s
        self.scheduler = Scheduler(
            self.settings.platform.session_timezone, threads=max(2, len(worker.pipelines) + 3)
        )
        every = self.settings.polling.command_interval_s
        self.wake = threading.Event()  # a new command (PostgreSQL NOTIFY) or a stop request
        self.commands = CommandLoop(
            lambda: worker.tick_commands().claimed, self.progress, every, self.stop, self.wake
        )
        self.wakeups = worker.request_wakeups()
        self.listener: threading.Thread | None = None
        self.guards: dict[str, JobGuard] = {}
        self.schedules: dict[str, Schedule] = {}
        self.unfinished: list[str] = []
        client = worker.client
        self.health = client.health if isinstance(client, PlatformClient) else PlatformHealth()
        self.counts = CountsCache(worker)
        self.monitoring = Monitoring(worker, self.health, self.counts, self._alive)
        self.alerts = (
            AlertWatch(self.counts, self.health, self.progress, self.schedules)
            if self.settings.alerts.enabled
            else None
        )

    def _default_stall_s(self) -> float:
        p = self.settings.platform
        longest = max(
            [
                self.settings.polling.default_interval_s,
                *self.settings.polling.feed_intervals_s.values(),
            ]
        )
        return max(60.0, 3 * longest, p.connect_timeout_s + p.read_timeout_s + 30.0)

    # --- start --------------------------------------------------------------------

    def schedule(self) -> None:
        """Register every job (not started yet)."""
        polling = self.settings.polling
        self._every("code_tables", self.worker.refresh_code_tables, CODE_TABLES_EVERY_S)
        for name in self.worker.pipelines:
            seconds = polling.feed_intervals_s.get(name, polling.default_interval_s)
            self._every(f"feed:{name}", feed_job(self.worker, name, self.stop, seconds), seconds)
        self._daily("daily_login", self.relogin, polling.daily_login_at)
        self._daily("archive_prune", self.prune, PRUNE_AT)
        self._daily("reconcile", self.reconcile, polling.reconcile_at)
        probe_s = self.settings.monitoring.probe_every_s
        self._every("platform_probe", self.monitoring.probe_if_idle, probe_s, watched=False)
        if self.alerts is not None:
            every = self.settings.alerts.evaluate_every_s
            self._every("alerts", self.alerts, every, watched=False)

    def _every(
        self, name: str, run: Callable[[], object], seconds: float, *, watched: bool = True
    ) -> None:
        """An interval job; ``watched``: its lateness is an alert (not the alerts' own job)."""
        guard = self.guards[name] = JobGuard(name, run, self.progress, base_backoff_s=seconds)
        self.scheduler.every(name, guard, seconds)
        if watched:
            self.schedules[name] = Schedule(every_s=seconds)

    def _daily(self, name: str, run: Callable[[], object], hhmm: str) -> None:
        self.scheduler.daily(name, JobGuard(name, run, self.progress), hhmm)
        self.schedules[name] = Schedule(at=hhmm)

    def relogin(self) -> None:
        client = self.worker.client
        if isinstance(client, PlatformClient):
            result = client.login()
            event(logger, "platform.daily_login", outcome=result.outcome.value)

    def prune(self) -> None:
        event(logger, "archive.pruned", rows=self.worker.prune_archive())

    def reconcile(self) -> None:
        try:
            from syncd.reconcile import reconcile_day
        except ImportError:
            event(logger, "reconcile.unavailable", logging.WARNING)
            return
        day: date = self.worker.clock().date() - timedelta(days=1)
        reconcile_day(
            self.settings,
            self.worker.engine,
            self.worker.client,
            day,
            feeds=self.worker.feeds,
            catalogue=self.worker.catalogue,
        )

    def install_signals(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.request_stop(signal.Signals(signum).name)

    def request_stop(self, why: str = "requested") -> None:
        if not self.stop.is_set():
            event(logger, "daemon.stop_requested", why=why)
        self.stop.set()
        self.wake.set()

    # --- the main loop ------------------------------------------------------------

    def _unsettled_of_disabled(self) -> None:
        """A WARNING per disabled feed whose calls are not all settled (``syncd check`` says
        it at the mapping's line); the database not answering now is the jobs' business."""
        try:
            found = self.worker.unsettled_of_disabled()
        except SourceError:
            return
        for feed, rows in found.items():
            event(logger, "daemon.disabled_feed_unsettled", logging.WARNING, feed=feed, rows=rows)

    def run(self) -> int:
        """Run until a stop is requested; 0 once every lease not in flight was given back
        (``unfinished`` then names jobs still stuck in a call after the stop timeout)."""
        event(logger, "daemon.starting", owner=self.worker.owner, feeds=len(self.worker.pipelines))
        self._unsettled_of_disabled()
        close_gate(self.worker, self.stop, self.progress)
        self.schedule()
        try:
            self.monitoring.start()
            self.scheduler.start()
            self.commands.start()
            self._listen()
            self._loop()
        finally:
            clean = self._shutdown()
        return 0 if clean else 1

    def _listen(self) -> None:
        """On PostgreSQL: a thread that wakes the command loop at every new command."""
        if self.wakeups is None:
            return
        self.listener = threading.Thread(
            target=self.wakeups.run, args=(self.wake.set, self.stop), name="syncd-listen"
        )
        self.listener.daemon = True
        self.listener.start()

    def _loop(self) -> None:
        ready = False
        next_status = next_ping = time.monotonic()
        jobs = {*self.guards, COMMANDS}
        while not self.stop.wait(self.loop_s if ready else READY_POLL_S):
            now = time.monotonic()
            if not ready and jobs <= self.progress.started:
                ready = True
                self.notifier.ready(self._status())
                next_status = now + STATUS_EVERY_S
                event(logger, "daemon.ready", owner=self.worker.owner)
            if self.notifier.watchdog_s and now >= next_ping and self._healthy():
                self.notifier.watchdog()
                next_ping = now + self.notifier.watchdog_s
            if ready and now >= next_status:
                self.notifier.status(self._status())
                next_status = now + STATUS_EVERY_S

    def _alive(self) -> bool:
        return self.scheduler.running and self.progress.healthy(self.stall_s)

    def _healthy(self) -> bool:
        healthy = self._alive()
        if not healthy:
            event(
                logger, "daemon.stalled", logging.ERROR, running=",".join(self.progress.running())
            )
        return healthy

    def _status(self) -> str:
        try:
            text = self.counts.get(fresh=True).status_line()
        except SourceError:
            text = "database unreachable / 数据库不可达"
        event(logger, "daemon.status", summary=text)
        return text

    # --- stop -------------------------------------------------------------------

    def _shutdown(self) -> bool:
        self.stop.set()
        self.wake.set()
        self.notifier.stopping("stopping: finishing calls in flight")
        event(logger, "daemon.stopping", running=",".join(self.progress.running()))
        self.scheduler.shutdown()
        deadline = time.monotonic() + self.stop_timeout_s
        while self.progress.running() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.commands.ident is not None:  # started (a failed start may not have)
            self.commands.join(max(0.0, deadline - time.monotonic()))
        if self.listener is not None:
            self.listener.join(max(1.0, deadline - time.monotonic()))
        self.unfinished = self.progress.running()
        self.monitoring.stop()
        try:
            self.worker.close()
        except SourceError as exc:
            event(logger, "daemon.release_failed", logging.ERROR, reason=exc.message)
            return False
        event(logger, "daemon.stopped", unfinished=",".join(self.unfinished))
        return True


def feed_job(
    worker: Worker, name: str, stop: threading.Event, interval_s: float
) -> Callable[[], object]:
    """One run of a feed job: ticks again at once while a tick claimed a full batch, so a
    backlog drains at the engine's speed instead of ``batch_size`` rows per interval.  While
    it drains, the view is searched for new rows at most once per ``interval_s``: a full
    discovery per batch cost more than the batch itself next to 1,000,000 synced rows —
    except right after a search that came back full (a search records at most 10,000 rows:
    the view holds more new rows, which would else wait an interval per 10,000)."""
    full = worker.settings.polling.batch_size
    log = TickLog()

    def run() -> None:
        searched = time.monotonic()
        report = worker.tick_feed(name)
        log(report)
        while (report.claimed >= full or report.searched_full) and not stop.is_set():
            due = report.searched_full or time.monotonic() - searched >= interval_s
            searched = time.monotonic() if due else searched
            report = worker.tick_feed(name, discover=due)
            log(report)

    return run


class TickLog:
    """``feed.tick`` (INFO) for a tick that found or settled something; a tick that changed
    nothing (nothing new, at most rows still WAITING) at most once per ``quiet_s``."""

    def __init__(
        self, quiet_s: float = QUIET_TICK_LOG_S, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.quiet_s, self._now = quiet_s, monotonic
        self._last: float | None = None

    def __call__(self, report: TickReport) -> None:
        changed = report.discovered or report.resent or any(k != "WAITING" for k in report.results)
        now = self._now()
        if not changed and self._last is not None and now - self._last < self.quiet_s:
            return
        self._last = now
        results = {status.lower(): n for status, n in sorted(report.results.items())}
        event(
            logger,
            "feed.tick",
            feed=report.feed,
            found=report.discovered,
            **({"resent": report.resent} if report.resent else {}),
            claimed=report.claimed,
            sent=report.sent,
            **results,
        )
