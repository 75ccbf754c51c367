"""``syncd run``, ``syncd once`` and ``syncd retry``: the daemon (with the operations console
when ``console.enabled``), one pass, and an operator's re-queue (nothing old is re-sent
automatically at start-up)."""

from __future__ import annotations

import getpass
import logging
import os
import sys
from datetime import datetime
from typing import TYPE_CHECKING

import click

from syncd.cli.context import CliContext
from syncd.config.settings import Settings
from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError
from syncd.engine.operator import NO_PLATFORM, Actor
from syncd.engine.reports import found_by_feed
from syncd.mapping import FeedSpec
from syncd.mapping.names import did_you_mean
from syncd.service.daemon import Daemon
from syncd.service.worker import Worker

if TYPE_CHECKING:
    from syncd.console.server import ConsoleServer

logger = logging.getLogger(__name__)


def unknown_feed(name: str, feeds: dict[str, FeedSpec]) -> str:
    hint = did_you_mean(name, feeds)
    return zh_en(f"没有业务 '{name}'", f"unknown feed '{name}'") + (f"; {hint}" if hint else "")


def _feeds(settings: Settings) -> dict[str, FeedSpec]:
    """The feeds of the command's settings (:attr:`CliContext.feeds`, checked against them)."""
    obj = click.get_current_context().find_object(CliContext)
    assert obj is not None and obj.settings is settings
    return obj.feeds


@click.command("run")
@click.pass_obj
def run_daemon(obj: CliContext) -> None:
    """运行守护进程直到 SIGTERM/SIGINT（不执行 init-db：每次安装或升级后手动执行一次）/ run the
    daemon until SIGTERM/SIGINT (it does not run init-db: do that once per upgrade)."""
    settings = obj.settings
    daemon = Daemon(Worker(settings, obj.feeds))
    console = _console_beside(daemon) if settings.console.enabled else None
    daemon.install_signals()
    try:
        code = daemon.run()
    finally:
        if console is not None:
            console.stop()
    if daemon.unfinished:  # a call still hangs after the stop timeout: do not wait for it
        logging.shutdown()
        os._exit(code)
    sys.exit(code)


def _console_beside(daemon: Daemon) -> ConsoleServer:
    """``console.enabled``: the operations console in this process (ConfigError when its
    address is taken, before the daemon starts)."""
    from syncd.console.serving import beside

    console = beside(daemon)
    console.start()
    return console


@click.command()
@click.option(
    "--feed",
    default=None,
    help="只处理该业务（默认全部已启用的）/ only this feed (default: every enabled feed).",
)
@click.pass_obj
def once(obj: CliContext, feed: str | None) -> None:
    """处理一遍全部已启用的业务和命令表后退出 / one pass over every enabled feed and the
    command table, then exit."""
    settings, feeds = obj.settings, obj.feeds
    if feed is not None and feed not in feeds:
        raise ConfigError(unknown_feed(feed, feeds))
    worker = Worker(settings, feeds)
    try:
        report = worker.once(feed)
    finally:
        worker.close()
    click.echo(
        zh_en(
            "一遍处理完毕：每个业务一行，new 新发现，claimed 已领取，其余为各结果的条数",
            "one pass done: a line per feed, new rows found, rows claimed, then a count per result",
        )
    )
    found = found_by_feed(report.feeds)
    for tick in report.feeds:
        results = " ".join(f"{k}={v}" for k, v in sorted(tick.results.items()))
        resent = f" resent={tick.resent}" if tick.resent else ""
        counts = f"found={found[tick.feed]}{resent} claimed={tick.claimed} sent={tick.sent}"
        click.echo(f"{tick.feed}: {counts} {results}".strip())
    if report.commands is not None:
        results = " ".join(f"{k}={v}" for k, v in sorted(report.commands.results.items()))
        click.echo(f"commands: claimed={report.commands.claimed} {results}".strip())


