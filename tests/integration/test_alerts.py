"""Alerts end to end: the engine against the simulator over HTTP, a real SMTP server (aiosmtpd)
and a webhook receiver on 127.0.0.1 for the 企业微信, 钉钉 and JSON formats.  Each alert goes
out once at the fault and once at recovery; normal load sends nothing; a restart repeats
nothing; what a channel could not send (rate limit, failure) goes later, also after a restart."""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from alert_support import HookSink, SmtpSink, hooks, smtp
from engine_support import Env, admit, env, fee
from test_engine_fee_refill import upload_elsewhere

from syncd.config.operations_settings import AlertMailSettings, AlertSettings, WebhookSettings
from syncd.config.settings import ReconcileSettings, SmtpSettings
from syncd.db.alert_store import AlertRow, AlertStore
from syncd.platform.client import PlatformClient, SessionCache
from syncd.platform.health import PlatformHealth
from syncd.service.alerts.watch import AlertWatch
from syncd.service.jobs import JobProgress
from syncd.service.monitoring import CountsCache
from syncd.service.worker import Worker

__all__ = ["env", "hooks", "smtp"]
FORMATS = ("wecom", "dingtalk", "json")
HOST = socket.gethostname()[:30]
OUTAGE = f"platform_unreachable@{HOST}"  # what this host sees


def _configure(
    env: Env,
    smtp: SmtpSink | None,
    hooks: HookSink,
    min_interval_s: float = 0.0,
    formats: tuple[str, ...] = FORMATS,
) -> None:
    webhooks = [
        WebhookSettings(url=hooks.url(f"/{f}"), format=f, min_interval_s=min_interval_s)
        for f in formats
    ]  # type: ignore[arg-type]
    mail = AlertMailSettings(to=["yibao@example.org"] if smtp else [], min_interval_s=0)
    server = (
        SmtpSettings(host="127.0.0.1", port=smtp.port, starttls=False, sender="syncd@example.org")
        if smtp
        else SmtpSettings()
    )
    env.settings = env.settings.model_copy(
        update={
            "alerts": AlertSettings(settle_s=0, mail=mail, webhooks=webhooks),
            "reconcile": ReconcileSettings(smtp=server),
        }
    )


def _worker(env: Env) -> Worker:
    """A new process's worker: its own client and a health that knows nothing yet."""
    client = PlatformClient(env.settings.platform, sessions=SessionCache(), health=PlatformHealth())
    env.clients.append(client)
    return Worker(env.settings, env.feeds, engine=env.db, client=client, clock=env.clock)


def _watch(worker: Worker) -> AlertWatch:
    assert isinstance(worker.client, PlatformClient)
    return AlertWatch(CountsCache(worker), worker.client.health, JobProgress(["scheduler"]), {})


def _alert(env: Env, name: str) -> dict[str, Any]:
    table = env.tables.alert
    with env.db.connect() as conn:
        return dict(conn.execute(sa.select(table).where(table.c.name == name)).mappings().one())


def test_a_platform_outage_is_announced_once_at_the_fault_and_once_at_recovery(
    env: Env, smtp: SmtpSink, hooks: HookSink
) -> None:
    _configure(env, smtp, hooks)
    worker = _worker(env)
    watch = _watch(worker)
    admit(env)
    worker.once()
    watch()
    assert smtp.messages == [] and hooks.posts == [], "normal load sends nothing"

    env.sim.stop()  # the platform's port is closed
    fee(env, "F1", "10.00")
    worker.once()
    watch()
    watch()  # still down: nothing more
    assert [m["Subject"] for m in smtp.messages] == [
        f"【syncd】平台不可达 / platform unreachable（主机 {HOST}）"
    ]
    body = smtp.messages[0].get_content()
    assert "【告警】平台不可达" in body and "处理：检查本机到平台的网络" in body
    assert [p.path for p in hooks.delivered()] == ["/wecom", "/dingtalk", "/json"]
    wecom, dingtalk, plain = (p.body for p in hooks.delivered())
    assert wecom["msgtype"] == "markdown" and "【告警】平台不可达" in wecom["markdown"]["content"]
    assert "syncd" in dingtalk["markdown"]["title"] and "处理：" in dingtalk["markdown"]["text"]
    assert [(a["name"], a["state"], a["severity"]) for a in plain["alerts"]] == [
        (OUTAGE, "raised", "ERROR")
    ]

    restarted = _worker(env)  # a restart while the platform is still down
    again = _watch(restarted)
    again()
    env.clock.advance(60)
    restarted.once()
    again()
    assert len(smtp.messages) == 1 and len(hooks.posts) == 3, "a restart repeats nothing"

    env.sim.start()  # back on the same port
    env.clock.advance(60)
    restarted.once()
    again()
    again()
    assert [m["Subject"] for m in smtp.messages][1:] == [
        f"【syncd】平台恢复可达 / platform reachable again（主机 {HOST}）"
    ]
    cleared = [p.body for p in hooks.delivered("/json")][1]["alerts"][0]
    assert (cleared["state"], cleared["severity"]) == ("cleared", "WARNING")
    assert cleared["detail"].startswith("持续 ")
    assert len(hooks.posts) == 6
    row = _alert(env, OUTAGE)
    assert (row["active"], row["owed"]) == (0, None)


