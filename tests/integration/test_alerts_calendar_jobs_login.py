"""Alerts end to end, continued (the harness of ``test_alerts``: the engine against the simulator
over HTTP, aiosmtpd and a webhook receiver on 127.0.0.1): no new work-injury rows within working
hours on a working day (the calendar from the settings), a job that missed its schedule, and the
platform refusing our login (wrong password, ``return_code`` -1: not an outage).  Each goes out
once at the fault (mail and webhook) and once at recovery, nothing in between, in Chinese with
what to do.  Time moves through the clocks the code takes (the engine's clock, the watch's and
the jobs' wall clock); nothing sleeps."""

from __future__ import annotations

from datetime import date

import pytest
from alert_support import HookSink, SmtpSink, hooks, smtp
from engine_support import Env, admit, any_env, env, fee
from pydantic import SecretStr
from test_alerts import HOST, _configure, _watch, _worker

from syncd.config.operations_settings import InactivitySettings
from syncd.platform.client import PlatformClient
from syncd.service.alerts.watch import AlertWatch
from syncd.service.jobs import JobProgress, Schedule
from syncd.service.monitoring import CountsCache
from syncd.service.worker import Worker

__all__ = ["any_env", "env", "hooks", "smtp"]
WEDNESDAY = date(2026, 11, 25)  # the engine's clock starts there at 09:00


def _states(hooks: HookSink) -> list[tuple[str, str]]:
    return [(a["name"], a["state"]) for p in hooks.delivered("/json") for a in p.body["alerts"]]


def _calendar(env: Env, calendar: InactivitySettings) -> None:
    alerts = env.settings.alerts.model_copy(update={"inactivity": calendar})
    env.settings = env.settings.model_copy(update={"alerts": alerts})


def test_no_new_rows_within_working_hours_is_announced_once_and_cleared_by_the_next_row(
    any_env: Env, smtp: SmtpSink, hooks: HookSink
) -> None:
    """The admission arrives at 09:00; one hour of quiet raises the alert — not on a day the
    calendar lists as a holiday; quiet going on sends nothing more; the next fee row clears it.
    On SQLite, PostgreSQL and MariaDB (the newest row's time is read from the staging table)."""
    env = any_env
    _configure(env, smtp, hooks, formats=("json",))
    hours = InactivitySettings(quiet_s=3600, working_hours=("08:00", "17:30"))
    _calendar(env, hours.model_copy(update={"holidays": [WEDNESDAY]}))
    worker = _worker(env)
    admit(env)
    worker.once()  # the admission row, created at 09:00
    _watch(worker)()
    env.clock.advance(3601)  # 10:00:01, quiet for an hour …
    _watch(worker)()  # … but today is a holiday in the calendar
    assert smtp.messages == [] and hooks.posts == [], "normal load and a holiday send nothing"

    _calendar(env, hours)  # the same day as a working day
    worker = _worker(env)
    watch = _watch(worker)
    watch()
    env.clock.advance(1800)  # still quiet, half an hour later
    watch()
    assert _states(hooks) == [("inactivity", "raised")]
    assert [m["Subject"] for m in smtp.messages] == [
        "【syncd】工作时间内没有新的工伤数据 / no new work-injury rows"
    ]
    body = smtp.messages[0].get_content()
    assert "【告警】工作时间内没有新的工伤数据" in body and "没有新数据" in body
    assert "处理：确认 HIS 是否正常录入工伤病人" in body and "alerts.inactivity.holidays" in body
    (raised,) = hooks.delivered()[0].body["alerts"]
    assert "工作时间内已 1 小时 0 分钟 没有新数据" in raised["detail"]
    assert "最近一条新数据：2026-11-25 09:00" in raised["detail"]

    fee(env, "F1", "10.00")
    env.clock.advance(60)
    worker.once()  # a new row: activity again
    watch()
    watch()
    assert _states(hooks)[1:] == [("inactivity", "cleared")]
    assert [m["Subject"] for m in smtp.messages][1:] == [
        "【syncd】已有新的工伤数据 / new work-injury rows again"
    ]
    assert "【恢复】已有新的工伤数据" in smtp.messages[1].get_content()
    assert len(smtp.messages) == 2 and len(hooks.posts) == 2


