"""``syncd check``: validate the settings and the mappings, then check the mappings against the
live HIS database; report every problem at once.

Exit codes: 0 all well; 78 configuration problems (settings, mapping files, a view or column a
mapping reads that the database lacks), each with ``file:line:column`` and a hint; 1 the
database cannot be reached (the mappings themselves were valid: not a configuration error).
``--offline`` skips the database.
"""

from __future__ import annotations

import click

from syncd.cli.context import CliContext
from syncd.config.mappings import load_mappings
from syncd.config.settings import Settings
from syncd.core.errors import ConfigError, ConfigProblem, SourceError
from syncd.db.engine import make_engine
from syncd.db.mapping_check import live_problems
from syncd.db.views import ViewReader
from syncd.protocol import catalogue


@click.command()
@click.option("--offline", is_flag=True, help="Do not connect to the HIS database.")
@click.pass_obj
def check(obj: CliContext, offline: bool) -> None:
    """Validate the configuration; exit 78 listing every problem, 0 when all is well."""
    settings = obj.settings
    problems = _password_problems(obj, settings)
    feeds, found = _mapping_problems(settings)
    problems += found
    unreachable: SourceError | None = None
    if feeds and not offline:
        try:
            problems += _live(settings)
        except SourceError as exc:
            unreachable = exc
    if unreachable is not None:
        click.echo(f"数据库无法连接，未核对视图和列 / live check skipped: {unreachable}", err=True)
    if problems:
        raise ConfigError(problems)
    if unreachable is not None:
        raise unreachable
    click.echo(f"{obj.config_file}: OK")
    click.echo(f"{settings.folders.mappings}: {feeds} mapping file(s) OK")
    if not offline:
        click.echo("HIS database: every view and column the mappings read exists")


def _password_problems(obj: CliContext, settings: Settings) -> list[ConfigProblem]:
    if settings.platform.password is not None:
        return []
    return [
        ConfigProblem(
            obj.config_file, 0, 0, "no platform password is configured",
            "set SYNCD_PLATFORM__PASSWORD, platform.password_file, "
            "or the systemd credential 'platform-password'",
        )
    ]  # fmt: skip


def _mapping_problems(settings: Settings) -> tuple[int, list[ConfigProblem]]:
    """(number of feeds loaded, problems) for the mapping folder of the settings."""
    ids = settings.platform.function_ids.model_dump()
    try:
        feeds = load_mappings(settings.folders.mappings, catalogue.load(ids))
    except ConfigError as exc:
        return 0, list(exc.problems)
    return len(feeds), []


def _live(settings: Settings) -> list[ConfigProblem]:
    """Missing views/columns; SourceError when the database cannot be reached."""
    engine = make_engine(settings.database)
    try:
        reader = ViewReader(engine)  # views in the connection's default schema unless named
        reader.names(None)  # fails fast when unreachable
        return live_problems(settings.folders.mappings, reader)
    finally:
        engine.dispose()


COMMANDS = [check]
