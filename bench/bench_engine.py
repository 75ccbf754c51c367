"""Benchmarks of the engine and the daemon on PostgreSQL against the simulator (prints numbers,
asserts nothing about time).

(a) ``--part a``: 20,000 fee rows over 100 admitted stays through syncd (``Worker.once`` on
    the ip_fee feed), then, in the same run, a minimal hand-written loop over another 20,000
    rows (SELECT → XML by hand → POST → UPDATE, batches of 300 per stay): both rates and the
    ratio.  A third loop, as bare, adds only the writes the delivery rules require (each row
    recorded, the intent committed before the call, the exchange archived, the result written
    in one transaction; no leases, no ledger): how much of the gap the rules themselves cost.
(b) ``--part b``: ``syncd run`` (default settings) in a subprocess; 500 ``code_table_query``
    commands inserted into WI_REQUEST at 5 per second; insert → answer committed, p50/p95/p99
    (seen by a poller every 2 ms).
(c) ``--part c``: 1,000,000 fee rows already synced (view + sync_status) and 50,000 pending:
    the daemon's peak RSS (VmHWM) while it delivers the pending rows, then the time of a poll
    that finds nothing new — anti-join only, and with the optional watermark (+ look-back),
    with the PostgreSQL plan of the anti-join.

Run: ``.venv/bin/python bench/bench_engine.py [--part a|b|c|all]`` (PostgreSQL at
127.0.0.1:5432, user postgres, db test; everything is created in a schema of its own and
dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import httpx
import sqlalchemy as sa
from bench_engine_setup import (
    add_admissions,
    bench_schema,
    copy_fees,
    fee_watermark,
    feeds,
    mappings,
    persons_fixture,
    settings,
    start_simulator,
    wait_until,
)
from defusedxml import ElementTree

from syncd.config.settings import PollingSettings
from syncd.core.records import Watermark
from syncd.db.feed_source import FeedSource
from syncd.db.schema import staging_tables
from syncd.resources import shipped_mappings
from syncd.service.worker import Worker, watermark_of
from syncd.simulator import DEFAULT_PASSWORD, DEFAULT_USERID

SYNCD = str(Path(sys.executable).with_name("syncd"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from round_trips_support import RoundTrips  # noqa: E402 (the test's counter, not a copy)


def count(engine: sa.Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar() or 0)


# --- (a) throughput ---------------------------------------------------------------------------


def part_a(fees: int, stays: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, bench_schema() as (url, engine):
        folder = Path(tmp)
        sim = start_simulator(persons_fixture(folder, 3 * stays))
        try:
            ours, raw = add_admissions(engine, 0, stays), add_admissions(engine, stays, stays)
            ruled = add_admissions(engine, 2 * stays, stays)
            s = settings(url, sim.endpoint, mappings(folder), batch_size=10000)
            worker = Worker(s, feeds(s.folders.mappings))
            worker.once("ip_admission")  # not timed: every stay admitted first
            _hand_fee_table(engine, "t_fee_raw")
            with engine.begin() as conn:
                conn.execute(sa.text("ALTER TABLE t_fee_raw ADD COLUMN sent VARCHAR(1)"))
            copy_fees(engine, "t_fee", ours, fees // stays, "F")
            copy_fees(engine, "t_fee_raw", raw, fees // stays, "R")
            _rules_tables(engine)
            copy_fees(engine, "t_fee_rules", ruled, fees // stays, "D")
            t0 = time.perf_counter()
            with RoundTrips(worker.engine) as trips:
                while (
                    count(
                        engine,
                        "SELECT COUNT(*) FROM wi_sync_status WHERE feed = 'ip_fee'"
                        " AND status = 'SUCCEEDED'",
                    )
                    < fees
                ):
                    worker.once("ip_fee")
            syncd_s = time.perf_counter() - t0
            calls = count(
                engine, "SELECT COUNT(*) FROM wi_message WHERE function_id = 'bizh120002'"
            )
            worker.close()
            t0 = time.perf_counter()
            minimal_loop(engine, sim.endpoint, raw)
            minimal_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            rules_loop(engine, sim.endpoint, ruled)
            rules_s = time.perf_counter() - t0
        finally:
            sim.stop()
    ours_rate, raw_rate, rules_rate = fees / syncd_s, fees / minimal_s, fees / rules_s
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"(a) syncd        {fees} rows in {syncd_s:.2f} s = {ours_rate:,.0f} rows/s")
    print(
        f"(a) syncd's round trips to the database: {trips.total / calls:.1f} per fee call "
        f"({calls} calls; tests/integration/test_engine_round_trips.py: budget 12)"
    )
    print(f"(a) minimal loop {fees} rows in {minimal_s:.2f} s = {raw_rate:,.0f} rows/s")
    print(f"(a) ratio syncd/minimal = {ours_rate / raw_rate:.2f}")
    print(
        f"(a) minimal loop + the rules' writes {fees} rows in {rules_s:.2f} s = "
        f"{rules_rate:,.0f} rows/s = {rules_rate / raw_rate:.2f} of the minimal loop"
    )
    print(f"(a) ratio syncd/rules-only loop = {ours_rate / rules_rate:.2f} (target 0.9)")


_FEE_COLUMNS = ("fee_id", "item_code", "item_name", "price", "qty", "amount", "fee_date", "illness")
_FEE_TAGS = ("aaz213", "ake005", "ake006", "bka056", "bka057", "bka058", "bka051", "bka061")


def minimal_loop(engine: sa.Engine, endpoint: str, stays: list[str]) -> None:
    """No framework: per stay SELECT the unsent rows, 300 at a time hand-written XML, POST,
    check return_code, UPDATE them sent."""
    with _hand_client(engine, endpoint) as (http, session, aaz218):
        for stay in stays:
            with engine.connect() as conn:
                rows = conn.execute(
                    sa.text(
                        f"SELECT {', '.join(_FEE_COLUMNS)} FROM t_fee_raw WHERE visit_no = :v"
                        " AND sent IS NULL ORDER BY fee_id"
                    ),
                    {"v": stay},
                ).all()
            for start in range(0, len(rows), 300):
                chunk = rows[start : start + 300]
                _post(http, endpoint, _fee_xml(session, aaz218[stay], chunk))
                with engine.begin() as conn:
                    conn.execute(
                        sa.text("UPDATE t_fee_raw SET sent = 'Y' WHERE fee_id IN :ids").bindparams(
                            sa.bindparam("ids", expanding=True)
                        ),
                        {"ids": [r[0] for r in chunk]},
                    )


@contextmanager
def _hand_client(
    engine: sa.Engine, endpoint: str
) -> Iterator[tuple[httpx.Client, str, dict[str, str]]]:
    """A hand loop's HTTP client, its platform session and the stays' business numbers."""
    with httpx.Client(headers={"Content-Type": "text/xml; charset=UTF-8"}) as http:
        yield http, _login(http, endpoint), _business_numbers(engine)


def _hand_fee_table(engine: sa.Engine, name: str) -> None:
    """A copy of the fee table with the same indexes as syncd's (primary key, visit)."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE {name} AS SELECT * FROM t_fee WITH NO DATA"))
        conn.execute(sa.text(f"ALTER TABLE {name} ADD PRIMARY KEY (fee_id)"))
        conn.execute(sa.text(f"CREATE INDEX {name}_visit ON {name} (visit_no)"))


