"""Benchmark (b): a cashier's command through ``syncd run`` on PostgreSQL, MariaDB and SQLite
(prints numbers, asserts nothing about time).

For each database: the staging tables (``init-db``: on PostgreSQL with the NOTIFY trigger),
the simulator in a subprocess (no latency), ``syncd run`` with default settings and only the
``code_table_query`` command mapping; ``--commands`` commands inserted into WI_REQUEST at
``--rate`` per second; per command the time from its INSERT's commit to its answer's commit
(status no longer NEW/IN_FLIGHT, seen by a poller every 2 ms): p50, p95, p99, max.  The
simulator answers in about a millisecond, so the figures are syncd's own time (and the
poller's ≤ 2 ms).

Run: ``.venv/bin/python bench/bench_commands.py [--db pg,mariadb,sqlite] [--commands 500]
[--rate 5]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from bench_engine import _measure_commands, start_daemon
from bench_engine_setup import PG_URL, REPO, persons_fixture, start_simulator

from syncd.db.ddl import init_db
from syncd.db.schema import staging_tables

MARIADB_URL = "mysql+pymysql://root@127.0.0.1:3306"


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh database of ``kind`` with the staging tables; its URL.  Dropped afterwards."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'his.db'}"
        drop = None
    elif kind == "pg":
        admin = sa.create_engine(PG_URL, poolclass=sa.pool.NullPool)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
        query = {"options": f"-csearch_path={name}"}
        url = sa.make_url(PG_URL).update_query_dict(query).render_as_string(False)
        drop = f'DROP SCHEMA "{name}" CASCADE'
    else:
        admin = sa.create_engine(f"{MARIADB_URL}/test", poolclass=sa.pool.NullPool)
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
        url, drop = f"{MARIADB_URL}/{name}?charset=utf8mb4", f"DROP DATABASE {name}"
    engine = sa.create_engine(url)
    try:
        init_db(engine, staging_tables())
        engine.dispose()
        yield url
    finally:
        engine.dispose()
        if drop is not None:
            with admin.begin() as conn:
                conn.execute(sa.text(drop))
            admin.dispose()


def part_b(kind: str, commands: int, rate: float) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as url:
        folder = Path(tmp)
        (folder / "mappings" / "other").mkdir(parents=True)
        shutil.copy(REPO / "mappings/other/code_table_query.yaml", folder / "mappings/other")
        sim = start_simulator(persons_fixture(folder, 0))
        engine = sa.create_engine(url)
        try:
            try:
                daemon = start_daemon(url, sim.endpoint, folder)
            except TimeoutError:
                print((folder / "daemon.log").read_text(errors="replace")[-3000:])
                raise
            try:
                return _measure_commands(engine, commands, rate)
            finally:
                daemon.terminate()
                daemon.wait(90)
        finally:
            sim.stop()
            engine.dispose()


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="pg,mariadb,sqlite")
    parser.add_argument("--commands", type=int, default=500)
    parser.add_argument("--rate", type=float, default=5.0)
    args = parser.parse_args()
    for kind in args.db.split(","):
        before = load()
        latencies = part_b(kind, args.commands, args.rate)
        q = statistics.quantiles(latencies, n=100)
        print(
            f"(b) {kind:8} {args.commands} commands at {args.rate}/s: "
            f"p50 {q[49] * 1000:.0f} ms  p95 {q[94] * 1000:.0f} ms  p99 {q[98] * 1000:.0f} ms  "
            f"max {max(latencies) * 1000:.0f} ms  (before: {before}; after: {load()})",
            flush=True,
        )


if __name__ == "__main__":
    main()
