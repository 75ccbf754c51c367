"""Which alert conditions hold now (no I/O: everything is handed in as :class:`Observed`).

A condition is True (holds), False (does not) or None (not known now — the platform has not
been talked to since the start, a daily job has not been due yet, it is outside working
hours): None keeps whatever was announced last, so a restart never clears or raises by itself.

What one process sees for itself — the platform's reachability and login, its jobs — is named
after its host (``platform_unreachable@his-app1``): two engines sharing a database announce
their own views instead of undoing each other's.  What the tables say is one alert for all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncd.config.operations_settings import AlertSettings, InactivitySettings
from syncd.db.counts import Counts, FeedCounts
from syncd.db.person_cases import PersonCase
from syncd.platform.health import HealthSnapshot
from syncd.service.alerts.texts import HOST_MARK, JOB_PREFIX, duration_zh
from syncd.service.jobs import Schedule

MIN_LATE_S = 60.0


@dataclass(frozen=True)
class Condition:
    name: str
    active: bool | None
    detail: str = ""  # Chinese: what is wrong now (counts, feeds, times; no personal data)


@dataclass(frozen=True)
class JobView:
    name: str
    schedule: Schedule
    last_success: float | None  # wall-clock end of its last successful run in this process
    running: bool


@dataclass(frozen=True)
class Observed:
    counts: Counts  # ``counts.at`` is now, naive local time (the staging tables' clock)
    platform: HealthSnapshot
    jobs: Sequence[JobView]
    started: float  # wall clock when this process began watching its jobs
    wall: float  # wall clock now
    zone: ZoneInfo  # the scheduler's time zone (daily jobs)
    host: str  # this process's host: the name of what it sees for itself
    # the UNKNOWNs only a person can decide: how many, and the oldest few (read only while
    # there are UNKNOWN rows or commands at all)
    person_cases: tuple[int, tuple[PersonCase, ...]] = (0, ())

    def own(self, name: str) -> str:
        return f"{name}{HOST_MARK}{self.host}"


def evaluate(seen: Observed, settings: AlertSettings) -> list[Condition]:
    """Every condition, in a stable order."""
    checks: list[Callable[[Observed, AlertSettings], Condition]] = [
        _platform_unreachable,
        _login_refused,
        _backlog,
        _failed,
        _unknown,
        _needs_person,
        _blocked,
        _inactivity,
        _reconciliation,
    ]
    return [check(seen, settings) for check in checks] + [
        _job(job, seen, settings) for job in seen.jobs
    ]


def _platform_unreachable(seen: Observed, _: AlertSettings) -> Condition:
    p = seen.platform
    if p.reachable is None:
        return Condition(seen.own("platform_unreachable"), None)
    return Condition(
        seen.own("platform_unreachable"),
        not p.reachable,
        f"最近一次连接：{p.reason}" if p.reason else "",
    )


def _login_refused(seen: Observed, _: AlertSettings) -> Condition:
    p = seen.platform
    known = p.login_refused or p.logged_in_at is not None
    return Condition(seen.own("platform_login_refused"), p.login_refused if known else None)


def _backlog(seen: Observed, settings: AlertSettings) -> Condition:
    oldest = seen.counts.oldest_pending()
    if oldest is None or oldest.oldest_pending is None:
        return Condition("backlog", False)
    waited = (seen.counts.at - oldest.oldest_pending).total_seconds()
    pending = seen.counts.total("PENDING")
    detail = f"最早的待发送数据已等待 {duration_zh(waited)}（{oldest.feed}）；待发送共 {pending} 条"
    return Condition("backlog", waited > settings.backlog_after_s, detail)


def _by_feed(counts: Counts, of: Callable[[FeedCounts], int]) -> str:
    return "、".join(f"{f.feed} {of(f)} 条" for f in counts.every() if of(f))


def _counted(name: str, label: str, counts: Counts, of: Callable[[FeedCounts], int]) -> Condition:
    total = sum(of(f) for f in counts.every())
    return Condition(
        name, total > 0, f"{label} {total} 条：{_by_feed(counts, of)}" if total else ""
    )


def _failed(seen: Observed, _: AlertSettings) -> Condition:
    return _counted("failed_rows", "失败", seen.counts, lambda f: f.count("FAILED"))


def _unknown(seen: Observed, _: AlertSettings) -> Condition:
    return _counted("unknown_rows", "结果未知", seen.counts, lambda f: f.count("UNKNOWN"))


def _needs_person(seen: Observed, _: AlertSettings) -> Condition:
    """An UNKNOWN syncd cannot decide by querying: never silent — each named with its reason
    (what to check: the two totals, the batch, the stays)."""
    count, cases = seen.person_cases
    if not count:
        return Condition("unknown_needs_person", False)
    more = f"；另有 {count - len(cases)} 条" if count > len(cases) else ""
    lines = "；".join(case.line() for case in cases)
    return Condition("unknown_needs_person", True, f"需人工核对 {count} 条：{lines}{more}")


def _blocked(seen: Observed, _: AlertSettings) -> Condition:
    return _counted("blocked_rows", "受阻", seen.counts, lambda f: f.blocked)


def _reconciliation(seen: Observed, _: AlertSettings) -> Condition:
    last = seen.counts.reconciliation
    if last is None:
        return Condition("reconcile_differences", None)
    report = f"；报告：{last.report_html}" if last.report_html else ""
    return Condition(
        "reconcile_differences",
        last.mismatches > 0,
        f"{last.day:%Y-%m-%d} 对账发现 {last.mismatches} 处差异{report}",
    )


# --- inactivity -------------------------------------------------------------------------


def _inactivity(seen: Observed, settings: AlertSettings) -> Condition:
    calendar, now = settings.inactivity, seen.counts.at
    if calendar.quiet_s is None:
        return Condition("inactivity", None)
    newest = seen.counts.newest()
    if newest is not None and (now - newest).total_seconds() < calendar.quiet_s:
        return Condition("inactivity", False)
    start = working_start(now, calendar)
    if start is None:
        return Condition("inactivity", None)
    quiet = (now - max(start, newest or start)).total_seconds()
    if quiet < calendar.quiet_s:
        return Condition("inactivity", None)
    last = f"；最近一条新数据：{newest:%Y-%m-%d %H:%M}" if newest else ""
    return Condition("inactivity", True, f"工作时间内已 {duration_zh(quiet)} 没有新数据{last}")


def is_working_day(day: date, calendar: InactivitySettings) -> bool:
    if day in calendar.extra_working_days:
        return True
    return day.isoweekday() in calendar.working_days and day not in calendar.holidays


def working_start(now: datetime, calendar: InactivitySettings) -> datetime | None:
    """Today's start of working hours when ``now`` is within them on a working day."""
    start, end = (_hhmm(t) for t in calendar.working_hours)
    if not is_working_day(now.date(), calendar) or not start <= now.time() < end:
        return None
    return datetime.combine(now.date(), start)