def _rules_tables(engine: sa.Engine) -> None:
    """What the rules' loop keeps: its own copy of the fee table, a status row per fee row
    (unique key, due/status and visit indexes as an outbox needs) and an archive."""
    _hand_fee_table(engine, "t_fee_rules")
    with engine.begin() as conn:
        for ddl in (
            "CREATE TABLE t_rules_status (id BIGSERIAL PRIMARY KEY, fee_id VARCHAR(20) UNIQUE,"
            " visit_no VARCHAR(20), status VARCHAR(12), request_id VARCHAR(32),"
            " attempts INTEGER NOT NULL DEFAULT 0, updated_at TIMESTAMP NOT NULL DEFAULT now())",
            "CREATE INDEX t_rules_status_due ON t_rules_status (status, updated_at)",
            "CREATE INDEX t_rules_status_visit ON t_rules_status (visit_no)",
            "CREATE TABLE t_rules_archive (id BIGSERIAL PRIMARY KEY, request_id VARCHAR(32),"
            " request BYTEA, reply BYTEA, created_at TIMESTAMP NOT NULL DEFAULT now())",
        ):
            conn.execute(sa.text(ddl))


_ANY_FEE = "WHERE fee_id = ANY(CAST(:ids AS VARCHAR[]))"


def rules_loop(engine: sa.Engine, endpoint: str, stays: list[str]) -> None:
    """The minimal loop plus only the writes the delivery rules require, no framework: per
    stay SELECT the unrecorded rows and record them; per call commit the intent, POST, then
    archive the exchange and write the result in one transaction."""
    with _hand_client(engine, endpoint) as (http, session, aaz218):
        for stay in stays:
            with engine.begin() as conn:
                rows = conn.execute(
                    sa.text(
                        f"SELECT {', '.join(_FEE_COLUMNS)} FROM t_fee_rules f WHERE visit_no = :v"
                        " AND NOT EXISTS (SELECT 1 FROM t_rules_status s WHERE s.fee_id = f.fee_id)"
                        " ORDER BY fee_id"
                    ),
                    {"v": stay},
                ).all()
                conn.execute(
                    sa.text(
                        "INSERT INTO t_rules_status (fee_id, visit_no, status)"
                        " VALUES (:f, :v, 'PENDING')"
                    ),
                    [{"f": r[0], "v": stay} for r in rows],
                )
            for start in range(0, len(rows), 300):
                chunk = rows[start : start + 300]
                ids, request_id = [r[0] for r in chunk], uuid.uuid4().hex
                with engine.begin() as conn:
                    conn.execute(
                        sa.text(
                            "UPDATE t_rules_status SET status = 'IN_FLIGHT',"
                            " request_id = :r, attempts = attempts + 1 " + _ANY_FEE
                        ),
                        {"r": request_id, "ids": ids},
                    )
                body = _fee_xml(session, aaz218[stay], chunk)
                reply = http.post(endpoint, content=body).content
                if ElementTree.fromstring(reply).findtext("return_code") != "1":
                    raise RuntimeError("the platform refused a fee upload")
                with engine.begin() as conn:
                    conn.execute(
                        sa.text(
                            "INSERT INTO t_rules_archive (request_id, request, reply)"
                            " VALUES (:r, :q, :a)"
                        ),
                        {"r": request_id, "q": body, "a": reply},
                    )
                    done = "UPDATE t_rules_status SET status = 'SUCCEEDED', updated_at = now() "
                    conn.execute(sa.text(done + _ANY_FEE), {"ids": ids})


