"""``syncd codes sync`` and ``syncd codes check``: the platform's code tables and the HIS values.

``sync`` exits 1 when a category could not be fetched; ``check`` exits 2 when values would be
refused (「代码无对照」), 0 when every value is covered.
"""

from __future__ import annotations

import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import click

from syncd.cli.context import CliContext
from syncd.config.mappings import load_mappings
from syncd.config.settings import Settings
from syncd.core.errors import EXIT_FAILURE
from syncd.db.code_store import CodeStore, ValueReader
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables
from syncd.engine.codes import Uncovered, categories_of, check_codes, sync_codes
from syncd.mapping import FeedSpec
from syncd.platform.client import PlatformClient
from syncd.protocol import catalogue as catalogue_module

EXIT_UNCOVERED = 2


@click.group()
def codes() -> None:
    """码表服务: download code tables; list HIS values no translation covers."""


def _feeds(settings: Settings) -> dict[str, FeedSpec]:
    ids = settings.platform.function_ids.model_dump()
    return load_mappings(settings.folders.mappings, catalogue_module.load(ids))


@codes.command("sync")
@click.option("--category", "extra", multiple=True, help="Also fetch this category (aaa100).")
@click.pass_obj
def sync(obj: CliContext, extra: tuple[str, ...]) -> None:
    """Download the categories the mappings use (codes_table rules) into the code table."""
    settings = obj.settings
    categories = sorted(set(categories_of(_feeds(settings))) | set(extra))
    if not categories:
        click.echo("没有映射使用 codes_table，也未指定 --category / nothing to fetch")
        return
    cat = catalogue_module.load(settings.platform.function_ids.model_dump())
    now = datetime.now(ZoneInfo(settings.platform.session_timezone)).replace(tzinfo=None)
    engine = make_engine(settings.database)
    store = CodeStore(engine, staging_tables(settings.database.table_prefix,
                                             settings.database.schema_name))  # fmt: skip
    try:
        with PlatformClient(settings.platform) as client:
            result = sync_codes(client, cat, settings.hospital.akb020, store, categories, now)
    finally:
        engine.dispose()
    for category, n in sorted(result.counts.items()):
        click.echo(f"{category}: 新增 {n.inserted}  更新 {n.updated}  未变 {n.unchanged}")
    for category, reason in sorted(result.failures.items()):
        click.echo(f"{category}: 失败 / failed: {reason}", err=True)
    if result.failures:
        sys.exit(EXIT_FAILURE)


@codes.command("check")
@click.pass_obj
def check(obj: CliContext) -> None:
    """List HIS values (with counts and example keys) that no translation covers."""
    settings = obj.settings
    engine = make_engine(settings.database)
    tables = staging_tables(settings.database.table_prefix, settings.database.schema_name)
    try:
        found = check_codes(_feeds(settings), ValueReader(engine),
                            CodeStore(engine, tables).tables_by_category())  # fmt: skip
    finally:
        engine.dispose()
    click.echo(describe(found))
    if found:
        sys.exit(EXIT_UNCOVERED)


def describe(found: list[Uncovered]) -> str:
    if not found:
        return "所有代码均有对照 / every value is covered"
    lines = [f"{len(found)} 个代码无对照 / value(s) not covered:"]
    for u in found:
        examples = ", ".join(u.examples)
        lines.append(f"  {u.feed}.{u.field}  {u.view}.{u.column}={u.value!r}  ({u.translation})"
                     f"  {u.count} 行  例: {examples}")  # fmt: skip
    return "\n".join(lines)


COMMANDS = [codes]
