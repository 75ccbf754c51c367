"""Benchmark (d): calls in flight against a platform with real latency (prints numbers,
asserts nothing about time).

The simulator (a subprocess) answers every call after ``--latencies`` milliseconds (its
``latency`` fault on every function).  For each latency, on PostgreSQL, ``--rows`` fee rows
over ``--stays`` admitted stays are delivered three times, each over stays of its own:

* syncd with its defaults (``delivery.max_in_flight`` 4, ``polling.batch_size`` 500):
  ``Worker.once("ip_fee")`` passes until every row is SUCCEEDED;
* syncd with ``delivery.max_in_flight: 8`` (the hand loop's concurrency), and with 1 (one
  call at a time, as before #19);
* a hand-written loop with 8 calls in flight: 8 threads take stays from a queue; per stay
  SELECT the unsent rows → XML by f-string → ``httpx`` POST (one client, one session) →
  check ``return_code`` → UPDATE, 300 rows per call; and the same loop with 4 threads (the
  concurrency of syncd's defaults).

Beside each time: the CPU the contender's process(es) used per call (every thread; a Python
process runs one thread at a time, so a contender whose CPU per call times the calls is
near its time is bound by the interpreter, not by the platform's latency).  The admissions
are sent first, untimed.  The last line printed is ``ratio syncd/hand8 at 100 ms: X.XX``
(syncd with defaults).  The load average of the machine is printed before and after.

Run: ``.venv/bin/python bench/bench_in_flight.py [--rows 20000] [--stays 100]
[--latencies 100,300]`` (``--rows 2000`` for a short run).
"""

from __future__ import annotations

import argparse
import os
import queue
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from bench_engine import _FEE_COLUMNS, _fee_xml, _hand_client, _hand_fee_table, _post, count
from bench_engine_setup import (
    add_admissions,
    bench_schema,
    copy_fees,
    feeds,
    mappings,
    persons_fixture,
    settings,
    start_simulator,
)

from syncd.config.settings import DeliverySettings, Settings
from syncd.service.worker import Worker

HAND_IN_FLIGHT = 8


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


Taken = dict[str, tuple[float, float]]  # contender: (seconds, CPU seconds)


def run_latency(rows: int, stays: int, latency_ms: int) -> Taken:
    """(seconds, CPU seconds) per contender at ``latency_ms``."""
    fault = f"latency:ms={latency_ms},times=0"
    taken: Taken = {}
    with tempfile.TemporaryDirectory() as tmp, bench_schema() as (url, engine):
        folder = Path(tmp)
        sim = start_simulator(persons_fixture(folder, 5 * stays), "--fault", fault)
        try:
            base = settings(url, sim.endpoint, mappings(folder))
            sets = [add_admissions(engine, n * stays, stays) for n in range(5)]
            eight = with_in_flight(base, HAND_IN_FLIGHT)
            admit = Worker(eight, feeds(base.folders.mappings))
            while count(engine, "SELECT COUNT(*) FROM wi_visit") < 5 * stays:
                admit.once("ip_admission")  # untimed: every stay admitted first
            admit.close()
            per_stay = rows // stays
            for name, s, visits, prefix in (
                ("syncd", base, sets[0], "A"),
                ("syncd8", eight, sets[1], "B"),
                ("syncd1", with_in_flight(base, 1), sets[3], "C"),
            ):
                start = count(engine, _SUCCEEDED)
                copy_fees(engine, "t_fee", visits, per_stay, prefix)
                worker = Worker(s, feeds(base.folders.mappings))
                t0, cpu0 = time.perf_counter(), time.process_time()
                while count(engine, _SUCCEEDED) < start + per_stay * stays:
                    worker.once("ip_fee")
                taken[name] = (time.perf_counter() - t0, time.process_time() - cpu0)
                worker.close()
            _hand_fee_table(engine, "t_fee_raw")
            with engine.begin() as conn:
                conn.execute(sa.text("ALTER TABLE t_fee_raw ADD COLUMN sent VARCHAR(1)"))
            for name, visits, prefix, threads in (
                ("hand8", sets[2], "R", HAND_IN_FLIGHT),
                ("hand4", sets[4], "S", 4),
            ):
                copy_fees(engine, "t_fee_raw", visits, per_stay, prefix)
                t0, cpu0 = time.perf_counter(), time.process_time()
                hand_loop(engine, sim.endpoint, visits, threads)
                taken[name] = (time.perf_counter() - t0, time.process_time() - cpu0)
            assert count(engine, "SELECT COUNT(*) FROM t_fee_raw WHERE sent IS NULL") == 0
        finally:
            sim.stop()
    return taken


