"""APScheduler 3.x wiring — the only module that imports apscheduler.

:class:`Scheduler` runs plain callables: :meth:`Scheduler.every` (an interval job that starts at
once) and :meth:`Scheduler.daily` (a wall-clock time of day in the configured time zone).
Every job is ``coalesce=True`` (a backlog of missed runs becomes one run) and
``max_instances=1`` (a feed never ticks twice at the same time).  A late run is never skipped
silently: interval jobs may start up to two intervals late, daily jobs however late
(``misfire_grace_time=None``), and a run APScheduler still drops is logged as
``job.misfired``; a run refused because the previous one is still busy as ``job.still_busy``.
Catching a job's exceptions is the caller's business (see :mod:`syncd.service.daemon`): what reaches
APScheduler is logged as ``job.crashed`` with the exception's type only.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobEvent,
    JobExecutionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from syncd.logs import event

logger = logging.getLogger(__name__)
Job = Callable[[], object]


class Scheduler:
    """A background scheduler with syncd's job defaults and misfire logging."""

    def __init__(self, timezone: str, *, threads: int) -> None:
        self.zone = ZoneInfo(timezone)
        self._aps = BackgroundScheduler(
            timezone=self.zone,
            executors={"default": ThreadPoolExecutor(max_workers=threads)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        watched = EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR
        self._aps.add_listener(self._on_event, watched)
        self.names: list[str] = []
        # APScheduler's own warnings (a late or refused run) are logged as events below.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)

    def every(self, name: str, run: Job, seconds: float) -> None:
        """Run ``run`` now and then every ``seconds``."""
        trigger = IntervalTrigger(seconds=seconds, timezone=self.zone)
        grace = max(1, math.ceil(2 * seconds))
        self._aps.add_job(
            run,
            trigger,
            id=name,
            name=name,
            misfire_grace_time=grace,
            next_run_time=datetime.now(self.zone),
        )
        self.names.append(name)

    def daily(self, name: str, run: Job, hhmm: str) -> None:
        """Run ``run`` every day at ``hhmm`` (HH:MM, the scheduler's time zone)."""
        hour, minute = (int(part) for part in hhmm.split(":"))
        trigger = CronTrigger(hour=hour, minute=minute, timezone=self.zone)
        self._aps.add_job(run, trigger, id=name, name=name, misfire_grace_time=None)
        self.names.append(name)

    def next_run(self, name: str) -> datetime | None:
        job = self._aps.get_job(name)
        return None if job is None else job.next_run_time

    def start(self) -> None:
        self._aps.start()

    @property
    def running(self) -> bool:
        return bool(self._aps.running)

    def shutdown(self) -> None:
        """Start no new run; runs in progress go on (the daemon waits for them, bounded)."""
        if self._aps.running:
            self._aps.shutdown(wait=False)

    @staticmethod
    def _on_event(ev: JobEvent) -> None:
        if ev.code == EVENT_JOB_MISSED:
            event(logger, "job.misfired", logging.WARNING, job=ev.job_id)
        elif ev.code == EVENT_JOB_MAX_INSTANCES:
            event(logger, "job.still_busy", logging.DEBUG, job=ev.job_id)
        elif isinstance(ev, JobExecutionEvent) and ev.exception is not None:
            event(
                logger,
                "job.crashed",
                logging.ERROR,
                job=ev.job_id,
                error=type(ev.exception).__name__,
            )