@click.command()
@click.argument("feed", required=False)
@click.argument("key", required=False)
@click.option(
    "--failed",
    is_flag=True,
    help="重新排队全部 FAILED 记录（或 --feed 指定的业务）/ re-queue every FAILED row "
    "(of --feed F).",
)
@click.option(
    "--rejected",
    is_flag=True,
    help="HIS 改正数据后，把 REJECTED 记录（或 --feed 指定的业务）作为新的一次重新排队 / re-queue "
    "REJECTED rows (of --feed F) as a new attempt, after the HIS data was fixed.",
)
@click.option(
    "--feed",
    "only_feed",
    default=None,
    help="与 --failed/--rejected 一起：只处理该业务 / with --failed/--rejected: only this feed.",
)
@click.option(
    "--reason",
    default=None,
    help="与 --rejected 一起：只处理错误信息含此文字的记录 / with --rejected: only rows whose "
    "error contains this text.",
)
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]),
    default=None,
    help="与 --rejected 一起：只处理此时间（本地时间）及以后被拒的记录 / with --rejected: only "
    "rows rejected at or after this time (local).",
)
@click.option(
    "--not-processed",
    "not_processed",
    is_flag=True,
    help="与 UNKNOWN 记录的 FEED KEY 一起：已在平台核对，该调用未处理；重新发送（同一调用的其他记录"
    "也是）/ with FEED KEY of an UNKNOWN row: you checked the platform and its call was not "
    "processed; send it again (the other rows of that call too).",
)
@click.option(
    "--processed",
    is_flag=True,
    help="与 UNKNOWN 记录的 FEED KEY 一起：已在平台核对，该调用已处理；登记为成功（同一调用的其他"
    "记录和就诊台账也是）/ with FEED KEY of an UNKNOWN row: you checked the platform and its "
    "call was processed; conclude it (the other rows of that call too) and the visit.",
)
@click.option(
    "--aaz218",
    default=None,
    help="与 --processed 一起：平台上入院登记或门诊挂号的就医登记号 / with --processed: the "
    "platform's 就医登记号 of an admission or registration.",
)
@click.option(
    "--bka001",
    default=None,
    help="与 --processed 一起：平台上门诊结算或退费的批次号 / with --processed: the platform's "
    "batch number of an outpatient settlement or refund.",
)
@click.pass_obj
def retry(
    obj: CliContext,
    feed: str | None,
    key: str | None,
    failed: bool,
    rejected: bool,
    only_feed: str | None,
    reason: str | None,
    since: datetime | None,
    not_processed: bool,
    processed: bool,
    aaz218: str | None,
    bka001: str | None,
) -> None:
    """重新排队：`retry FEED KEY` 一条记录（命令为其请求 id）、`retry --failed`、`retry --rejected
    [--reason TEXT] [--since T]`；人工核对后 `retry FEED KEY --not-processed` 重新发送 UNKNOWN
    记录，`retry FEED KEY --processed [--aaz218 …] [--bka001 …]` 登记为已处理；未执行时说明原因
    （退出码 4） / re-queue: `retry FEED KEY` one row (a command: its request id), `retry
    --failed`, `retry --rejected [--reason TEXT] [--since T]`; `retry FEED KEY --not-processed`
    sends an UNKNOWN row again after a manual check, `retry FEED KEY --processed [--aaz218 …]
    [--bka001 …]` concludes it.  An action that does nothing says why (exit 4)."""
    bulk = failed or rejected
    if bulk == bool(feed and key) or (failed and rejected):
        raise click.UsageError(
            zh_en(
                "请给出 FEED KEY、--failed 或 --rejected [--feed F] 之一",
                "use either FEED KEY, --failed or --rejected [--feed F]",
            )
        )
    if ((not_processed or processed) and bulk) or (not_processed and processed):
        raise click.UsageError(
            zh_en(
                "--not-processed 或 --processed 与 FEED KEY（一条 UNKNOWN 记录）一起使用",
                "--not-processed or --processed goes with FEED KEY (one UNKNOWN row)",
            )
        )
    if (aaz218 or bka001) and not processed:
        raise click.UsageError(
            zh_en(
                "--aaz218 和 --bka001 与 --processed 一起使用",
                "--aaz218 and --bka001 go with --processed",
            )
        )
    if (reason or since) and not rejected:
        raise click.UsageError(
            zh_en(
                "--reason 和 --since 与 --rejected 一起使用",
                "--reason and --since go with --rejected",
            )
        )
    settings = obj.settings
    feeds = _feeds(settings)
    target = only_feed if bulk else feed
    if target is not None and target not in feeds:
        raise ConfigError(unknown_feed(target, feeds))
    worker = Worker(settings, feeds, client=NO_PLATFORM)
    try:
        operator = worker.operator(Actor(f"cli:{getpass.getuser()}"))  # audited as who ran it
        if processed:
            assert feed is not None and key is not None
            given = {k: v for k, v in (("aaz218", aaz218), ("payinfo.bka001", bka001)) if v}
            count = operator.processed(feed, key, given)
            click.echo(
                zh_en(f"已按平台已处理登记 {count} 条", f"concluded {count} row(s) as processed")
            )
            return
        if failed:
            count = operator.requeue_failed(only_feed)
        elif rejected:
            count = operator.requeue_rejected(only_feed, reason, since)
        elif not_processed:
            assert feed is not None and key is not None
            count = operator.not_processed(feed, key)
        else:
            assert feed is not None and key is not None
            count = operator.requeue(feed, key)
    finally:
        worker.close()
    click.echo(zh_en(f"已重新排队 {count} 条", f"re-queued {count} row(s)"))
