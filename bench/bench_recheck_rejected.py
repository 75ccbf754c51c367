"""What "fix, then send again" costs a feed's tick on PostgreSQL: the read of the REJECTED rows
due for comparison (``RejectedStore.due``) with many rejected rows of which none is due (every
tick but one a minute), and with a full batch due.

    .venv/bin/python bench/bench_recheck_rejected.py [--rows 200000] [--url URL]

It makes a schema of its own, fills ``wi_sync_status`` with ``--rows`` SUCCEEDED rows and a
tenth as many REJECTED ones (fingerprinted, compared again in a minute), and prints the median
of 50 reads for each case.  Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from syncd.config.settings import DatabaseSettings
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.rejected_store import RejectedStore
from syncd.db.schema import staging_tables

NOW = datetime(2026, 11, 25, 9, 0)


def _fill(engine: sa.Engine, rows: int) -> None:
    table = staging_tables().sync_status
    rejected = rows // 10
    batch: list[dict[str, object]] = []
    with engine.begin() as conn:
        for i in range(rows + rejected):
            done = i < rows
            batch.append(
                {
                    "feed": "ip_fee",
                    "source_key": str(i),
                    "version": "",
                    "function_id": "bizh120002",
                    "visit_key": f"ZY{i // 300}",
                    "status": "SUCCEEDED" if done else "REJECTED",
                    "attempts": 1,
                    "next_attempt_at": NOW if done else NOW + timedelta(seconds=60 + i % 600),
                    "created_at": NOW,
                    "finished_at": NOW,
                    "fingerprint": None if done else f"{i:064x}",
                    "last_error": None if done else "明细项目编码不存在",
                }
            )
            if len(batch) == 5000:
                conn.execute(sa.insert(table), batch)
                batch = []
        if batch:
            conn.execute(sa.insert(table), batch)
        conn.execute(sa.text("ANALYZE wi_sync_status"))


def _median_ms(read: object, times: int = 50) -> float:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        read()  # type: ignore[operator]
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(args.url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = make_engine(DatabaseSettings(url=url.render_as_string(hide_password=False)))
    try:
        init_db(engine, staging_tables())
        _fill(engine, args.rows)
        store = RejectedStore(engine, staging_tables())
        none_due = _median_ms(lambda: store.due("ip_fee", NOW, 500))
        full = _median_ms(lambda: store.due("ip_fee", NOW + timedelta(hours=1), 500))
        print(f"rows: {args.rows} SUCCEEDED + {args.rows // 10} REJECTED (fingerprinted)")
        print(f"due(), none due:      median {none_due:.2f} ms over 50 reads")
        print(f"due(), 500 rows due:  median {full:.2f} ms over 50 reads")
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
