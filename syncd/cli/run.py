"""``syncd run``, ``syncd once``, ``syncd status`` and ``syncd retry``: the daemon, one pass,
the state of every feed, and an operator's re-queue (nothing old is re-sent automatically at
start-up)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from datetime import datetime

import click

from syncd.cli.context import CliContext
from syncd.cli.status import STATUS_WIDTH, status_document, status_table
from syncd.config.mappings import load_mappings
from syncd.config.settings import Settings
from syncd.core.errors import ConfigError
from syncd.db.counts import Counts, read_counts
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables
from syncd.engine.operator import NO_PLATFORM
from syncd.mapping import FeedSpec
from syncd.protocol import catalogue
from syncd.service.daemon import Daemon
from syncd.service.worker import Worker, local_clock

logger = logging.getLogger(__name__)


def _feeds(settings: Settings) -> dict[str, FeedSpec]:
    ids = settings.platform.function_ids.model_dump()
    return load_mappings(settings.folders.mappings, catalogue.load(ids))


@click.command("run")
@click.pass_obj
def run_daemon(obj: CliContext) -> None:
    """Run the daemon until SIGTERM/SIGINT (does not run init-db: do that once per upgrade)."""
    settings = obj.settings
    daemon = Daemon(Worker(settings, _feeds(settings)))
    daemon.install_signals()
    code = daemon.run()
    if daemon.unfinished:  # a call still hangs after the stop timeout: do not wait for it
        logging.shutdown()
        os._exit(code)
    sys.exit(code)


@click.command()
@click.option("--feed", default=None, help="Only this feed (default: every enabled feed).")
@click.pass_obj
def once(obj: CliContext, feed: str | None) -> None:
    """One pass over every enabled feed and the command table, then exit."""
    settings = obj.settings
    feeds = _feeds(settings)
    if feed is not None and feed not in feeds:
        raise ConfigError(f"unknown feed '{feed}' (known: {', '.join(sorted(feeds))})")
    worker = Worker(settings, feeds)
    try:
        report = worker.once(feed)
    finally:
        worker.close()
    for tick in report.feeds:
        results = " ".join(f"{k}={v}" for k, v in sorted(tick.results.items()))
        click.echo(f"{tick.feed}: new={tick.discovered} claimed={tick.claimed} {results}".strip())
    if report.commands is not None:
        results = " ".join(f"{k}={v}" for k, v in sorted(report.commands.results.items()))
        click.echo(f"commands: claimed={report.commands.claimed} {results}".strip())


def status_counts(settings: Settings) -> Counts:
    """The counts ``syncd status`` shows: the same as the metrics and systemd's STATUS=."""
    engine = make_engine(settings.database)
    tables = staging_tables(settings.database.table_prefix, settings.database.schema_name)
    try:
        return read_counts(engine, tables, local_clock(settings.platform.session_timezone)())
    finally:
        engine.dispose()


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON document for scripts.")
@click.pass_obj
def status(obj: CliContext, as_json: bool) -> None:
    """Per feed: pending, waiting, in flight, unknown, failed, succeeded today, rejected,
    blocked, last success, last error; then the totals systemd's STATUS= line shows."""
    counts = status_counts(obj.settings)
    views = {n for n, s in _feeds(obj.settings).items() if s.source.view}
    if as_json:
        click.echo(json.dumps(status_document(counts, views), ensure_ascii=False, indent=2))
        return
    width = shutil.get_terminal_size((STATUS_WIDTH, 24)).columns
    click.echo(status_table(counts, views, width))


@click.command()
@click.argument("feed", required=False)
@click.argument("key", required=False)
@click.option("--failed", is_flag=True, help="Re-queue every FAILED row (of --feed F).")
@click.option(
    "--rejected",
    is_flag=True,
    help="Re-queue REJECTED rows (of --feed F) as a new attempt, after the HIS data was fixed.",
)
@click.option("--feed", "only_feed", default=None, help="With --failed/--rejected: only this feed.")
@click.option(
    "--reason", default=None, help="With --rejected: only rows whose error contains this text."
)
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]),
    default=None,
    help="With --rejected: only rows rejected at or after this time (local).",
)
@click.option("--not-processed", "not_processed", is_flag=True,
              help="With FEED KEY of an UNKNOWN row: you checked the platform and its call was "
                   "not processed; send it again (the other rows of that call too).")  # fmt: skip
@click.option(
    "--processed",
    is_flag=True,
    help="With FEED KEY of an UNKNOWN row: you checked the platform and its call was "
    "processed; conclude it (the other rows of that call too) and the visit.",
)
@click.option(
    "--aaz218",
    default=None,
    help="With --processed: the platform's 就医登记号 of an admission or registration.",
)
@click.option(
    "--bka001",
    default=None,
    help="With --processed: the platform's batch number of an outpatient settlement or refund.",
)
@click.pass_obj
def retry(obj: CliContext, feed: str | None, key: str | None, failed: bool, rejected: bool,
          only_feed: str | None, reason: str | None, since: datetime | None,
          not_processed: bool, processed: bool, aaz218: str | None,
          bka001: str | None) -> None:  # fmt: skip
    """Re-queue: `retry FEED KEY` one row (a command: its request id), `retry --failed`,
    `retry --rejected [--reason TEXT] [--since T]`; `retry FEED KEY --not-processed` sends an
    UNKNOWN row again after a manual check, `retry FEED KEY --processed [--aaz218 …]
    [--bka001 …]` concludes it.  An action that does nothing says why (exit 4)."""
    bulk = failed or rejected
    if bulk == bool(feed and key) or (failed and rejected):
        raise click.UsageError("use either FEED KEY, --failed or --rejected [--feed F]")
    if ((not_processed or processed) and bulk) or (not_processed and processed):
        raise click.UsageError("--not-processed or --processed goes with FEED KEY (one UNKNOWN"
                               " row)")  # fmt: skip
    if (aaz218 or bka001) and not processed:
        raise click.UsageError("--aaz218 and --bka001 go with --processed")
    if (reason or since) and not rejected:
        raise click.UsageError("--reason and --since go with --rejected")
    settings = obj.settings
    feeds = _feeds(settings)
    target = only_feed if bulk else feed
    if target is not None and target not in feeds:
        raise ConfigError(f"unknown feed '{target}' (known: {', '.join(sorted(feeds))})")
    worker = Worker(settings, feeds, client=NO_PLATFORM)
    try:
        operator = worker.operator()
        if processed:
            assert feed is not None and key is not None
            given = {k: v for k, v in (("aaz218", aaz218), ("payinfo.bka001", bka001)) if v}
            count = operator.processed(feed, key, given)
            click.echo(f"concluded {count} row(s) as processed / 已按平台已处理登记 {count} 条")
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
    click.echo(f"re-queued {count} row(s) / 已重新排队 {count} 条")


COMMANDS = [run_daemon, once, status, retry]