def _fee_xml(session: str, aaz218: str, rows: Sequence[sa.Row[Any]]) -> bytes:
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?><program><session_id>{session}</session_id>'
        f"<function_id>bizh120002</function_id><akb020>SS0001</akb020>"
        f"<aaz218>{aaz218}</aaz218><feeinfo>"
    ]
    for row in rows:
        price, qty = f"{row[3]:.4f}", f"{row[4]:.2f}"
        values = (row[0], row[1], row[2], price, qty, f"{row[5]:.2f}", row[6], row[7])
        cells = "".join(
            f"<{t}>{escape(str(v))}</{t}>" for t, v in zip(_FEE_TAGS, values, strict=True)
        )
        parts.append(f"<row>{cells}</row>")
    parts.append("</feeinfo></program>")
    return "".join(parts).encode("utf-8")


def _login(http: httpx.Client, endpoint: str) -> str:
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><program><function_id>sys0001</function_id>'
        f"<userid>{DEFAULT_USERID}</userid><password>{DEFAULT_PASSWORD}</password></program>"
    )
    return str(_post(http, endpoint, body.encode("utf-8")).findtext("session_id"))


def _post(http: httpx.Client, endpoint: str, body: bytes) -> ElementTree.Element:
    root = ElementTree.fromstring(http.post(endpoint, content=body).content)
    if root.findtext("return_code") != "1":
        raise RuntimeError(f"platform said {root.findtext('return_code_message')}")
    return root


