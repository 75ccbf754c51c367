"""``syncd demo``: a day of work-injury activity against the simulator, no configuration."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import click

from syncd.core.errors import SyncdError
from syncd.core.text import display_width
from syncd.demo.report import DemoTables, request_table, summary_table
from syncd.demo.run import TIMEOUT_S, DemoSite, prepare, reconcile, run_day, today
from syncd.logs import setup_logging


class _Progress:
    """Live counts on one line on a terminal; one plain line per finished stage otherwise."""

    def __init__(self, live: bool) -> None:
        self.live, self.stage, self.width = live, 0, 0

    def __call__(self, text: str, final: bool) -> None:
        if self.live:
            pad = " " * max(0, self.width - display_width(text))
            click.echo(f"\r{text}{pad}", nl=final)
            self.width = 0 if final else display_width(text)
        elif final:
            click.echo(text)


@click.command()
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="把 HIS 数据库、设置和报告保留在 DIR（默认用临时目录，结束后删除）"
    "/ keep the HIS database, settings and reports in DIR (default: a temp dir "
    "removed at exit).",
)
@click.option("--no-progress", is_flag=True, help="不显示实时进度行 / no live progress line.")
def demo(keep: Path | None, no_progress: bool) -> None:
    """在 SQLite 与模拟平台上演示一天的工伤业务（门诊、住院、退费、取消、被拒数据、基金冻结）
    / a day of work-injury activity (outpatient, inpatient, refunds, cancellations, a rejected
    row, a frozen fund) through syncd and the platform simulator, on SQLite."""
    setup_logging("ERROR")
    started = time.monotonic()
    folder = keep.resolve() if keep else Path(tempfile.mkdtemp(prefix="syncd-demo-"))
    click.echo(f"syncd 演示 / demo — 工作目录 / folder: {folder}")
    live = not no_progress and sys.stdout.isatty()
    try:
        finished = _run(prepare(folder, today()), _Progress(live))
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    took = time.monotonic() - started
    click.echo(f"用时 / took {took:.1f} s")
    if keep is None:
        click.echo(
            "临时目录已删除；用 --keep DIR 保留数据库与报告 / "
            "temp folder removed; use --keep DIR to keep the files"
        )
    if not finished:
        raise SyncdError(
            f"演示未能在 {TIMEOUT_S:.0f} 秒内处理完全部数据（待发送或发送中的记录见上）/ "
            f"the demo's work did not finish within {TIMEOUT_S:.0f} s (pending rows above)"
        )


def _run(site: DemoSite, progress: _Progress) -> bool:
    try:
        click.echo(f"模拟平台 / simulator: {site.sim.endpoint}")
        finished = run_day(site, progress)
        lines = DemoTables(site.engine, site.tables).summary(site.feeds, site.catalogue)
        click.echo("\n汇总 / summary\n" + summary_table(lines))
        click.echo(
            "\nHIS 读取的命令回执 / WI_REQUEST as the HIS reads it\n"
            + request_table(site.engine, site.tables)
        )
        reports = reconcile(site)
    finally:
        site.close()
    _where(site, reports)
    return finished


def _where(site: DemoSite, reports: list[str]) -> None:
    db = site.database
    click.echo("")
    click.echo(f"HIS 数据库 / database (SQLite): {db}")
    click.echo("  中间表 / staging tables: WI_REQUEST, WI_REQUEST_ROW, WI_SYNC_STATUS, WI_VISIT")
    click.echo("  报文归档 / message archive: table WI_MESSAGE")
    click.echo(f"  设置 / settings: {site.folder / 'syncd.yaml'}")
    click.echo(
        f'  例 / e.g.: sqlite3 {db} "SELECT id, command, status, return_code_message'
        ' FROM WI_REQUEST"'
    )
    if reports:
        click.echo(f"对账报告 / reconciliation report ({site.day.isoformat()}):")
        for path in reports:
            click.echo(f"  {path}")
    else:
        click.echo("对账模块未安装，未生成对账报告 / syncd.reconcile is not installed: no report")
