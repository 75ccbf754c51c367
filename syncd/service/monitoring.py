"""What ``syncd run`` serves on ``monitoring.listen``: the gauges computed at scrape time, and the
``/healthz`` and ``/readyz`` checks (the app itself: :mod:`syncd.monitor.http`).

Gauges computed from :func:`syncd.db.counts.read_counts` at each scrape (read-only; the counts
of ``syncd status`` and ``STATUS=``; commands count as the feed ``(commands)`` with NEW as
PENDING and DONE as SUCCEEDED):

=====================================================  ========================================
``syncd_rows{feed,status}``                            rows per feed and status
``syncd_rows_blocked{feed}``                           WAITING behind a refused registration
``syncd_rows_succeeded_today{feed}``                   succeeded since local midnight
``syncd_oldest_pending_age_seconds{feed}``             age of the oldest PENDING row (0: none)
``syncd_reconciliation_discrepancies``                 differences the last finished run found
``syncd_reconciliation_last_run_timestamp_seconds``    when that run finished
``syncd_database_up``                                  1 when the counts could be read, else 0
``syncd_platform_reachable``                           1/0 by the last exchange (absent: none yet)
``syncd_platform_login_refused``                       1 while the platform refuses our login
``syncd_platform_session_age_seconds``                 age of the valid session (absent: none)
=====================================================  ========================================

``/healthz`` is the daemon's own liveness (every lane progressed within the stall window, the
scheduler runs); ``/readyz`` needs the database reachable and the platform either holding a
valid session or reachable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError, ConfigProblem, SourceError
from syncd.db.counts import Counts, read_counts
from syncd.db.engine import check_connection
from syncd.monitor import metrics
from syncd.monitor.http import Health, MonitorServer, monitoring_app
from syncd.platform.health import PlatformHealth, probe
from syncd.service.worker import Worker

COUNTS_MAX_AGE_S = 5.0  # scrapes within this share one read of the counts


class CountsCache:
    """:func:`read_counts` for the worker's tables, read again once older than ``max_age_s``."""

    def __init__(self, worker: Worker, max_age_s: float = COUNTS_MAX_AGE_S) -> None:
        self.worker, self.max_age_s = worker, max_age_s
        self._lock = threading.Lock()
        self._last: tuple[float, Counts] | None = None

    def get(self, *, last_errors: bool = False, fresh: bool = False) -> Counts:
        with self._lock:
            if (
                not (fresh or last_errors)
                and self._last
                and (time.monotonic() - self._last[0] < self.max_age_s)
            ):
                return self._last[1]
            counts = read_counts(
                self.worker.engine, self.worker.tables, self.worker.clock(), last_errors=last_errors
            )
            self._last = (time.monotonic(), counts)
            return counts


class StagingCollector(Collector):
    """The gauges of the module docstring, computed at each scrape."""

    def __init__(self, counts: CountsCache, health: PlatformHealth, zone: ZoneInfo) -> None:
        self.counts, self.health, self.zone = counts, health, zone

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            counts: Counts | None = self.counts.get()
        except SourceError:
            counts = None
        yield GaugeMetricFamily(
            "syncd_database_up",
            "1 when the staging tables could be read.",
            value=0 if counts is None else 1,
        )
        if counts is not None:
            yield from self._staging(counts)
        yield from self._platform()

    def _staging(self, counts: Counts) -> Iterator[GaugeMetricFamily]:
        rows = GaugeMetricFamily(
            "syncd_rows", "Rows per feed and status.", labels=["feed", "status"]
        )
        blocked = _per_feed("syncd_rows_blocked", "Rows WAITING behind a refused registration.")
        today = _per_feed("syncd_rows_succeeded_today", "Rows succeeded since local midnight.")
        age = _per_feed("syncd_oldest_pending_age_seconds", "Age of the oldest PENDING row.")
        for feed in counts.every():
            for status, n in sorted(feed.by_status.items()):
                rows.add_metric([feed.feed, status], n)
            blocked.add_metric([feed.feed], feed.blocked)
            today.add_metric([feed.feed], feed.succeeded_today)
            oldest = feed.oldest_pending
            age.add_metric(
                [feed.feed], max(0.0, (counts.at - oldest).total_seconds()) if oldest else 0.0
            )
        yield from (rows, blocked, today, age)
        last = counts.reconciliation
        found = GaugeMetricFamily(
            "syncd_reconciliation_discrepancies",
            "Differences found by the last finished reconciliation.",
        )
        ended = GaugeMetricFamily(
            "syncd_reconciliation_last_run_timestamp_seconds",
            "When the last finished reconciliation ended.",
        )
        if last is not None:
            found.add_metric([], last.mismatches)
            if last.finished_at is not None:
                ended.add_metric([], self._epoch(last.finished_at))
        yield from (found, ended)

    def _platform(self) -> Iterator[GaugeMetricFamily]:
        seen = self.health.snapshot()
        reachable = GaugeMetricFamily(
            "syncd_platform_reachable", "1 when the last exchange with the platform got an answer."
        )
        if seen.reachable is not None:
            reachable.add_metric([], 1 if seen.reachable else 0)
        yield reachable
        yield GaugeMetricFamily(
            "syncd_platform_login_refused",
            "1 while the platform refuses our login.",
            value=1 if seen.login_refused else 0,
        )
        age = GaugeMetricFamily(
            "syncd_platform_session_age_seconds",
            "Seconds since the login of the valid platform session.",
        )
        if (session_age := seen.session_age_s()) is not None:
            age.add_metric([], session_age)
        yield age

    def _epoch(self, local: datetime) -> float:
        return local.replace(tzinfo=self.zone).timestamp()


