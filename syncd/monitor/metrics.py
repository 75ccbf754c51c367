"""syncd's Prometheus registry and the metrics recorded as things happen.

:data:`REGISTRY` is syncd's own registry (not prometheus_client's global one: no process or
GC metrics of whichever library imported first, and a test or a console can mount exactly
this).  Recorded here, by the functions below:

=============================================  ===========================================
``syncd_platform_calls_total{function,outcome}``  every platform call and login, by outcome
                                                  (SUCCEEDED / REJECTED / RETRY / UNKNOWN)
``syncd_platform_call_duration_seconds{function}``  call latency (histogram)
``syncd_unknown_resolutions_total{verdict,by}``   how UNKNOWN outcomes were settled: verdict
                                                  PROCESSED / NOT_PROCESSED / UNDECIDED, by
                                                  ``query`` (a platform query) or
                                                  ``operator`` (``syncd retry --processed`` …)
``syncd_job_last_success_timestamp_seconds{job}``  end of each job's last successful run
``syncd_alert_active{alert}``                     1 while an alert is raised, else 0
=============================================  ===========================================

The gauges computed at scrape time (rows per feed and status, oldest pending age, platform
reachability, session age, the last reconciliation) are a collector the daemon registers on
:data:`REGISTRY` (:mod:`syncd.service.monitoring`).

:func:`record_resolution` is for the engine step that settles an UNKNOWN (and for the
operator's verdicts); ``record_call`` is subscribed to the platform client's health observer.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from syncd.core.records import Outcome

REGISTRY = CollectorRegistry()
PREFIX = "syncd_"
VERDICTS = ("PROCESSED", "NOT_PROCESSED", "UNDECIDED")
RESOLVED_BY = ("query", "operator")
_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)

CALLS = Counter(
    "syncd_platform_calls",
    "Platform calls and logins by function and outcome.",
    ("function", "outcome"),
    registry=REGISTRY,
)
CALL_SECONDS = Histogram(
    "syncd_platform_call_duration_seconds",
    "Platform call latency by function (seconds).",
    ("function",),
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
RESOLUTIONS = Counter(
    "syncd_unknown_resolutions",
    "UNKNOWN outcomes settled, by verdict and by whom (query or operator).",
    ("verdict", "by"),
    registry=REGISTRY,
)
JOB_LAST_SUCCESS = Gauge(
    "syncd_job_last_success_timestamp_seconds",
    "Unix time of the end of each job's last successful run.",
    ("job",),
    registry=REGISTRY,
)
ALERT_ACTIVE = Gauge(
    "syncd_alert_active", "1 while the alert is raised, else 0.", ("alert",), registry=REGISTRY
)


def record_call(function_id: str, outcome: Outcome, duration_s: float) -> None:
    """One platform call (or login) ended."""
    CALLS.labels(function_id, outcome.value).inc()
    CALL_SECONDS.labels(function_id).observe(max(0.0, duration_s))


def record_resolution(verdict: str, by: str = "query") -> None:
    """An UNKNOWN outcome was settled: ``verdict`` one of :data:`VERDICTS` (a
    :class:`syncd.rules.resolve.Found` value), ``by`` one of :data:`RESOLVED_BY`."""
    if verdict not in VERDICTS or by not in RESOLVED_BY:
        raise ValueError(f"unknown resolution {verdict!r} by {by!r}")
    RESOLUTIONS.labels(verdict, by).inc()


def record_job_success(job: str, at: float | None = None) -> None:
    JOB_LAST_SUCCESS.labels(job).set(time.time() if at is None else at)


def record_alert(alert: str, active: bool) -> None:
    ALERT_ACTIVE.labels(alert).set(1 if active else 0)


_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "gauge": ("",),
}


def metric_names() -> set[str]:
    """Every series name the registry exposes (a counter as ``…_total``, a histogram as
    ``…_bucket``/``…_sum``/``…_count``), with or without samples yet: for checking the alert
    rules and the dashboard against what is served."""
    return {
        family.name + suffix
        for family in REGISTRY.collect()
        for suffix in _SUFFIXES.get(family.type, ("",))
    }
