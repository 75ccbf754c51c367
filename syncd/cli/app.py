"""The click group of ``syncd``: lazily loaded subcommands, help in both languages, exit codes.

* **Lazy**: :data:`SUBCOMMANDS` names each subcommand's module and its one-line summary; the
  module is imported only when that subcommand runs or shows its own help, so ``syncd --help``
  imports click alone and ``syncd status`` does not load the engine, the platform client or
  the report writers.
* **Language** (:mod:`syncd.core.bilingual`): syncd's own texts are written ``中文 / English``;
  click's framing words (Usage, Options, Commands, --help) are given the same form here.
* **Exit codes** (README table, ``syncd/core/errors.py``): :data:`EXIT_OF` maps the exception
  tree to them, here and nowhere else; an expected failure prints one heading and its
  message, never a traceback.  Usage errors (click's own) exit 2.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from syncd import __version__
from syncd.cli.click_zh import usage_message
from syncd.cli.context import CliContext
from syncd.core.bilingual import zh_en
from syncd.core.errors import (
    EXIT_CONFIG,
    EXIT_FAILURE,
    EXIT_REFUSED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    ConfigError,
    OperatorError,
    PlatformUnavailable,
    SourceError,
    SourceUnavailable,
    SyncdError,
)

# name: (module, attribute, one-line summary shown by `syncd --help`)
SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "init": (
        "syncd.cli.init",
        "init_command",
        "把设置示例、映射、SQL 和 systemd 单元写入目录 / write the example settings, "
        "mappings, SQL and systemd unit into a folder",
    ),
    "check": (
        "syncd.cli.check",
        "check",
        "检查设置、映射、视图与目录 / check the settings, mappings, views and folders",
    ),
    "init-db": (
        "syncd.cli.db",
        "init_db_command",
        "创建缺少的中间表 / create the missing staging tables",
    ),
    "run": ("syncd.cli.run", "run_daemon", "运行守护进程 / run the daemon"),
    "once": ("syncd.cli.run", "once", "处理一遍后退出 / one pass, then exit"),
    "status": ("syncd.cli.status", "status", "各业务的同步状态 / the state of every feed"),
    "retry": (
        "syncd.cli.run",
        "retry",
        "重新排队或人工核对结论 / re-queue, or an operator's verdict on an UNKNOWN",
    ),
    "render": (
        "syncd.cli.render",
        "render_command",
        "显示将发送的报文，不发送 / print the XML a row would send",
    ),
    "reconcile": ("syncd.cli.reconcile", "reconcile", "对账 / reconcile one day"),
    "codes": ("syncd.cli.codes", "codes", "码表下载与检查 / code tables: sync and check"),
    "demo": ("syncd.cli.demo", "demo", "演示一天的工伤业务 / a demo day against the simulator"),
    "jointtest": (
        "syncd.cli.jointtest",
        "jointtest",
        "联调演练：执行联调用例、写出证据报告、撤销 / the joint-test rehearsal with its "
        "evidence report",
    ),
    "simulator": ("syncd.cli.simulator", "simulator", "运行模拟平台 / run the platform simulator"),
    "console": (
        "syncd.cli.console",
        "console",
        "运维控制台网页 / the operations console (web pages)",
    ),
    "user": (
        "syncd.cli.console",
        "user",
        "控制台用户：添加、删除、列出 / console users: add, remove, list",
    ),
    "list": (
        "syncd.cli.browse",
        "list_rows",
        "按状态、业务、就诊、人员、时间列出记录 / rows by status, feed, visit, person, time",
    ),
    "show": ("syncd.cli.browse", "show", "一条记录的经过 / a row's story"),
}

# The first class that matches names the heading and the exit code of an expected failure.
EXIT_OF: tuple[tuple[type[SyncdError], int, str], ...] = (
    (ConfigError, EXIT_CONFIG, zh_en("配置错误", "configuration error")),
    (OperatorError, EXIT_REFUSED, zh_en("未执行", "nothing done")),
    (SourceUnavailable, EXIT_UNAVAILABLE, zh_en("HIS 数据库无法连接", "HIS database unreachable")),
    (PlatformUnavailable, EXIT_UNAVAILABLE, zh_en("平台无法连接", "platform unreachable")),
    (SourceError, EXIT_FAILURE, zh_en("HIS 数据库错误", "HIS database error")),
    (SyncdError, EXIT_FAILURE, zh_en("错误", "error")),
)

_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click >= 8.2

# click's own framing words, in the same form as syncd's texts.
_FRAMING = {
    "Usage:": "用法 / Usage:",
    "Options": "选项 / Options",
    "Commands": "命令 / Commands",
    "Positional arguments": "参数 / Arguments",
    "Show this message and exit.": "显示本帮助并退出 / Show this message and exit.",
    "Show the version and exit.": "显示版本并退出 / Show the version and exit.",
}


class _Formatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix or _FRAMING["Usage:"] + " ")

    def write_heading(self, heading: str) -> None:
        super().write_heading(_FRAMING.get(heading, heading))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(term, _FRAMING.get(text, text)) for term, text in rows]
        super().write_dl(rows, col_max, col_spacing)


class _Context(click.Context):
    formatter_class = _Formatter


def _bilingual(command: click.Command) -> click.Command:
    command.context_class = _Context
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _bilingual(sub)
    return command


class _LazyCommands(click.Group):
    """The subcommands of :data:`SUBCOMMANDS`, each imported when it is first asked for."""

    context_class = _Context

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = SUBCOMMANDS.get(cmd_name)
        if entry is None:
            return None
        module, attribute, summary = entry
        command: click.Command = getattr(importlib.import_module(module), attribute)
        command.short_help = summary
        return _bilingual(command)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, summary) for name, (_, _, summary) in SUBCOMMANDS.items()])


@click.group(cls=_LazyCommands)
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    default=None,
    help="设置文件（默认 $SYNCD_CONFIG，否则 ./syncd.yaml）/ settings file (default: "
    "$SYNCD_CONFIG, else ./syncd.yaml).",
)
@click.version_option(__version__, "--version", "-V", prog_name="syncd")
@click.pass_context
def cli(ctx: click.Context, config: str | None) -> None:
    """syncd：HIS 与广东省工伤保险联网结算平台之间的同步服务 / the synchronisation daemon
    between a HIS database and the Guangdong work-injury settlement platform."""
    ctx.obj = CliContext(config)


def run(args: list[str] | None = None) -> None:
    """Run the command line and exit with the code of :data:`EXIT_OF` (README table)."""
    try:
        code = cli.main(args, prog_name="syncd", standalone_mode=False)
    except click.UsageError as exc:
        _usage_error(exc)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo(zh_en("已中止", "aborted"), err=True)
        sys.exit(EXIT_FAILURE)
    except SyncdError as exc:
        sys.exit(report(exc))
    sys.exit(code if isinstance(code, int) else 0)


def report(exc: SyncdError) -> int:
    """Print an expected failure (heading, then its message) and return its exit code."""
    heading, code = next((h, c) for cls, c, h in EXIT_OF if isinstance(exc, cls))
    message = exc.message
    click.echo(f"{heading}:{chr(10) if chr(10) in message else ' '}{message}", err=True)
    return code


def _usage_error(exc: click.UsageError) -> None:
    if isinstance(exc, _NO_ARGS):  # `syncd` or `syncd codes` alone: the help is the message
        click.echo(exc.format_message(), err=True)
        sys.exit(EXIT_USAGE)
    if exc.ctx is not None:
        click.echo(exc.ctx.get_usage(), err=True)
        hint = zh_en(
            f"运行 '{exc.ctx.command_path} --help' 查看帮助",
            f"try '{exc.ctx.command_path} --help' for help",
        )
        click.echo(hint, err=True)
    message = usage_message(exc.format_message())
    click.echo(f"{zh_en('用法错误', 'usage error')}: {message}", err=True)
    sys.exit(EXIT_USAGE)
