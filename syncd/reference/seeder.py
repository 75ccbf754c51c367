"""Create the reference HIS (tables + views) in a database and fill it with one synthetic day.

``seed(engine, day=date(2026, 11, 25))`` creates the missing ``HIS_*`` tables, (re)creates
every ``V_WI_*`` view, inserts the departments, staff and patients that are not there yet,
then the day's activity (:mod:`syncd.reference.activity`).  Seeding a day twice is refused
(the day's keys exist already); another day adds to the same database.

``prepare_his(engine, patients)`` does the first part only, with the given patients (the
joint-test kit's test persons): a reference HIS with no activity yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from syncd.core.errors import SourceError
from syncd.db.engine import source_errors
from syncd.reference.activity import PATIENT_PREFIX, day_rows
from syncd.reference.people import SeedRow, base_rows, insured_patients, other_patients
from syncd.reference.schema import build_metadata
from syncd.reference.views import create_statements

_CHUNK = 500


@dataclass(frozen=True)
class SeedReport:
    """What :func:`seed` inserted: rows per table."""

    day: dt.date
    rows: dict[str, int]

    def lines(self) -> list[str]:
        return [f"{table}: {count}" for table, count in self.rows.items()]


def seed(engine: sa.Engine, *, day: dt.date, scale: int = 1, rng_seed: int = 7) -> SeedReport:
    """Create the reference schema and views; insert the base data and one day of activity."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    metadata = build_metadata()
    patients = insured_patients(PATIENT_PREFIX) + other_patients(PATIENT_PREFIX, 4)
    with source_errors(engine.url, "seeding the reference HIS"), engine.begin() as conn:
        counts = _prepare(conn, metadata, patients)
        activity = day_rows(day, scale, rng_seed)
        _refuse_seeded_day(conn, metadata, activity)
        for table, rows in activity.items():
            counts[table] = counts.get(table, 0) + _insert(conn, metadata.tables[table], rows)
    return SeedReport(day, counts)


def prepare_his(engine: sa.Engine, patients: list[SeedRow]) -> dict[str, int]:
    """The reference tables and views, the base data and ``patients``; rows inserted per table
    (rows already there are left as they are)."""
    with source_errors(engine.url, "preparing the reference HIS"), engine.begin() as conn:
        return _prepare(conn, build_metadata(), patients)


def _prepare(conn: sa.Connection, metadata: sa.MetaData, patients: list[SeedRow]) -> dict[str, int]:
    create_tables(conn, metadata)
    create_views(conn)
    return _insert_base(conn, metadata, patients)


def create_tables(conn: sa.Connection, metadata: sa.MetaData) -> list[str]:
    """Create the reference tables that do not exist yet (names compared case-blind)."""
    existing = {name.lower() for name in sa.inspect(conn).get_table_names()}
    created = []
    for table in metadata.sorted_tables:
        if table.name.lower() not in existing:
            table.create(conn)  # with its indexes
            created.append(table.name)
    return created


def create_views(conn: sa.Connection) -> None:
    """(Re)create every reference view with this database's statements."""
    for statement in create_statements(conn.dialect.name):
        conn.execute(sa.text(statement))


def _insert_base(
    conn: sa.Connection, metadata: sa.MetaData, patients: list[SeedRow]
) -> dict[str, int]:
    rows = base_rows()
    rows["HIS_PATIENT"] = patients
    counts = {}
    for name, table_rows in rows.items():
        table = metadata.tables[name]
        key = next(iter(table.primary_key.columns))
        have = {r[0] for r in conn.execute(sa.select(key))}
        counts[name] = _insert(conn, table, [r for r in table_rows if r[key.name] not in have])
    return counts


def _refuse_seeded_day(
    conn: sa.Connection, metadata: sa.MetaData, activity: dict[str, list[SeedRow]]
) -> None:
    visits = metadata.tables["HIS_OP_VISIT"]
    first = activity["HIS_OP_VISIT"][0]["VISIT_NO"]
    found = sa.select(visits.c.VISIT_NO).where(visits.c.VISIT_NO.in_([first]))
    if conn.execute(found).first():
        raise SourceError(
            f"参考库已有该日数据 / the reference HIS already holds this day ({first})"
        )


def _insert(conn: sa.Connection, table: sa.Table, rows: Iterable[SeedRow]) -> int:
    batch = list(rows)
    for start in range(0, len(batch), _CHUNK):
        conn.execute(sa.insert(table), batch[start : start + _CHUNK])
    return len(batch)
