"""``python -m syncd.reference``: seed a database, or write the DDL files under sql/examples/.

Examples::

    python -m syncd.reference --url sqlite:///his.db --day 2026-11-25
    python -m syncd.reference --url "postgresql+psycopg://his@db/his" --day 2026-11-25 --scale 5
    python -m syncd.reference --write-sql sql/examples

The URL carries no password: set ``SYNCD_DATABASE__PASSWORD`` (as for syncd itself).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click
from pydantic import SecretStr

from syncd.config.settings import DatabaseSettings
from syncd.core.errors import SyncdError
from syncd.db.ddl import DIALECTS
from syncd.db.engine import make_engine
from syncd.reference.seeder import seed
from syncd.reference.views import render_schema, render_views


def write_sql(folder: Path) -> list[Path]:
    """Write ``<folder>/<dialect>/his_schema.sql`` and ``views.sql`` for every dialect."""
    written = []
    for dialect in DIALECTS:
        (folder / dialect).mkdir(parents=True, exist_ok=True)
        for name, text in (
            ("his_schema.sql", render_schema(dialect)),
            ("views.sql", render_views(dialect)),
        ):
            path = folder / dialect / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


@click.command()
@click.option("--url", help="SQLAlchemy URL of the database to seed (no password).")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="The day to generate.")
@click.option("--scale", type=click.IntRange(1, 1000), default=1, show_default=True)
@click.option("--seed", "rng_seed", type=int, default=7, show_default=True)
@click.option(
    "--write-sql",
    "sql_folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write his_schema.sql and views.sql per dialect into this folder.",
)
def main(
    url: str | None, day: dt.datetime | None, scale: int, rng_seed: int, sql_folder: Path | None
) -> None:
    """Seed the reference HIS (参考 HIS 建表、建视图并生成一天的工伤业务数据)."""
    if sql_folder is not None:
        for path in write_sql(sql_folder):
            click.echo(f"wrote {path}")
        return
    if not url or day is None:
        raise click.UsageError("give --url and --day (or --write-sql FOLDER)")
    password = os.environ.get("SYNCD_DATABASE__PASSWORD")
    settings = DatabaseSettings(url=url, password=SecretStr(password) if password else None)
    engine = make_engine(settings)
    try:
        report = seed(engine, day=day.date(), scale=scale, rng_seed=rng_seed)
    except SyncdError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(f"seeded {report.day}: " + ", ".join(report.lines()))


if __name__ == "__main__":
    main()
