"""``syncd reconcile --date YYYY-MM-DD``: reconcile one day now (the daemon does it nightly).

Exit codes: 0 everything matched, 2 discrepancies found (for monitoring), 1 the run failed,
78 configuration error.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import click

from syncd.cli.context import CliContext
from syncd.db.engine import make_engine
from syncd.platform.client import PlatformClient
from syncd.reconcile import ItemClass, ReconResult, reconcile_day


def _yesterday(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date() - timedelta(days=1)


@click.command()
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to reconcile (default: yesterday).")  # fmt: skip
@click.option("--no-mail", is_flag=True, help="Do not mail the report even if SMTP is set.")
@click.pass_obj
def reconcile(obj: CliContext, day: datetime | None, no_mail: bool) -> None:
    """Compare the day's settlements: HIS view, syncd ledger and platform; write reports."""
    settings = obj.settings
    wanted = day.date() if day else _yesterday(settings.platform.session_timezone)
    engine = make_engine(settings.database)
    try:
        with PlatformClient(settings.platform) as client:
            result = reconcile_day(settings, engine, client, wanted, mail=not no_mail)
    finally:
        engine.dispose()
    click.echo(describe(result))
    sys.exit(result.exit_code)


def describe(result: ReconResult) -> str:
    t = result.totals
    lines = [
        f"对账日期 {result.day.isoformat()}  run={result.run_id}",
        f"医院 {t.his_count} 笔 {t.his_total:.2f}  平台 {t.platform_count} 笔 "
        f"{t.platform_total:.2f}",
    ]
    lines += [f"{cls.title_zh}: {n}" for cls in ItemClass if (n := t.by_class.get(cls, 0))]
    lines += [f"report: {result.files.html}", f"report: {result.files.xlsx}",
              f"report: {result.files.csv}"]  # fmt: skip
    if result.mailed:
        lines.append("已发送报告邮件 / report mailed")
    return "\n".join(lines)


COMMANDS = [reconcile]
