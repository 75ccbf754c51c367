"""``syncd reconcile [--date YYYY-MM-DD | --month YYYY-MM]``: reconcile one day now (the
daemon does it nightly), or write the monthly statement of a calendar month.

Exit codes: 0 everything matched, 3 discrepancies found (for monitoring), 1 the run failed,
69 the database or the platform unreachable, 78 configuration error; click's usage errors
(--date with --month, a month not begun) exit 2.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import click

from syncd.cli.context import CliContext
from syncd.core.bilingual import zh_en
from syncd.db.engine import make_engine
from syncd.platform.client import PlatformClient
from syncd.reconcile import ItemClass, ReconResult, reconcile_day, reconcile_month
from syncd.reconcile.tables import money_text
from syncd.reconcile.totals import KIND_ZH

_TITLE_EN = {
    ItemClass.HIS_ONLY: "in the HIS only",
    ItemClass.PLATFORM_ONLY: "on the platform only",
    ItemClass.AMOUNT_DIFF: "amounts differ",
    ItemClass.CANCELLED_HIS_ONLY: "cancelled in the HIS only",
    ItemClass.CANCELLED_PLATFORM_ONLY: "cancelled on the platform only",
    ItemClass.STUCK: "stuck in syncd",
    ItemClass.FEES_NOT_UPLOADED: "fees not uploaded",
    ItemClass.RECORD_OVERDUE: "medical record overdue",
    ItemClass.MATCHED: "matched",
}


def _today(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


@click.command()
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="对账日期（默认昨天）/ the day to reconcile (default: yesterday).",
)
@click.option(
    "--month",
    type=click.DateTime(formats=["%Y-%m"]),
    default=None,
    help="改为写出该月（YYYY-MM）的月度报表 / write the monthly statement of this month "
    "(YYYY-MM) instead.",
)
@click.option(
    "--no-mail",
    is_flag=True,
    help="即使设置了 SMTP 也不发送报告邮件 / do not mail the report even if SMTP is set.",
)
@click.pass_obj
def reconcile(obj: CliContext, day: datetime | None, month: datetime | None, no_mail: bool) -> None:
    """核对一天（或一个月）的结算：HIS 视图、syncd 台账与平台，写出报告 / compare the
    settlements of a day (or a month): HIS view, syncd ledger and platform; write the
    reports."""
    settings, feeds = obj.settings, obj.feeds  # a setting naming no feed stops here (78)
    today = _today(settings.platform.session_timezone)
    if day and month:
        raise click.UsageError(
            zh_en("--date 与 --month 只能选一个", "give --date or --month, not both")
        )
    if month and month.date() > today:
        raise click.BadParameter(
            zh_en(f"{month:%Y-%m} 尚未开始", "that month has not begun"), param_hint="--month"
        )
    engine = make_engine(settings.database)
    try:
        with PlatformClient(settings.platform) as client:
            if month:
                result = reconcile_month(
                    settings, engine, client, month.year, month.month, feeds=feeds, mail=not no_mail
                )
            else:
                wanted = day.date() if day else today - timedelta(days=1)
                result = reconcile_day(
                    settings, engine, client, wanted, feeds=feeds, mail=not no_mail
                )
    finally:
        engine.dispose()
    click.echo(describe(result))
    sys.exit(result.exit_code)


def describe(result: ReconResult) -> str:
    t = result.totals
    run = f"  run={result.run_id}" if result.run_id is not None else ""
    what = zh_en("对账日期", "day") if result.period.is_day else zh_en("月度报表", "month")
    lines = [
        f"{what}: {result.period.label}{run}",
        zh_en(
            f"医院 {t.his_count} 笔 {money_text(t.his_total)}  平台 {t.platform_count} 笔 "
            f"{money_text(t.platform_total)}  差额 {money_text(t.difference)}",
            f"HIS {t.his_count} {money_text(t.his_total)}, platform {t.platform_count} "
            f"{money_text(t.platform_total)}, difference {money_text(t.difference)}",
        ),
    ]
    lines += [
        "  "
        + zh_en(
            f"{KIND_ZH.get(kind, kind)}: 医院 {p.his.count} 笔 {money_text(p.his.total)}  "
            f"平台 {p.platform.count} 笔 {money_text(p.platform.total)}",
            f"{kind.lower()}: HIS {p.his.count} {money_text(p.his.total)}, "
            f"platform {p.platform.count} {money_text(p.platform.total)}",
        )
        for kind, p in t.by_kind.items()
        if p.his.count or p.platform.count
    ]
    lines += [
        f"{zh_en(cls.title_zh, _TITLE_EN.get(cls, cls.value))}: {n}"
        for cls in ItemClass
        if (n := t.by_class.get(cls, 0))
    ]
    reports = [result.files] + ([result.statement.files] if result.statement else [])
    lines += [f"{zh_en('报告', 'report')}: {path}" for files in reports for path in files.every]
    if result.statement_error:
        lines.append(f"月度报表未能生成 / statement failed: {result.statement_error}")
    if result.mailed:
        lines.append("已发送报告邮件 / report mailed")
    return "\n".join(lines)