def _business_numbers(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {k: v for k, v in conn.execute(sa.text("SELECT visit_key, aaz218 FROM wi_visit"))}


# --- (b) command latency ------------------------------------------------------------------


def start_daemon(url: str, endpoint: str, folder: Path, extra: str = "") -> subprocess.Popen[bytes]:
    config = folder / "syncd.yaml"
    config.write_text(
        f"hospital: {{akb020: SS0001}}\ndatabase: {{url: '{url}'}}\n"
        f"platform: {{url: '{endpoint}', userid: {DEFAULT_USERID}}}\n"
        f"folders: {{mappings: '{folder / 'mappings'}', reports: '{folder}'}}\n{extra}",
        encoding="utf-8",
    )
    env = {**os.environ, "SYNCD_CONFIG": str(config), "SYNCD_PLATFORM__PASSWORD": DEFAULT_PASSWORD}
    log = (folder / "daemon.log").open("wb")
    proc = subprocess.Popen([SYNCD, "run"], stdout=log, stderr=log, env=env)
    log.close()
    wait_until(lambda: b"daemon.ready" in (folder / "daemon.log").read_bytes(), 60)
    return proc


def part_b(commands: int, rate: float) -> None:
    with tempfile.TemporaryDirectory() as tmp, bench_schema() as (url, engine):
        folder = Path(tmp)
        sim = start_simulator(persons_fixture(folder, 0))
        mappings(folder, commands=True)
        daemon = start_daemon(url, sim.endpoint, folder)
        try:
            latencies = _measure_commands(engine, commands, rate)
        finally:
            daemon.terminate()
            daemon.wait(90)
            sim.stop()
    q = statistics.quantiles(latencies, n=100)
    print(
        f"(b) {commands} commands at {rate}/s: p50 {q[49] * 1000:.0f} ms  "
        f"p95 {q[94] * 1000:.0f} ms  p99 {q[98] * 1000:.0f} ms  "
        f"max {max(latencies) * 1000:.0f} ms"
    )


def _measure_commands(engine: sa.Engine, commands: int, rate: float) -> list[float]:
    inserted: dict[int, float] = {}
    answered: dict[int, float] = {}
    done = threading.Event()

    def poll() -> None:
        with engine.connect() as conn:
            while not done.is_set():
                rows = conn.execute(
                    sa.text(
                        "SELECT id FROM wi_request WHERE status <> 'NEW' AND status <> 'IN_FLIGHT'"
                    )
                ).all()
                conn.commit()
                now = time.perf_counter()
                for (rid,) in rows:
                    answered.setdefault(int(rid), now)
                time.sleep(0.002)

    poller = threading.Thread(target=poll)
    poller.start()
    start = time.perf_counter()
    insert = sa.text(
        "INSERT INTO wi_request (command, params_json, requested_by) VALUES"
        " ('code_table_query', '{\"aaa100\": \"bka006\"}', 'bench') RETURNING id"
    )
    for i in range(commands):
        time.sleep(max(0.0, start + i / rate - time.perf_counter()))
        with engine.begin() as conn:
            rid = int(conn.execute(insert).scalar_one())
        inserted[rid] = time.perf_counter()
    wait_until(lambda: len(answered) >= commands, 60)
    done.set()
    poller.join()
    return [answered[rid] - at for rid, at in inserted.items()]


# --- (c) memory and the empty poll ----------------------------------------------------------


def part_c(synced: int, pending: int, stays: int, *, daemon: bool = True) -> None:
    pending = pending if daemon else 0  # without the daemon nothing would send them
    with tempfile.TemporaryDirectory() as tmp, bench_schema() as (url, engine):
        folder = Path(tmp)
        sim = start_simulator(persons_fixture(folder, stays))
        try:
            visits = add_admissions(engine, 0, stays)
            s = settings(url, sim.endpoint, mappings(folder))
            Worker(s, feeds(s.folders.mappings)).once("ip_admission")
            t0 = time.perf_counter()
            _history(engine, synced)
            copy_fees(engine, "t_fee", visits, pending // stays, "P")
            print(
                f"(c) data: {synced:,} synced + {pending:,} pending rows in "
                f"{time.perf_counter() - t0:.1f} s"
            )
            if daemon:
                _daemon_memory(engine, url, sim.endpoint, folder, synced + pending)
            _empty_poll(engine, url, s, folder)
            _shipped_default_poll(engine, folder, synced)
        finally:
            sim.stop()


def _history(engine: sa.Engine, synced: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO t_fee SELECT 'H' || lpad(g::text, 9, '0'), 'HIST' || (g % 5000),"
                " 'X0101', '换药', 1.25, 2, 2.5, '20261001', '0', now() - interval '30 days'"
                " FROM generate_series(1, :n) g"
            ),
            {"n": synced},
        )
        conn.execute(
            sa.text(
                "INSERT INTO wi_sync_status (feed, source_key, version, function_id, visit_key,"
                " status, attempts) SELECT 'ip_fee', fee_id, '', 'bizh120002', visit_no,"
                " 'SUCCEEDED', 1 FROM t_fee WHERE fee_id LIKE 'H%'"
            )
        )
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))