def test_what_a_channel_could_not_send_goes_later_even_after_a_restart(
    env: Env, hooks: HookSink
) -> None:
    """FAILED rows appear (one post); rows blocked behind a refused admission appear within the
    rate limit (owed, not sent); after a restart the owed notice goes; the webhook refuses the
    recovery once (HTTP 500) and it goes in the next pass, once."""
    _configure(env, None, hooks, min_interval_s=3600, formats=("json",))
    worker = _worker(env)
    s = env.tables.sync_status
    rows = [
        {
            "feed": "ip_fee",
            "source_key": "X1",
            "function_id": "bizh120002",
            "status": "FAILED",
            "created_at": env.clock.now,
        }
    ]
    with env.db.begin() as conn:
        conn.execute(sa.insert(s), rows)
    _watch(worker)()
    assert [a["name"] for p in hooks.delivered() for a in p.body["alerts"]] == ["failed_rows"]

    blocked = [
        {
            "feed": "ip_admission",
            "source_key": "9",
            "function_id": "bizh120103",
            "visit_key": "ZY9",
            "status": "REJECTED",
            "blocked_by": None,
            "created_at": env.clock.now,
        },
        {
            "feed": "ip_fee",
            "source_key": "Y1",
            "function_id": "bizh120002",
            "visit_key": "ZY9",
            "status": "WAITING",
            "blocked_by": "ip_admission:9",
            "created_at": env.clock.now,
        },
    ]
    with env.db.begin() as conn:
        conn.execute(sa.insert(s), blocked)
    watch = _watch(worker)
    watch()  # a new limiter: the blocked notice goes at once …
    watch()
    assert [a["name"] for p in hooks.delivered() for a in p.body["alerts"]] == [
        "failed_rows",
        "blocked_rows",
    ]
    with env.db.begin() as conn:
        conn.execute(sa.update(s).where(s.c.source_key == "X1").values(status="SUCCEEDED"))
    watch()  # … the recovery waits for the rate limit: owed
    assert len(hooks.posts) == 2 and _alert(env, "failed_rows")["owed"] == "webhook1"

    hooks.answers["/json"] = (500, b"busy")
    restarted = _watch(worker)
    restarted()  # after a restart the owed notice is sent: refused this time
    assert _alert(env, "failed_rows")["owed"] == "webhook1"
    del hooks.answers["/json"]
    restarted.announcer.channels[0].limit.min_interval_s = 0
    restarted()
    restarted()
    last = hooks.delivered()[-1].body["alerts"]
    assert [(a["name"], a["state"]) for a in last] == [("failed_rows", "cleared")]
    assert [p.status for p in hooks.posts] == [200, 200, 500, 200]


def test_of_two_engines_on_one_database_one_announces_and_one_sends(env: Env) -> None:
    """Both saw the change: the second compare-and-set fails (it does not announce); a notice
    claimed by one is not sent by the other until that claim ends."""
    store = AlertStore(env.db, env.tables)
    now = env.clock.now
    assert store.change("backlog", True, "积压", ["webhook1"], now, None)
    assert not store.change("backlog", True, "积压", ["webhook1"], now, None)
    row = store.load()["backlog"]
    assert not store.change("backlog", False, "", ["webhook1"], now, _stale(row))
    mine = store.claim(row, now, now + timedelta(seconds=120))
    assert mine is not None and store.claim(row, now, now + timedelta(seconds=120)) is None
    later = store.load()["backlog"]
    assert store.claim(later, now + timedelta(seconds=60), now) is None, "still claimed"
    assert store.settle(mine, [], now)
    assert store.load()["backlog"].owed == ()