def _per_feed(name: str, documentation: str) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=["feed"])


class Monitoring:
    """The collector on :data:`~syncd.monitor.metrics.REGISTRY`, call metrics from the client's
    health, the server on ``monitoring.listen`` and the idle probe; ``alive`` is the daemon's."""

    def __init__(
        self, worker: Worker, health: PlatformHealth, counts: CountsCache, alive: Callable[[], bool]
    ) -> None:
        self.worker, self.health, self.counts, self._alive = worker, health, counts, alive
        self.settings = worker.settings.monitoring
        zone = ZoneInfo(worker.settings.platform.session_timezone)
        self.collector = StagingCollector(counts, health, zone)
        self.server: MonitorServer | None = None
        self._started = False

    def start(self) -> None:
        """Listen (ConfigError when ``monitoring.listen`` cannot be bound), then collect."""
        address = self.settings.address()
        if address is not None:
            app = monitoring_app(metrics.REGISTRY, alive=self.alive, ready=self.ready)
            try:
                self.server = MonitorServer(app, *address)
            except OSError as exc:
                raise ConfigError(
                    [
                        ConfigProblem(
                            "monitoring.listen",
                            0,
                            0,
                            zh_en(
                                f"无法监听 {self.settings.listen}",
                                f"cannot listen on {self.settings.listen}: "
                                f"{exc.strerror or type(exc).__name__}",
                            ),
                            zh_en(
                                "另一个程序（或另一个 syncd）占用了它：换一个 host:port，"
                                "或设置 monitoring.listen: null",
                                "another program (or another syncd) uses it: choose another "
                                "host:port, or set monitoring.listen: null",
                            ),
                        )
                    ]
                ) from exc
            self.server.start()
        metrics.REGISTRY.register(self.collector)
        self.health.subscribe(metrics.record_call)
        self._started = True

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self._started:
            self.health.unsubscribe(metrics.record_call)
            metrics.REGISTRY.unregister(self.collector)
            self._started = False

    def alive(self) -> Health:
        ok = self._alive()
        return ok, {"alive": ok}

    def ready(self) -> Health:
        try:
            check_connection(self.worker.engine)
            database = True
        except SourceError:
            database = False
        seen = self.health.snapshot()
        platform = seen.session_valid() or seen.reachable is True
        return database and platform, {
            "database": database,
            "platform": platform,
            "platform_reachable": seen.reachable,
            "session_valid": seen.session_valid(),
        }

    def probe_if_idle(self) -> None:
        """No exchange for ``probe_every_s``: check with a TCP connect whether the platform
        still answers (sends nothing)."""
        last = self.health.snapshot().last_exchange_at
        if last is not None and time.time() - last < self.settings.probe_every_s:
            return
        platform = self.worker.settings.platform
        ok, why = probe(platform.url, platform.connect_timeout_s)
        self.health.exchanged(ok, why)