class Wall:
    """The wall clock of the jobs and the watch, moved by the test."""

    def __init__(self, start: float = 1_795_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def _job_watch(worker: Worker, wall: Wall, progress: JobProgress) -> AlertWatch:
    assert isinstance(worker.client, PlatformClient)
    schedules = {"feed:ip_fee": Schedule(every_s=10)}
    return AlertWatch(CountsCache(worker), worker.client.health, progress, schedules, wall=wall)


def test_a_job_that_missed_its_schedule_is_announced_once_and_cleared_by_its_next_success(
    env: Env, smtp: SmtpSink, hooks: HookSink
) -> None:
    """``feed:ip_fee`` runs every 10 s (late after 3 × 10 s, at least 60 s): on time nothing
    goes; 61 s without a success raises the alert; later passes add nothing; its next success
    clears it."""
    _configure(env, smtp, hooks, formats=("wecom", "json"))
    wall = Wall()
    progress = JobProgress(["scheduler"], wall=wall)
    watch = _job_watch(_worker(env), wall, progress)
    progress.begin("scheduler", "feed:ip_fee")
    progress.end("scheduler", "feed:ip_fee")
    progress.succeeded("feed:ip_fee")
    watch()
    wall.now += 30
    watch()
    assert smtp.messages == [] and hooks.posts == [], "a job on schedule sends nothing"

    wall.now += 31  # 61 s since its last success
    watch()
    wall.now += 120
    watch()  # still late: nothing more
    name = f"job:feed:ip_fee@{HOST}"
    assert [p.path for p in hooks.delivered()] == ["/wecom", "/json"]
    (raised,) = hooks.delivered("/json")[0].body["alerts"]
    assert (raised["name"], raised["state"], raised["severity"]) == (name, "raised", "WARNING")
    assert (
        raised["title"] == f"任务未按计划完成 / job missed its schedule：feed:ip_fee（主机 {HOST}）"
    )
    assert raised["detail"].startswith("计划每 10 秒；上次成功：")
    assert "journalctl -u syncd" in raised["action"]
    assert "【告警】任务未按计划完成" in hooks.delivered("/wecom")[0].body["markdown"]["content"]
    (mail,) = smtp.messages
    assert mail["Subject"] == f"【syncd】{raised['title']}"
    assert "处理：在日志（journalctl -u syncd）中查看该任务" in mail.get_content()

    progress.begin("scheduler", "feed:ip_fee")
    progress.end("scheduler", "feed:ip_fee")
    progress.succeeded("feed:ip_fee")  # on schedule again
    watch()
    wall.now += 5
    watch()
    cleared = [a for p in hooks.delivered("/json") for a in p.body["alerts"]][1:]
    assert [(a["name"], a["state"]) for a in cleared] == [(name, "cleared")]
    assert cleared[0]["title"].startswith("任务恢复按计划运行 / job on schedule：feed:ip_fee")
    assert [m["Subject"] for m in smtp.messages][1:] == [f"【syncd】{cleared[0]['title']}"]
    assert len(hooks.posts) == 4


def test_a_refused_login_is_announced_once_not_as_an_outage_and_cleared_after_the_fix(
    env: Env, smtp: SmtpSink, hooks: HookSink, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong password: the platform answers (reachable) and refuses the login with -1 — one
    "login refused" alert, no "unreachable"; more polls add nothing; after the password is
    corrected and syncd restarted, the first accepted login clears it, once."""
    _configure(env, smtp, hooks, formats=("dingtalk", "json"))
    right = env.settings.platform
    wrong = right.model_copy(update={"password": SecretStr("not-the-password")})
    env.settings = env.settings.model_copy(update={"platform": wrong})
    worker = _worker(env)
    watch = _watch(worker)
    admit(env)
    worker.once()
    watch()
    env.clock.advance(60)
    worker.once()  # refused again
    watch()
    refused = f"platform_login_refused@{HOST}"
    assert _states(hooks) == [(refused, "raised")], "refused once, and not an outage"
    (raised,) = hooks.delivered("/json")[0].body["alerts"]
    assert raised["severity"] == "ERROR"
    assert raised["title"] == f"平台拒绝登录 / platform login refused（主机 {HOST}）"
    assert "核对 platform.userid 与平台密码" in raised["action"]
    assert (
        "处理：平台以账号或密码错误拒绝登录"
        in hooks.delivered("/dingtalk")[0].body["markdown"]["text"]
    )
    (mail,) = smtp.messages
    assert mail["Subject"] == f"【syncd】{raised['title']}"
    assert "改正后重启 syncd" in mail.get_content()
    assert env.status("ip_admission")["1"]["status"] != "SUCCEEDED"

    env.settings = env.settings.model_copy(update={"platform": right})
    restarted = _worker(env)  # corrected and restarted: nothing known before its first login
    again = _watch(restarted)
    again()
    assert len(smtp.messages) == 1 and len(hooks.posts) == 2, "a restart repeats nothing"
    env.clock.advance(60)
    restarted.once()
    again()
    again()
    assert _states(hooks)[1:] == [(refused, "cleared")]
    assert [m["Subject"] for m in smtp.messages][1:] == [
        f"【syncd】平台登录恢复正常 / platform login accepted（主机 {HOST}）"
    ]
    assert len(hooks.posts) == 4
    assert env.status("ip_admission")["1"]["status"] == "SUCCEEDED"
    events = [r.getMessage() for r in caplog.records]
    assert [e for e in events if e in ("alert.raised", "alert.cleared")] == [
        "alert.raised",
        "alert.cleared",
    ], "the journal: once on, once off"
    assert "platform.unreachable" not in events and "platform.login_refused" in events