def _stale(row: AlertRow) -> AlertRow:
    return AlertRow(
        row.name, row.active, row.since, row.detail, row.owed, row.claimed_until, row.version - 1
    )


def test_an_unknown_only_a_person_can_decide_is_announced_with_what_to_check(
    env: Env, hooks: HookSink
) -> None:
    """Another client put a row on the stay, syncd's next batch is processed and its reply
    lost, the city forbids deletion: the batch stays UNKNOWN for a person; the alert names it
    with both totals, and the visit's next fee row says it waits for that check."""
    _configure(env, None, hooks, formats=("json",))
    worker = _worker(env)
    admit(env)
    fee(env, "F1", "9.00")
    worker.once()
    upload_elsewhere(env, worker, str(env.status("ip_fee")["F1"]["request_id"]), "50.00")
    env.sim.add_faults("reply_lost:function=bizh120002")
    fee(env, "F2", "4.00")
    worker.once()
    env.sim.clear_faults()
    fee(env, "F3", "1.00")
    env.clock.advance(10)
    worker.once()
    waiting = env.status("ip_fee")["F3"]
    assert waiting["status"] == "WAITING"
    assert waiting["return_code_message"].startswith("等待人工核对：本次就诊的 ip_fee F2 结果未知")

    _watch(worker)()
    (person,) = [
        a
        for p in hooks.delivered()
        for a in p.body["alerts"]
        if a["name"] == "unknown_needs_person"
    ]
    assert person["state"] == "raised" and "ip_fee F2（就诊 ZY1）" in person["detail"]
    assert "63.00" in person["detail"] and "9.00" in person["detail"]
    assert "--processed" in person["action"]


def test_a_backlog_and_a_reconciliation_with_differences_each_go_once_on_and_once_off(
    env: Env, smtp: SmtpSink, hooks: HookSink
) -> None:
    """By mail and webhook, from what the staging tables say: the oldest PENDING row older than
    ``alerts.backlog_after_s`` raises the backlog, its sending clears it; the last finished
    reconciliation with differences raises that alert, the next clean one clears it.  A pass
    with nothing changed sends nothing."""
    _configure(env, smtp, hooks, formats=("json",))
    alerts = env.settings.alerts.model_copy(update={"backlog_after_s": 60.0})
    env.settings = env.settings.model_copy(update={"alerts": alerts})
    worker = _worker(env)
    watch = _watch(worker)
    now = env.clock.now
    s, run = env.tables.sync_status, env.tables.recon_run
    with env.db.begin() as conn:
        conn.execute(
            sa.insert(s).values(
                feed="ip_fee",
                source_key="P1",
                function_id="bizh120002",
                status="PENDING",
                created_at=now - timedelta(seconds=30),
                next_attempt_at=now,
            )
        )
    watch()
    assert hooks.posts == [] and smtp.messages == [], "30 s of waiting is no backlog"
    env.clock.advance(60)  # now 90 s
    with env.db.begin() as conn:
        conn.execute(
            sa.insert(run).values(
                recon_date=now.date(),
                status="DONE",
                started_at=now,
                finished_at=now,
                mismatch_count=3,
                report_html="/var/lib/syncd/reports/r.html",
            )
        )
    watch()
    watch()  # nothing changed: nothing more

    def states() -> list[tuple[str, str]]:
        return [(a["name"], a["state"]) for p in hooks.delivered() for a in p.body["alerts"]]

    assert sorted(states()) == [("backlog", "raised"), ("reconcile_differences", "raised")]
    assert [m["Subject"] for m in smtp.messages] == ["【syncd】告警 2 条"]
    body = smtp.messages[0].get_content()
    assert "数据积压" in body and "对账发现差异" in body and "r.html" in body

    with env.db.begin() as conn:
        conn.execute(sa.update(s).where(s.c.source_key == "P1").values(status="SUCCEEDED"))
        conn.execute(
            sa.insert(run).values(
                recon_date=now.date() + timedelta(days=1),
                status="DONE",
                started_at=now,
                finished_at=now + timedelta(seconds=1),
                mismatch_count=0,
            )
        )
    watch()
    watch()
    assert sorted(states()[2:]) == [("backlog", "cleared"), ("reconcile_differences", "cleared")]
    assert [m["Subject"] for m in smtp.messages][1:] == ["【syncd】恢复 2 条"]
    assert len(hooks.posts) == 2
