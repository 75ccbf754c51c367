"""``syncd init-db``: create the missing staging tables, or print their DDL for a DBA."""

from __future__ import annotations

import re

import click

from syncd.cli.context import CliContext
from syncd.db.ddl import DIALECTS, init_db, render_ddl
from syncd.db.engine import database_url, describe, make_engine
from syncd.db.schema import DEFAULT_PREFIX, staging_tables
from syncd.db.versions import Version, parse_server_version


def _check_prefix(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,9}", value):
        raise click.BadParameter("1-10 letters, digits or '_' starting with a letter")
    return value


@click.command("init-db")
@click.option("--print-sql", is_flag=True, help="Print the DDL instead of running it.")
@click.option(
    "--dialect",
    type=click.Choice(DIALECTS),
    default=None,
    help="With --print-sql: the database to write DDL for (no settings needed).",
)
@click.option(
    "--prefix",
    default=None,
    callback=_check_prefix,
    help="With --print-sql: table prefix (default WI_, or database.table_prefix).",
)
@click.option(
    "--server-version",
    default=None,
    metavar="VERSION",
    help="With --print-sql: the server version to write DDL for, e.g. 11.2 for Oracle 11gR2 "
    "(default: a recent one; init-db itself asks the server).",
)
@click.pass_obj
def init_db_command(
    obj: CliContext,
    print_sql: bool,
    dialect: str | None,
    prefix: str | None,
    server_version: str | None,
) -> None:
    """Create the staging tables that are missing (never alters or drops anything)."""
    if print_sql:
        click.echo(_ddl(obj, dialect, prefix, server_version), nl=False)
        return
    if dialect or prefix or server_version:
        raise click.UsageError("--dialect, --prefix and --server-version only go with --print-sql")
    settings = obj.settings.database
    engine = make_engine(settings)
    try:
        report = init_db(engine, staging_tables(settings.table_prefix, settings.schema_name))
    finally:
        engine.dispose()
    for line in report.lines():
        click.echo(line)
    if report.nothing_done:
        click.echo(f"nothing to do: all staging tables exist in {describe(engine.url)}")


def _ddl(obj: CliContext, dialect: str | None, prefix: str | None, version: str | None) -> str:
    if dialect is not None:
        return render_ddl(dialect, prefix or DEFAULT_PREFIX, None, _version(dialect, version))
    settings = obj.settings.database
    backend = database_url(settings).get_backend_name()
    name = "mysql" if backend == "mariadb" else backend
    return render_ddl(
        name, prefix or settings.table_prefix, settings.schema_name, _version(name, version)
    )


def _version(dialect: str, text: str | None) -> Version | None:
    if text is None:
        return None
    try:
        return parse_server_version(dialect, text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--server-version'") from None


COMMANDS = [init_db_command]
