"""``syncd console`` (the operations console in the foreground) and ``syncd user add|remove|
list`` (who may log in to it)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from syncd.cli.context import CliContext
from syncd.core.bilingual import zh_en
from syncd.core.errors import OperatorError

if TYPE_CHECKING:
    from syncd.db.users import Users

ROLES = ("viewer", "operator")  # syncd.db.users.ROLES (the web stack loads only when used)


@click.command("console")
@click.option(
    "--host",
    default=None,
    help="监听地址（默认 console.host）/ listen address (default: console.host).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="监听端口（默认 console.port）/ listen port (default: console.port).",
)
@click.pass_obj
def console(obj: CliContext, host: str | None, port: int | None) -> None:
    """运维控制台网页，Ctrl-C 停止；用 syncd user 添加的用户登录 / the operations console
    until Ctrl-C; log in as a `syncd user`."""
    from syncd.console.server import serve
    from syncd.console.serving import alone

    settings = obj.settings
    site, app = alone(settings, obj.feeds)
    host = host or settings.console.host
    port = settings.console.port if port is None else port
    click.echo(f"运维控制台 / console: http://{host}:{port}/  (Ctrl-C 停止 / to stop)")
    try:
        serve(app, host, port)
    finally:
        site.engine.dispose()


@click.group("user")
def user() -> None:
    """控制台用户：添加、删除、列出 / console users: add, remove, list."""


def _users(obj: CliContext) -> Users:
    from syncd.db.engine import make_engine
    from syncd.db.schema import staging_tables
    from syncd.db.users import Users

    db = obj.settings.database
    return Users(make_engine(db), staging_tables(db.table_prefix, db.schema_name))


@user.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    required=True,
    help="viewer 只读（个人信息遮蔽）；operator 还可操作、查看完整信息 / viewer: reads (personal "
    "data masked); operator: also acts and reveals.",
)
@click.option(
    "--password-stdin",
    "from_stdin",
    is_flag=True,
    help="从标准输入第一行读取密码 / read the password from the first line of standard input.",
)
@click.pass_obj
def user_add(obj: CliContext, name: str, role: str, from_stdin: bool) -> None:
    """添加控制台用户（密码以 Argon2id 哈希保存）/ add a console user (the password is
    stored as an Argon2id hash)."""
    from syncd.console import passwords
    from syncd.core.clock import local_clock

    if not name or len(name) > 64 or not name.isprintable() or name.strip() != name:
        raise click.BadParameter(
            zh_en(
                "1–64 个可打印字符，首尾不能有空白", "1-64 printable characters, no blanks around"
            )
        )
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    if (why := passwords.weak(password)) is not None:
        raise OperatorError(why)
    users = _users(obj)
    try:
        now = local_clock(obj.settings.platform.session_timezone)()
        users.add(name, role, passwords.hash_password(password), now)
    finally:
        users.engine.dispose()
    click.echo(zh_en(f"已添加用户 {name}（{role}）", f"added {role} {name}"))


@user.command("remove")
@click.argument("name")
@click.pass_obj
def user_remove(obj: CliContext, name: str) -> None:
    """删除控制台用户（其登录立即失效）/ remove a console user (their sessions end at once)."""
    users = _users(obj)
    try:
        users.remove(name)
    finally:
        users.engine.dispose()
    click.echo(zh_en(f"已删除用户 {name}", f"removed {name}"))


@user.command("list")
@click.pass_obj
def user_list(obj: CliContext) -> None:
    """控制台用户、角色与最近登录 / the console users, their roles and last logins."""
    users = _users(obj)
    try:
        found = users.all()
    finally:
        users.engine.dispose()
    if not found:
        click.echo("没有用户（syncd user add NAME --role operator）/ no users")
    for u in found:
        last = u.last_login_at.isoformat(sep=" ", timespec="seconds") if u.last_login_at else "-"
        click.echo(f"{u.username}\t{u.role}\t最近登录 / last login: {last}")
