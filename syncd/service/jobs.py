"""The daemon's jobs: their heartbeats, their boundary, and when each last succeeded.

* :class:`JobProgress` — heartbeats per lane (the watchdog's test), the jobs running now, and the
  wall-clock end of each job's last successful run (the ``syncd_job_last_success…`` metric and
  the "job missed its schedule" alert).
* :class:`JobGuard` — one job's boundary: an exception is logged (event name and exception
  type, never a payload) and the job runs again next time; a :class:`SourceError` (database
  unreachable) backs that job off exponentially without touching the others.
* :class:`Schedule` — how often a job is meant to run (every N seconds, or daily at HH:MM).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from syncd.core.errors import ShutdownRequested, SourceError, SyncdError
from syncd.logs import event
from syncd.monitor.metrics import record_job_success

logger = logging.getLogger(__name__)
MAX_SOURCE_BACKOFF_S = 300.0
SCHEDULER, COMMANDS = "scheduler", "commands"
Monotonic = Callable[[], float]


@dataclass(frozen=True)
class Schedule:
    """Every ``every_s`` seconds, or daily at ``at`` (HH:MM in the scheduler's time zone)."""

    every_s: float | None = None
    at: str | None = None


class JobProgress:
    """Heartbeats per lane, the jobs running, and each job's last success (thread-safe)."""

    def __init__(
        self,
        lanes: Iterable[str],
        monotonic: Monotonic = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._now, self._wall = monotonic, wall
        self._lock = threading.Lock()
        self._beats = {lane: self._now() for lane in lanes}
        self._running: dict[str, float] = {}
        self._succeeded: dict[str, float] = {}
        self.started: set[str] = set()
        self.since = wall()  # when this process started watching

    def beat(self, lane: str) -> None:
        with self._lock:
            self._beats[lane] = self._now()

    def begin(self, lane: str, job: str) -> None:
        with self._lock:
            self._beats[lane] = self._running[job] = self._now()
            self.started.add(job)

    def end(self, lane: str, job: str) -> None:
        with self._lock:
            self._beats[lane] = self._now()
            self._running.pop(job, None)

    def succeeded(self, job: str) -> None:
        at = self._wall()
        with self._lock:
            self._succeeded[job] = at
        record_job_success(job, at)

    def last_success(self, job: str) -> float | None:
        """Wall-clock end of the job's last successful run in this process (None: not yet)."""
        with self._lock:
            return self._succeeded.get(job)

    def is_running(self, job: str) -> bool:
        with self._lock:
            return job in self._running

    def running(self) -> list[str]:
        with self._lock:
            return sorted(self._running)

    def healthy(self, stall_s: float) -> bool:
        """Every lane beat within ``stall_s``."""
        now = self._now()
        with self._lock:
            return all(now - beat <= stall_s for beat in self._beats.values())


class JobGuard:
    """One job's boundary: logs and survives anything, backs off on database trouble."""

    def __init__(
        self,
        name: str,
        run: Callable[[], object],
        progress: JobProgress,
        *,
        lane: str = SCHEDULER,
        base_backoff_s: float = 1.0,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self.name, self.run, self.progress, self.lane = name, run, progress, lane
        self.base_backoff_s, self._now = base_backoff_s, monotonic
        self.failures = 0
        self.resume_at = 0.0

    def __call__(self) -> bool:
        """Run once unless backing off; True when the job ran without an error."""
        if self._now() < self.resume_at:
            self.progress.beat(self.lane)
            return False
        self.progress.begin(self.lane, self.name)
        try:
            self.run()
        except ShutdownRequested:
            return False
        except SourceError as exc:
            self._back_off(exc)
            return False
        except Exception as exc:  # the job boundary: log it, the job runs again next time
            event(
                logger,
                "job.failed",
                logging.ERROR,
                job=self.name,
                error=type(exc).__name__,
                reason=exc.message if isinstance(exc, SyncdError) else "",
            )
            return False
        finally:
            self.progress.end(self.lane, self.name)
        self.failures, self.resume_at = 0, 0.0
        self.progress.succeeded(self.name)
        return True

    def _back_off(self, exc: SourceError) -> None:
        self.failures += 1
        delay = min(MAX_SOURCE_BACKOFF_S, self.base_backoff_s * 2 ** (self.failures - 1))
        self.resume_at = self._now() + delay
        event(
            logger,
            "job.source_error",
            logging.WARNING,
            job=self.name,
            reason=exc.message,
            failures=self.failures,
            backoff_s=round(delay, 3),
        )