def _hhmm(text: str) -> time:
    hour, minute = (int(part) for part in text.split(":"))
    return time(hour, minute)


# --- jobs --------------------------------------------------------------------------------


def _job(job: JobView, seen: Observed, settings: AlertSettings) -> Condition:
    name = seen.own(JOB_PREFIX + job.name)
    if job.running:
        return Condition(name, False)
    if job.schedule.at is not None:
        late = _daily_late(job, job.schedule.at, seen, settings.daily_job_grace_s)
        plan = f"每天 {job.schedule.at}"
    else:
        every = job.schedule.every_s or 0.0
        late = _interval_late(job, max(MIN_LATE_S, settings.job_late_factor * every), seen)
        plan = f"每 {every:g} 秒"
    last = (
        f"上次成功：{datetime.fromtimestamp(job.last_success, seen.zone):%Y-%m-%d %H:%M:%S}"
        if job.last_success
        else "本次启动后尚未成功运行"
    )
    return Condition(name, late, f"计划{plan}；{last}")


def _interval_late(job: JobView, late_s: float, seen: Observed) -> bool | None:
    if seen.wall - (job.last_success or seen.started) > late_s:
        return True
    return False if job.last_success else None


def _daily_late(job: JobView, hhmm: str, seen: Observed, grace_s: float) -> bool | None:
    due = last_due(hhmm, seen.wall - grace_s, seen.zone)
    if job.last_success is not None and job.last_success >= due:
        return False
    if due <= seen.started:  # it was due before we started: we cannot tell
        return False if job.last_success else None
    return True


def last_due(hhmm: str, wall: float, zone: ZoneInfo) -> float:
    """The latest time of day ``hhmm`` (in ``zone``) at or before ``wall``."""
    here = datetime.fromtimestamp(wall, zone)
    due = datetime.combine(here.date(), _hhmm(hhmm), tzinfo=zone)
    return (due if due <= here else due - timedelta(days=1)).timestamp()
