"""``syncd jointtest``: the joint-test rehearsal kit (cases, evidence report, undo)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import click

from syncd.cli.context import CliContext
from syncd.config import load_settings
from syncd.config.loader import CONFIG_ENV
from syncd.core.errors import EXIT_ATTENTION
from syncd.core.text import display_width
from syncd.jointtest.evidence import CaseResult, CaseVerdict
from syncd.jointtest.rehearse import Options, RehearsalOutcome, rehearse
from syncd.logs import setup_logging

_FILE = click.Path(dir_okay=False, exists=True, path_type=Path)
_FOLDER = click.Path(file_okay=False, path_type=Path)


@click.command()
@click.option(
    "--simulator",
    is_flag=True,
    help="对本机模拟平台演练，不读设置文件 / rehearse against the embedded simulator, "
    "whatever settings file there is.",
)
@click.option(
    "--cases",
    type=_FILE,
    default=None,
    help="用例文件（默认：随 syncd 发布的用例）/ case list (default: the shipped one).",
)
@click.option(
    "--persons",
    type=_FILE,
    default=None,
    help="测试人员文件（经办机构提供的人员；默认：模拟平台的人员）/ test persons file.",
)
@click.option(
    "--keep",
    type=_FOLDER,
    default=None,
    help="保留数据库（含报文归档）与报告于此目录 / keep the database (with the message "
    "archive) and the report in DIR (default: a temp dir removed at exit).",
)
@click.option(
    "--report-dir",
    type=_FOLDER,
    default=None,
    help="报告写到此目录（默认 --keep 的目录，否则当前目录）/ where the report goes.",
)
@click.option(
    "--keep-business",
    is_flag=True,
    help="不撤销本次在平台上产生的业务 / leave what the cases created on the platform.",
)
@click.option(
    "--case-timeout",
    type=click.FloatRange(min=1),
    default=120.0,
    show_default=True,
    help="每个用例最长等待秒数 / seconds a case may take.",
)
@click.option("--no-progress", is_flag=True, help="不逐项显示 / no line per case.")
@click.pass_obj
def jointtest(
    ctx: CliContext,
    simulator: bool,
    cases: Path | None,
    persons: Path | None,
    keep: Path | None,
    report_dir: Path | None,
    keep_business: bool,
    case_timeout: float,
    no_progress: bool,
) -> None:
    """联调演练：按经办机构联调的顺序执行每个用例（经 HIS 视图、WI_REQUEST、同步引擎和平台客户端），
    写出中文证据报告（HTML、XLSX），并撤销产生的业务 / the joint-test rehearsal: every case
    through the production path, a Chinese evidence report, then undo.

    没有设置文件时对内置默认运行（SQLite HIS + 本机模拟平台）；有设置文件（--config、
    $SYNCD_CONFIG 或 ./syncd.yaml）时对其中的平台运行，该平台须标记 platform.test_environment:
    true。退出码：0 全部通过；3 有用例不通过或未能撤销；69 平台无法连接；78 设置或用例文件有误。"""
    setup_logging("ERROR")
    options = _options(
        ctx, simulator, cases, persons, keep, report_dir, keep_business, case_timeout
    )
    where = (
        "本机模拟平台 / the embedded simulator"
        if options.settings is None
        else (f"{options.settings.platform.url}（{options.config_file}）")
    )
    click.echo(f"syncd 联调演练 / joint test — 平台 / platform: {where}")
    try:
        outcome = rehearse(options, None if no_progress else _line)
    finally:
        if keep is None:
            shutil.rmtree(options.folder, ignore_errors=True)
    _summary(outcome, keep)
    if not outcome.evidence.passed:
        sys.exit(EXIT_ATTENTION)


def _options(
    ctx: CliContext,
    simulator: bool,
    cases: Path | None,
    persons: Path | None,
    keep: Path | None,
    report_dir: Path | None,
    keep_business: bool,
    case_timeout: float,
) -> Options:
    path = ctx.config_file
    named = ctx.config_option is not None or CONFIG_ENV in ctx.environ
    use = not simulator and (named or path.exists())
    settings = load_settings(path, ctx.environ) if use else None
    folder = keep.resolve() if keep else Path(tempfile.mkdtemp(prefix="syncd-jointtest-"))
    return Options(
        folder=folder,
        report_dir=(report_dir or keep or Path.cwd()).resolve(),
        cases=cases,
        persons=persons,
        keep_business=keep_business,
        case_timeout_s=case_timeout,
        settings=settings,
        config_file=str(path),
    )


def _line(result: CaseResult) -> None:
    why = f"  {result.reason}" if result.reason else ""
    ids = result.function_ids
    ids += " " * max(0, 24 - display_width(ids))
    click.echo(
        f"  {result.case_id:<9} {result.verdict.value}  {ids} {result.seconds:5.1f} 秒  "
        f"{result.title}{why}"
    )


def _summary(outcome: RehearsalOutcome, keep: Path | None) -> None:
    evidence = outcome.evidence
    click.echo("")
    click.echo(evidence.summary_zh)
    click.echo(f"报告 / report: {outcome.files.html}")
    click.echo(f"               {outcome.files.xlsx}")
    if keep is not None:
        click.echo(
            f"数据库（含报文归档 WI_MESSAGE）/ database with the message archive: "
            f"{outcome.site_folder / 'his.db'}"
        )
    failed = [
        r
        for r in (*evidence.results, *evidence.undo)
        if r.verdict in (CaseVerdict.FAILED, CaseVerdict.NOT_RUN)
    ]
    if failed:
        click.echo("不通过或未执行 / failed or not run: " + "、".join(r.case_id for r in failed))