def _daemon_memory(engine: sa.Engine, url: str, endpoint: str, folder: Path, total: int) -> None:
    t0 = time.perf_counter()
    daemon = start_daemon(url, endpoint, folder)
    peak = 0
    try:

        def finished() -> bool:
            nonlocal peak
            peak = max(peak, _rss_kib(daemon.pid))
            return (
                count(
                    engine,
                    "SELECT COUNT(*) FROM wi_sync_status WHERE feed = 'ip_fee'"
                    " AND status = 'SUCCEEDED'",
                )
                >= total
            )

        wait_until(finished, 1800, every=0.5)
        took = time.perf_counter() - t0
        hwm = _rss_kib(daemon.pid, "VmHWM")
    finally:
        daemon.terminate()
        daemon.wait(90)
    print(
        f"(c) daemon delivered the pending rows in {took:.1f} s (start-up included); "
        f"peak RSS {max(peak, hwm) / 1024:.0f} MiB (VmHWM)"
    )


def _rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _empty_poll(engine: sa.Engine, url: str, s: object, folder: Path) -> None:
    spec = feeds(folder / "mappings")["ip_fee"]
    tables = staging_tables()
    anti = FeedSource(engine, tables, spec)
    mark = fee_watermark()["ip_fee"]
    marked = FeedSource(engine, tables, spec, Watermark(mark.column, mark.lookback))
    print(f"(c) empty poll, anti-join only: median {_median_ms(anti, 5):.1f} ms")
    first = time.perf_counter()
    marked.discover(500)
    first_ms = 1000 * (time.perf_counter() - first)
    print(
        f"(c) empty poll, watermark: first of a process {first_ms:.0f} ms, then median "
        f"{_median_ms(marked, 20):.1f} ms"
    )
    _explain(engine, anti, "the anti-join")
    with engine.begin() as conn:  # a day's rows spread over 10 hours, not one instant
        conn.execute(
            sa.text(
                "UPDATE t_fee SET updated_at = now() - random() * interval"
                " '10 hours' WHERE fee_id LIKE 'P%'"
            )
        )
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE t_fee"))
    later = FeedSource(engine, tables, spec, Watermark(mark.column, mark.lookback))
    later.discover(500)
    inside = count(
        engine,
        "SELECT COUNT(*) FROM t_fee WHERE updated_at >= "
        "(SELECT MAX(updated_at) FROM t_fee) - interval '1 hour'",
    )
    print(
        f"(c) empty poll, watermark, 50,000 rows spread over 10 h ({inside:,} inside the 1 h "
        f"look-back): median {_median_ms(later, 20):.1f} ms"
    )
    _explain(engine, later, "the watermark poll")