_SUCCEEDED = "SELECT COUNT(*) FROM wi_sync_status WHERE feed = 'ip_fee' AND status = 'SUCCEEDED'"


def with_in_flight(s: Settings, n: int) -> Settings:
    delivery = DeliverySettings(**{**s.delivery.model_dump(), "max_in_flight": n})
    return s.model_copy(update={"delivery": delivery})


def hand_loop(engine: sa.Engine, endpoint: str, stays: list[str], threads: int) -> None:
    """``threads`` threads over a queue of stays; per stay SELECT the unsent rows, 300 at a
    time hand-written XML, POST, check return_code, UPDATE them sent."""
    todo: queue.SimpleQueue[str] = queue.SimpleQueue()
    for stay in stays:
        todo.put(stay)
    errors: list[BaseException] = []
    select = sa.text(
        f"SELECT {', '.join(_FEE_COLUMNS)} FROM t_fee_raw WHERE visit_no = :v"
        " AND sent IS NULL ORDER BY fee_id"
    )
    update = sa.text("UPDATE t_fee_raw SET sent = 'Y' WHERE fee_id IN :ids").bindparams(
        sa.bindparam("ids", expanding=True)
    )
    with _hand_client(engine, endpoint) as (http, session, aaz218):

        def work() -> None:
            try:
                while True:
                    try:
                        stay = todo.get_nowait()
                    except queue.Empty:
                        return
                    with engine.connect() as conn:
                        found = conn.execute(select, {"v": stay}).all()
                    for start in range(0, len(found), 300):
                        chunk = found[start : start + 300]
                        _post(http, endpoint, _fee_xml(session, aaz218[stay], chunk))
                        with engine.begin() as conn:
                            conn.execute(update, {"ids": [r[0] for r in chunk]})
            except BaseException as exc:  # reported below
                errors.append(exc)

        pool = [threading.Thread(target=work) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    if errors:
        raise errors[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--stays", type=int, default=100)
    parser.add_argument("--latencies", default="100,300", help="milliseconds, comma-separated")
    args = parser.parse_args()
    latencies = [int(ms) for ms in args.latencies.split(",")]
    print(f"(d) {args.rows} rows over {args.stays} stays; before: {load()}", flush=True)
    ratios: dict[int, float] = {}
    for ms in latencies:
        taken = run_latency(args.rows, args.stays, ms)
        for name, label in (
            ("syncd", "syncd, defaults (max_in_flight 4)"),
            ("syncd8", "syncd, max_in_flight 8"),
            ("syncd1", "syncd, max_in_flight 1 (before #19)"),
            ("hand8", f"hand loop, {HAND_IN_FLIGHT} calls in flight"),
            ("hand4", "hand loop, 4 calls in flight"),
        ):
            seconds, cpu = taken[name]
            rate, per_call = args.rows / seconds, cpu / args.stays * 1000
            print(
                f"(d) {ms} ms: {label:38} {seconds:6.2f} s = {rate:7,.0f} rows/s;"
                f" CPU {cpu:5.2f} s ({per_call:4.1f} ms a stay's call)"
            )
        hand8, hand4 = taken["hand8"][0], taken["hand4"][0]
        ratios[ms] = hand8 / taken["syncd"][0]
        eight = hand8 / taken["syncd8"][0]
        print(
            f"(d) {ms} ms: syncd/hand8 {ratios[ms]:.2f}, syncd8/hand8 {eight:.2f},"
            f" syncd/hand4 {hand4 / taken['syncd'][0]:.2f}",
            flush=True,
        )
    print(f"(d) after: {load()}")
    if 100 in ratios:
        print(f"ratio syncd/hand8 at 100 ms: {ratios[100]:.2f}")


if __name__ == "__main__":
    main()
