"""The ``syncd`` command line: parse arguments, build the parts, call one function, exit.

Each command group lives in its own module and registers itself on :data:`main`.
Expected failures (every :class:`~syncd.core.errors.SyncdError`) print a message, never a
traceback; configuration errors exit 78 so systemd does not restart-loop.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from syncd import __version__
from syncd.cli.context import CliContext
from syncd.core.errors import EXIT_CONFIG, EXIT_FAILURE, ConfigError, SyncdError


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"配置错误 / configuration error:\n{exc}", err=True)
            sys.exit(EXIT_CONFIG)
        except SyncdError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_FAILURE)


@click.group(cls=_Group)
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    default=None,
    help="Settings file (default: $SYNCD_CONFIG, else ./syncd.yaml).",
)
@click.version_option(__version__, prog_name="syncd")
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """syncd: HIS <-> 广东省工伤保险联网结算平台 synchronisation daemon."""
    ctx.obj = CliContext(config)


def _register() -> None:
    from syncd.cli import check, codes, db, demo, reconcile, render, run, simulator

    for module in (check, codes, db, demo, reconcile, render, run, simulator):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
