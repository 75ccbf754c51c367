"""``syncd init-db``: create the missing staging tables (the additive upgrade of older ones
included, and the archive's search columns filled in), or print their DDL for a DBA."""

from __future__ import annotations

import re

import click

from syncd.cli.context import CliContext
from syncd.core.bilingual import zh_en
from syncd.db.archive_backfill import backfill
from syncd.db.ddl import DIALECTS, init_db, render_ddl
from syncd.db.engine import database_url, describe, make_engine
from syncd.db.schema import DEFAULT_PREFIX, staging_tables
from syncd.db.versions import Version, parse_server_version


def _check_prefix(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,9}", value):
        raise click.BadParameter(
            zh_en(
                "1–10 个字母、数字或 '_'，以字母开头",
                "1-10 letters, digits or '_' starting with a letter",
            )
        )
    return value


@click.command("init-db")
@click.option(
    "--print-sql", is_flag=True, help="只打印 DDL，不执行 / print the DDL instead of running it."
)
@click.option(
    "--dialect",
    type=click.Choice(DIALECTS),
    default=None,
    help="与 --print-sql 一起：生成哪种数据库的 DDL（无需设置文件）/ with --print-sql: the "
    "database to write DDL for (no settings needed).",
)
@click.option(
    "--prefix",
    default=None,
    callback=_check_prefix,
    help="与 --print-sql 一起：表前缀（默认 WI_ 或 database.table_prefix）/ with --print-sql: "
    "table prefix (default WI_, or database.table_prefix).",
)
@click.option(
    "--server-version",
    default=None,
    metavar="VERSION",
    help="与 --print-sql 一起：生成哪个服务器版本的 DDL，如 Oracle 11gR2 写 11.2（默认较新版本；"
    "init-db 自己会询问服务器）/ with --print-sql: the server version to write DDL for, e.g. "
    "11.2 for Oracle 11gR2 (default: a recent one; init-db itself asks the server).",
)
@click.pass_obj
def init_db_command(
    obj: CliContext,
    print_sql: bool,
    dialect: str | None,
    prefix: str | None,
    server_version: str | None,
) -> None:
    """创建缺少的中间表，补上新版本需要的列（从不删除或改动已有内容），并补齐旧归档报文的检索字段 /
    create the missing staging tables, add the columns a newer syncd needs (never drops or
    changes anything), and fill in the archive's search columns of older messages."""
    if print_sql:
        click.echo(_ddl(obj, dialect, prefix, server_version), nl=False)
        return
    if dialect or prefix or server_version:
        raise click.UsageError(
            zh_en(
                "--dialect、--prefix 与 --server-version 只能与 --print-sql 一起用",
                "--dialect, --prefix and --server-version only go with --print-sql",
            )
        )
    settings = obj.settings.database
    engine = make_engine(settings)
    tables = staging_tables(settings.table_prefix, settings.schema_name)
    try:
        report = init_db(engine, tables)
        for line in report.lines():
            click.echo(line)
        filled = backfill(engine, tables, progress=_filled)
    finally:
        engine.dispose()
    if filled:
        click.echo(
            "\n"
            + zh_en(
                f"已为 {filled} 条归档报文补充检索字段",
                f"filled in the search columns of {filled} archived message(s)",
            )
        )
    if report.nothing_done and not filled:
        where = describe(engine.url)
        click.echo(
            zh_en(
                f"无需操作：{where} 中已有全部中间表",
                f"nothing to do: all staging tables exist in {where}",
            )
        )


def _filled(done: int) -> None:
    if done % 10_000 < 200:
        click.echo(f"\r补充归档报文检索字段 / filling in archived messages: {done}", nl=False)


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
