"""``syncd check``: validate the settings (and the mappings) and report every problem at once."""

from __future__ import annotations

import click

from syncd.cli.context import CliContext
from syncd.errors import ConfigError, ConfigProblem


@click.command()
@click.pass_obj
def check(obj: CliContext) -> None:
    """Validate the configuration; exit 78 listing every problem, 0 when all is well."""
    settings = obj.settings
    problems: list[ConfigProblem] = []
    if settings.platform.password is None:
        problems.append(
            ConfigProblem(
                obj.config_file, 0, 0, "no platform password is configured",
                "set SYNCD_PLATFORM__PASSWORD, platform.password_file, "
                "or the systemd credential 'platform-password'",
            )
        )  # fmt: skip
    if problems:
        raise ConfigError(problems)
    click.echo(f"{obj.config_file}: OK")


COMMANDS = [check]
