"""``syncd codes sync`` and ``syncd codes check``: the platform's code tables and the HIS values.

``sync`` exits 1 when a category could not be fetched; ``check`` exits 3 when values would be
refused (「代码无对照」: a person must add a translation), 0 when every value is covered.
"""

from __future__ import annotations

import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import click

from syncd.cli.context import CliContext
from syncd.core.bilingual import zh_en
from syncd.core.errors import EXIT_ATTENTION, EXIT_FAILURE
from syncd.db.code_store import CodeStore, ValueReader
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables
from syncd.engine.codes import Uncovered, categories_of, check_codes, sync_codes
from syncd.platform.client import PlatformClient
from syncd.protocol import catalogue as catalogue_module

EXIT_UNCOVERED = EXIT_ATTENTION


@click.group()
def codes() -> None:
    """码表服务：下载平台码表；列出没有对照的 HIS 代码值 / code tables: download them; list the
    HIS values no translation covers."""


@codes.command("sync")
@click.option(
    "--category",
    "extra",
    multiple=True,
    help="另外下载该代码类别（aaa100）/ also fetch this category (aaa100).",
)
@click.pass_obj
def sync(obj: CliContext, extra: tuple[str, ...]) -> None:
    """下载映射用到的代码类别（codes_table 规则）到码表 / download the categories the mappings
    use (codes_table rules) into the code table."""
    settings = obj.settings
    categories = sorted(set(categories_of(obj.feeds)) | set(extra))
    if not categories:
        click.echo("没有映射使用 codes_table，也未指定 --category / nothing to fetch")
        return
    cat = catalogue_module.load(settings.platform.function_ids.model_dump())
    now = datetime.now(ZoneInfo(settings.platform.session_timezone)).replace(tzinfo=None)
    engine = make_engine(settings.database)
    store = CodeStore(
        engine, staging_tables(settings.database.table_prefix, settings.database.schema_name)
    )
    try:
        with PlatformClient(settings.platform) as client:
            result = sync_codes(client, cat, settings.hospital.akb020, store, categories, now)
    finally:
        engine.dispose()
    for category, n in sorted(result.counts.items()):
        zh = f"新增 {n.inserted}，更新 {n.updated}，未变 {n.unchanged}"
        en = f"{n.inserted} new, {n.updated} updated, {n.unchanged} unchanged"
        click.echo(f"{category}: {zh_en(zh, en)}")
    for category, reason in sorted(result.failures.items()):
        click.echo(f"{category}: 失败 / failed: {reason}", err=True)
    if result.failures:
        sys.exit(EXIT_FAILURE)


@codes.command("check")
@click.pass_obj
def check(obj: CliContext) -> None:
    """列出没有对照的 HIS 代码值（行数和示例主键）/ list the HIS values (with counts and example
    keys) that no translation covers."""
    settings = obj.settings
    engine = make_engine(settings.database)
    tables = staging_tables(settings.database.table_prefix, settings.database.schema_name)
    try:
        found = check_codes(
            obj.feeds, ValueReader(engine), CodeStore(engine, tables).tables_by_category()
        )
    finally:
        engine.dispose()
    click.echo(describe(found))
    if found:
        sys.exit(EXIT_UNCOVERED)


def describe(found: list[Uncovered]) -> str:
    if not found:
        return zh_en("所有代码均有对照", "every value is covered")
    lines = [zh_en(f"{len(found)} 个代码无对照", f"{len(found)} value(s) not covered") + ":"]
    for u in found:
        examples = ", ".join(u.examples)
        lines.append(
            f"  {u.feed}.{u.field}  {u.view}.{u.column}={u.value!r}  ({u.translation})"
            f"  {u.count} 行 / rows  例 / e.g.: {examples}"
        )
    return "\n".join(lines)
