"""``syncd render FEED KEY [--raw] [--mask]``: print the XML a row or command would send; send
nothing.

Exit 0 with one XML document per call on stdout, indented for reading (``--raw``: each exactly
as sent, on one line), notes on stderr; exit 1 when the row cannot be mapped (each mapping
error with its field and Chinese reason on stderr); exit 4 when the row or request is not
there; 69 when the database cannot be reached.
"""

from __future__ import annotations

import sys

import click

from syncd.cli.context import CliContext
from syncd.core.bilingual import zh_en
from syncd.core.errors import EXIT_FAILURE
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables
from syncd.mapping.names import did_you_mean
from syncd.protocol import catalogue
from syncd.protocol.codec import pretty
from syncd.service.render import RenderResult, RenderSources, render_key


@click.command("render")
@click.argument("feed")
@click.argument("key")
@click.option(
    "--mask",
    is_flag=True,
    help="隐藏身份证号、姓名、电话和地址（用于截图、工单）/ hide ID numbers, names, telephone "
    "numbers and addresses (for screenshots, tickets).",
)
@click.option(
    "--raw",
    is_flag=True,
    help="按发送的原样输出，每个报文一行 / each document exactly as sent, on one line.",
)
@click.pass_obj
def render_command(obj: CliContext, feed: str, key: str, mask: bool, raw: bool) -> None:
    """显示 FEED 对 KEY（视图行的主键或 WI_REQUEST 的 id）将发送的报文，不发送 / print the XML
    FEED would send for KEY (a view row key or a WI_REQUEST id); nothing is sent."""
    settings, feeds = obj.settings, obj.feeds
    if feed not in feeds:
        unknown = zh_en(f"没有业务 '{feed}'", f"unknown feed '{feed}'")
        raise click.UsageError(f"{unknown}; {did_you_mean(feed, feeds)}".rstrip("; "))
    cat = catalogue.load(settings.platform.function_ids.model_dump())
    engine = make_engine(settings.database)
    try:
        tables = staging_tables(settings.database.table_prefix, settings.database.schema_name)
        sources = RenderSources(engine, tables, settings, cat, feeds)
        result = render_key(sources, feed, key, mask=mask)
    finally:
        engine.dispose()
    _print(result, raw)
    if result.errors:
        sys.exit(EXIT_FAILURE)


def _print(result: RenderResult, raw: bool) -> None:
    for note in result.notes:
        click.echo(note, err=True)
    for error in result.errors:
        click.echo(f"{zh_en('映射错误', 'mapping error')}: {error}", err=True)
    for title, xml in result.documents:
        click.echo(f"<!-- syncd render: {title} -->")
        click.echo(xml.decode("utf-8") if raw else pretty(xml))
