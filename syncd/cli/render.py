"""``syncd render FEED KEY [--mask]``: print the XML a row or command would send; send nothing.

Exit 0 with one XML document per call on stdout (notes on stderr); exit 1 when the row cannot
be mapped (each mapping error with its field and Chinese reason on stderr), or the row, the
request or the database is not there.
"""

from __future__ import annotations

import sys

import click

from syncd.cli.context import CliContext
from syncd.config.mappings import load_mappings
from syncd.core.errors import EXIT_FAILURE
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables
from syncd.mapping.names import did_you_mean
from syncd.protocol import catalogue
from syncd.service.render import RenderResult, RenderSources, render_key


@click.command("render")
@click.argument("feed")
@click.argument("key")
@click.option("--mask", is_flag=True, help="Hide ID numbers and names (for screenshots, tickets).")
@click.pass_obj
def render_command(obj: CliContext, feed: str, key: str, mask: bool) -> None:
    """Print the exact XML FEED would send for KEY (a view row key or a WI_REQUEST id)."""
    settings = obj.settings
    cat = catalogue.load(settings.platform.function_ids.model_dump())
    feeds = load_mappings(settings.folders.mappings, cat)
    if feed not in feeds:
        raise click.UsageError(f"unknown feed '{feed}'. {did_you_mean(feed, feeds)}".strip())
    engine = make_engine(settings.database)
    try:
        tables = staging_tables(settings.database.table_prefix, settings.database.schema_name)
        sources = RenderSources(engine, tables, settings, cat, feeds)
        result = render_key(sources, feed, key, mask=mask)
    finally:
        engine.dispose()
    _print(result)
    if result.errors:
        sys.exit(EXIT_FAILURE)


def _print(result: RenderResult) -> None:
    for note in result.notes:
        click.echo(note, err=True)
    for error in result.errors:
        click.echo(f"映射错误 / mapping error: {error}", err=True)
    for title, xml in result.documents:
        click.echo(f"<!-- syncd render: {title} -->")
        click.echo(xml.decode("utf-8"))


COMMANDS = [render_command]