def _shipped_default_poll(engine: sa.Engine, folder: Path, synced: int) -> None:
    """The empty poll as the shipped ip_fee mapping and default settings make it: the view
    searched from its FEE_ID watermark (a BIGINT sequence, look-back 2,000 ids), fully at
    start-up and every ``polling.full_scan_s``; ``synced`` rows already SUCCEEDED."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE T_FEE_N (fee_id BIGINT PRIMARY KEY, visit_no VARCHAR(20),"
                " item_code VARCHAR(20), item_name VARCHAR(50), price DECIMAL(14,4),"
                " qty DECIMAL(14,2), amount DECIMAL(14,2), fee_date VARCHAR(8),"
                " illness VARCHAR(1))"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO T_FEE_N SELECT g, 'HIST' || (g % 5000), 'X0101', '换药', 1.25, 2,"
                " 2.5, '20261001', '0' FROM generate_series(1, :n) g"
            ),
            {"n": synced},
        )
        conn.execute(
            sa.text(
                "INSERT INTO wi_sync_status (feed, source_key, version, function_id, visit_key,"
                " status, attempts) SELECT 'ip_fee_n', fee_id::text, '', 'bizh120002',"
                " visit_no, 'SUCCEEDED', 1 FROM T_FEE_N"
            )
        )
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
    shipped = feeds(shipped_mappings())["ip_fee"]
    spec = feeds(folder / "mappings")["ip_fee"]
    source = spec.source.model_copy(
        update={"view": "T_FEE_N", "watermark": shipped.source.watermark}
    )
    spec = spec.model_copy(update={"feed": "ip_fee_n", "source": source})
    polling = PollingSettings()
    mark = watermark_of(settings("sqlite://", "http://x", folder), spec)
    assert mark is not None, "the shipped ip_fee mapping names a watermark"
    poll = FeedSource(engine, staging_tables(), spec, mark)
    first = time.perf_counter()
    assert not poll.discover(500)
    full_ms = 1000 * (time.perf_counter() - first)
    windowed = _median_ms(poll, 20)
    polls = mark.full_scan_s / polling.default_interval_s  # polls per full scan
    mean = (full_ms + (polls - 1) * windowed) / polls
    print(
        f"(c) empty poll, shipped defaults ({mark.column} watermark, look-back "
        f"{mark.lookback:.0f}, full search every {mark.full_scan_s:.0f} s): median "
        f"{windowed:.1f} ms; the full search (start-up, then every {mark.full_scan_s:.0f} s) "
        f"{full_ms:.0f} ms; mean over a full-search period at the "
        f"{polling.default_interval_s:.0f} s default interval {mean:.1f} ms "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    _explain(engine, poll, "the shipped defaults' poll")


def _explain(engine: sa.Engine, source: FeedSource, what: str) -> None:
    statement = source.discover_statement(500).compile(
        engine, compile_kwargs={"literal_binds": True}
    )
    with engine.connect() as conn:
        plan = [r[0] for r in conn.execute(sa.text(f"EXPLAIN {statement}"))]
    print(f"(c) plan of {what}:\n    " + "\n    ".join(plan[:9]))


def _median_ms(source: FeedSource, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        found = source.discover(500)
        times.append(time.perf_counter() - t0)
        assert not found, "the poll was meant to find nothing"
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["a", "b", "c", "all"], default="all")
    parser.add_argument("--fees", type=int, default=20000)
    parser.add_argument("--stays", type=int, default=100)
    parser.add_argument("--commands", type=int, default=500)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--synced", type=int, default=1_000_000)
    parser.add_argument("--pending", type=int, default=50_000)
    parser.add_argument(
        "--no-daemon", action="store_true", help="(c) without the daemon's delivery and memory"
    )
    args = parser.parse_args()
    if args.part in ("a", "all"):
        part_a(args.fees, args.stays)
    if args.part in ("b", "all"):
        part_b(args.commands, args.rate)
    if args.part in ("c", "all"):
        part_c(args.synced, args.pending, args.stays, daemon=not args.no_daemon)


if __name__ == "__main__":
    main()
