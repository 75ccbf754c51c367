"""Which alert conditions hold, from counts, the platform's health and the jobs (pure): the
working calendar, the backlog threshold, late jobs, and "not known" never clearing anything."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncd.config.operations_settings import AlertSettings, InactivitySettings
from syncd.db.counts import Counts, FeedCounts, LastReconciliation
from syncd.db.person_cases import PersonCase
from syncd.platform.health import HealthSnapshot
from syncd.service.alerts.conditions import (
    JobView,
    Observed,
    evaluate,
    is_working_day,
    last_due,
)
from syncd.service.alerts.texts import text_of
from syncd.service.jobs import Schedule

ZONE = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2026, 11, 25, 10, 0, 0)
WALL = WEDNESDAY.replace(tzinfo=ZONE).timestamp()
UNKNOWN_PLATFORM = HealthSnapshot(None, "", None, None, False, None, None)


def _counts(at: datetime = WEDNESDAY, **feeds: FeedCounts) -> Counts:
    return Counts(at, feeds, FeedCounts("(commands)"), None)


def _seen(
    counts: Counts | None = None,
    platform: HealthSnapshot = UNKNOWN_PLATFORM,
    jobs: tuple[JobView, ...] = (),
    started: float = WALL - 3600,
    wall: float = WALL,
) -> Observed:
    return Observed(counts or _counts(), platform, jobs, started, wall, ZONE, "his-app1")


def _states(seen: Observed, **settings: Any) -> dict[str, bool | None]:
    return {c.name: c.active for c in evaluate(seen, AlertSettings(**settings))}


def test_nothing_known_yet_keeps_every_announced_state() -> None:
    """Right after a start: no exchange, no reconciliation, nothing in the tables outside
    working hours — None (keep), so a restart neither raises nor clears by itself."""
    saturday = datetime(2026, 11, 28, 10, 0)
    states = _states(_seen(_counts(saturday)))
    assert (
        states["platform_unreachable@his-app1"] is None
        and states["platform_login_refused@his-app1"] is None
    )
    assert states["reconcile_differences"] is None and states["inactivity"] is None
    assert (states["backlog"], states["failed_rows"], states["unknown_rows"]) == (False,) * 3


def test_unreachable_and_login_refused_are_two_conditions() -> None:
    down = HealthSnapshot(False, "ConnectError", 1.0, 1.0, False, None, None)
    refused = HealthSnapshot(True, "", 1.0, 1.0, True, None, None)
    assert _states(_seen(platform=down))["platform_unreachable@his-app1"] is True
    assert _states(_seen(platform=down))["platform_login_refused@his-app1"] is None
    assert _states(_seen(platform=refused))["platform_unreachable@his-app1"] is False
    assert _states(_seen(platform=refused))["platform_login_refused@his-app1"] is True


def test_backlog_starts_when_the_oldest_pending_row_is_older_than_the_setting() -> None:
    fee = FeedCounts("ip_fee", {"PENDING": 4}, oldest_pending=WEDNESDAY - timedelta(minutes=16))
    raised = evaluate(_seen(_counts(ip_fee=fee)), AlertSettings(backlog_after_s=900))
    backlog = next(c for c in raised if c.name == "backlog")
    assert backlog.active is True and "16 分钟" in backlog.detail and "ip_fee" in backlog.detail
    assert _states(_seen(_counts(ip_fee=fee)), backlog_after_s=1200)["backlog"] is False


def test_failed_unknown_and_blocked_rows_by_feed() -> None:
    fee = FeedCounts("ip_fee", {"FAILED": 2, "UNKNOWN": 1}, blocked=3)
    found = {c.name: c for c in evaluate(_seen(_counts(ip_fee=fee)), AlertSettings())}
    assert found["failed_rows"].active and found["failed_rows"].detail == "失败 2 条：ip_fee 2 条"
    assert found["unknown_rows"].active and found["blocked_rows"].active


def test_an_unknown_only_a_person_can_decide_is_named_with_what_to_check() -> None:
    """Never silent: each such UNKNOWN in the detail with its reason (both totals here)."""
    fee = FeedCounts("ip_fee", {"UNKNOWN": 3})
    reason = "结果未知：平台费用总额104.00与已知上传0.00及本批5.00不符，请人工核对"
    cases = (3, (PersonCase("ip_fee", "F1", "ZY1", reason),))
    seen = replace(_seen(_counts(ip_fee=fee)), person_cases=cases)
    found = {c.name: c for c in evaluate(seen, AlertSettings())}
    person = found["unknown_needs_person"]
    assert person.active and "ip_fee F1（就诊 ZY1）" in person.detail and "104.00" in person.detail
    assert person.detail.startswith("需人工核对 3 条") and "另有 2 条" in person.detail
    assert not {c.name: c for c in evaluate(_seen(), AlertSettings())}[
        "unknown_needs_person"
    ].active
    assert "--processed" in text_of("unknown_needs_person").action


def test_a_reconciliation_with_differences_holds_until_a_clean_one() -> None:
    dirty = Counts(
        WEDNESDAY,
        {},
        FeedCounts("(commands)"),
        LastReconciliation(date(2026, 11, 24), 3, WEDNESDAY, "r.html"),
    )
    clean = Counts(
        WEDNESDAY,
        {},
        FeedCounts("(commands)"),
        LastReconciliation(date(2026, 11, 25), 0, WEDNESDAY, "r.html"),
    )
    assert _states(_seen(dirty))["reconcile_differences"] is True
    assert _states(_seen(clean))["reconcile_differences"] is False


def test_working_days_holidays_and_swapped_weekends() -> None:
    calendar = InactivitySettings(
        holidays=[date(2026, 10, 1)], extra_working_days=[date(2026, 9, 27)]
    )
    assert is_working_day(date(2026, 11, 25), calendar)  # Wednesday
    assert not is_working_day(date(2026, 11, 28), calendar)  # Saturday
    assert not is_working_day(date(2026, 10, 1), calendar)  # a holiday on a Thursday
    assert is_working_day(date(2026, 9, 27), calendar)  # a working Sunday


def test_inactivity_counts_quiet_time_within_working_hours_only() -> None:
    """Rows last came yesterday at 16:00: at 09:00 the working day is one hour old (not yet);
    at 10:30 it is quiet for 2.5 hours (raised); a row 10 minutes ago clears it, any time."""
    yesterday = FeedCounts("ip_fee", newest=datetime(2026, 11, 24, 16, 0))
    at = datetime(2026, 11, 25, 9, 0)
    assert _states(_seen(_counts(at, ip_fee=yesterday)))["inactivity"] is None
    later = datetime(2026, 11, 25, 10, 30)
    found = evaluate(_seen(_counts(later, ip_fee=yesterday)), AlertSettings())
    inactivity = next(c for c in found if c.name == "inactivity")
    assert inactivity.active is True and "2 小时 30 分钟" in inactivity.detail
    evening = datetime(2026, 11, 25, 20, 0)
    fresh = FeedCounts("ip_fee", newest=evening - timedelta(minutes=10))
    assert _states(_seen(_counts(evening, ip_fee=fresh)))["inactivity"] is False
    assert (
        _states(
            _seen(_counts(later, ip_fee=yesterday)), inactivity=InactivitySettings(quiet_s=None)
        )["inactivity"]
        is None
    )


def test_an_interval_job_is_late_after_the_factor_of_its_interval() -> None:
    fresh = JobView("feed:ip_fee", Schedule(every_s=10), WALL - 20, running=False)
    stale = JobView("feed:ip_fee", Schedule(every_s=10), WALL - 61, running=False)
    busy = JobView("feed:ip_fee", Schedule(every_s=10), WALL - 600, running=True)
    never = JobView("feed:ip_fee", Schedule(every_s=10), None, running=False)
    assert _states(_seen(jobs=(fresh,)))["job:feed:ip_fee@his-app1"] is False
    assert (
        _states(_seen(jobs=(stale,)))["job:feed:ip_fee@his-app1"] is True
    )  # 3 × 10 s, at least 60 s
    assert (
        _states(_seen(jobs=(busy,)))["job:feed:ip_fee@his-app1"] is False
    )  # draining: the watchdog's
    assert _states(_seen(jobs=(never,), started=WALL - 30))["job:feed:ip_fee@his-app1"] is None
    assert _states(_seen(jobs=(never,), started=WALL - 90))["job:feed:ip_fee@his-app1"] is True


def test_a_daily_job_is_late_only_when_it_was_due_while_we_ran() -> None:
    """reconcile at 02:00, grace one hour: at 10:00 it was due at 02:00 today."""
    due = datetime(2026, 11, 25, 2, 0, tzinfo=ZONE).timestamp()
    assert last_due("02:00", WALL - 3600, ZONE) == due
    ran = JobView("reconcile", Schedule(at="02:00"), due + 300, running=False)
    missed = JobView("reconcile", Schedule(at="02:00"), None, running=False)
    assert _states(_seen(jobs=(ran,), started=due - 86400))["job:reconcile@his-app1"] is False
    assert _states(_seen(jobs=(missed,), started=due - 86400))["job:reconcile@his-app1"] is True
    assert _states(_seen(jobs=(missed,), started=due + 60))["job:reconcile@his-app1"] is None
