"""The daemon's ``alerts`` job: observe, evaluate, announce (see the package docstring)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping, Sequence
from zoneinfo import ZoneInfo

from syncd.db.alert_store import AlertStore
from syncd.db.person_cases import read_person_cases
from syncd.platform.health import PlatformHealth
from syncd.service.alerts.announcer import Announcer
from syncd.service.alerts.channels import Channel, channels_of
from syncd.service.alerts.conditions import JobView, Observed, evaluate
from syncd.service.jobs import JobProgress, Schedule
from syncd.service.monitoring import CountsCache


class AlertWatch:
    """One pass per call: the counts, the platform's health and the jobs → the announcer."""

    def __init__(
        self,
        counts: CountsCache,
        health: PlatformHealth,
        progress: JobProgress,
        schedules: Mapping[str, Schedule],
        *,
        channels: Sequence[Channel] | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        worker = counts.worker
        self.settings = worker.settings
        self.counts, self.health, self.progress, self.schedules = (
            counts,
            health,
            progress,
            schedules,
        )
        self.zone = ZoneInfo(self.settings.platform.session_timezone)
        self._wall = wall
        self.host = socket.gethostname()[:30]
        found = channels_of(self.settings) if channels is None else list(channels)
        self.announcer = Announcer(
            AlertStore(worker.engine, worker.tables),
            found,
            settle_s=self.settings.alerts.settle_s,
            clock=worker.clock,
        )

    def __call__(self) -> None:
        self.announcer.run(evaluate(self.observe(), self.settings.alerts))

    def observe(self) -> Observed:
        jobs = [
            JobView(
                name, schedule, self.progress.last_success(name), self.progress.is_running(name)
            )
            for name, schedule in sorted(self.schedules.items())
        ]
        counts = self.counts.get(fresh=True)
        worker = self.counts.worker
        cases = (
            read_person_cases(worker.engine, worker.tables) if counts.total("UNKNOWN") else (0, ())
        )
        return Observed(
            counts,
            self.health.snapshot(),
            jobs,
            self.progress.since,
            self._wall(),
            self.zone,
            self.host,
            cases,
        )
