"""How long the one counting function takes on PostgreSQL with a large history (prints numbers,
asserts nothing about time): what each ``/metrics`` scrape, each ``STATUS=`` line, each alert
pass and each ``syncd status`` costs.

``WI_SYNC_STATUS`` gets ``--synced`` SUCCEEDED rows (finished over the last 30 days), plus a
day's worth of open work (PENDING, WAITING — some behind a refused admission — UNKNOWN,
FAILED) and ``--commands`` commands (DONE over the last weeks, a few REJECTED, FAILED and
NEW); then ``read_counts`` is timed without the last errors (the metrics' and the alerts'
reads), with them (``syncd status``) and as the console's dashboard reads it (``open_only``:
what is open, today's successes, the last error).

Run: ``.venv/bin/python bench/bench_counts.py [--synced 1000000]`` (PostgreSQL at
127.0.0.1:5432, user postgres, db test; a schema of its own, dropped afterwards).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime

import sqlalchemy as sa
from bench_engine_setup import bench_schema

from syncd.db.counts import read_counts
from syncd.db.schema import staging_tables

HISTORY = (
    "INSERT INTO wi_sync_status (feed, source_key, version, function_id, visit_key, status,"
    " attempts, created_at, updated_at, finished_at)"
    " SELECT 'ip_fee', 'H' || g, '', 'bizh120002', 'HIST' || (g % 5000), 'SUCCEEDED', 1,"
    " now() - (g % 30) * interval '1 day', now(), now() - (g % 30) * interval '1 day'"
    " FROM generate_series(1, :n) g"
)
OPEN_WORK = (
    "INSERT INTO wi_sync_status (feed, source_key, version, function_id, visit_key, status,"
    " attempts, created_at, last_error)"
    " SELECT CASE WHEN g % 50 = 0 THEN 'ip_admission' ELSE 'ip_fee' END, 'O' || g, '',"
    " CASE WHEN g % 50 = 0 THEN 'bizh120103' ELSE 'bizh120002' END, 'OPEN' || (g % 97),"
    " CASE WHEN g % 100 = 0 THEN 'REJECTED' WHEN g % 50 = 0 THEN 'PENDING'"
    " ELSE (ARRAY['PENDING','WAITING','UNKNOWN','FAILED','REJECTED'])[1 + g % 5] END, 1,"
    " now() - (g % 600) * interval '1 second', '原因' || (g % 7)"
    " FROM generate_series(1, :n) g"
)
COMMANDS = (
    "INSERT INTO wi_request (command, status, created_at, next_attempt_at, answered_at,"
    " last_error)"
    " SELECT 'op_charge', s, now() - g * interval '2 second', now() - g * interval '2 second',"
    " CASE WHEN s IN ('DONE', 'REJECTED') THEN now() - g * interval '2 second' END,"
    " CASE WHEN s <> 'DONE' THEN '原因' || (g % 7) END"
    " FROM (SELECT g, CASE WHEN g % 1000 = 1 THEN 'REJECTED' WHEN g < 40 THEN 'NEW'"
    " WHEN g % 5000 = 2 THEN 'FAILED' ELSE 'DONE' END AS s"
    " FROM generate_series(1, :n) g) x"
)


def _median_ms(run: object, times: int) -> float:
    spent = []
    for _ in range(times):
        t0 = time.perf_counter()
        run()  # type: ignore[operator]
        spent.append(time.perf_counter() - t0)
    return 1000 * statistics.median(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synced", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=5_000)
    parser.add_argument("--commands", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with bench_schema() as (_url, engine):
        t0 = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(sa.text(HISTORY), {"n": args.synced})
            conn.execute(sa.text(OPEN_WORK), {"n": args.open})
            conn.execute(sa.text(COMMANDS), {"n": args.commands})
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
        print(
            f"data: {args.synced:,} synced + {args.open:,} open rows, {args.commands:,} "
            f"commands in {time.perf_counter() - t0:.1f} s"
        )
        tables, now = staging_tables(), datetime.now()
        counts = read_counts(engine, tables, now)
        print(f"counts: {counts.status_line()}")
        lean = _median_ms(lambda: read_counts(engine, tables, now, last_errors=False), args.runs)
        full = _median_ms(lambda: read_counts(engine, tables, now), args.runs)
        print(f"read_counts without last errors (metrics, STATUS=, alerts): median {lean:.0f} ms")
        print(f"read_counts with last errors (syncd status): median {full:.0f} ms")
        shown = ["ip_fee", "ip_admission"]
        board = _median_ms(lambda: read_counts(engine, tables, now, open_only=shown), args.runs)
        print(f"read_counts open_only (the console's dashboard): median {board:.0f} ms")


if __name__ == "__main__":
    main()
