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
from syncd.core.bilingual import zh_en
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
@click.option(
    "--url",
    help="要生成数据的数据库 SQLAlchemy URL（不含密码）/ SQLAlchemy URL of the database to seed "
    "(no password).",
)
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="生成哪一天 / the day to generate.")
@click.option(
    "--scale",
    type=click.IntRange(1, 1000),
    default=1,
    show_default=True,
    help="业务量倍数 / how many times the base day's activity.",
)
@click.option(
    "--seed",
    "rng_seed",
    type=int,
    default=7,
    show_default=True,
    help="随机数种子（同一种子生成同样的数据）/ random seed (the same seed, the same data).",
)
@click.option(
    "--write-sql",
    "sql_folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="把各方言的 his_schema.sql 和 views.sql 写入此目录 / write his_schema.sql and views.sql "
    "per dialect into this folder.",
)
def main(
    url: str | None, day: dt.datetime | None, scale: int, rng_seed: int, sql_folder: Path | None
) -> None:
    """参考 HIS：建表、建视图并生成一天的工伤业务数据 / seed the reference HIS: tables, views
    and one day of work-injury activity."""
    if sql_folder is not None:
        for path in write_sql(sql_folder):
            click.echo(zh_en("已写出", "wrote") + f" {path}")
        return
    if not url or day is None:
        raise click.UsageError(
            zh_en(
                "请给出 --url 和 --day（或 --write-sql 目录）",
                "give --url and --day (or --write-sql FOLDER)",
            )
        )
    password = os.environ.get("SYNCD_DATABASE__PASSWORD")
    settings = DatabaseSettings(url=url, password=SecretStr(password) if password else None)
    engine = make_engine(settings)
    try:
        report = seed(engine, day=day.date(), scale=scale, rng_seed=rng_seed)
    except SyncdError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(
        zh_en(f"已生成 {report.day}", f"seeded {report.day}") + ": " + ", ".join(report.lines())
    )


if __name__ == "__main__":
    main()
