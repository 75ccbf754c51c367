"""Benchmark of the platform client against the simulator (prints numbers, asserts nothing).

Starts ``syncd simulator --port 0`` in a subprocess (its own process, so its CPU time does not
share our GIL), reads the endpoint it reports, then measures:

(a) ``PlatformClient.call`` for a cheap query: Request.build + encode + POST + decode +
    classify, calls per second over N calls on one kept-alive connection;
(b) a bare ``httpx.Client.post`` of the same request, encoded once beforehand, to the same
    endpoint: the floor set by HTTP and the simulator;
(c) a 300-row bizh120002 fee upload through the client (build + call), per upload.

Run: ``.venv/bin/python bench/bench_client.py [--calls 1000] [--function bizh120205]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import IO

import httpx
from pydantic import SecretStr

from syncd.config.settings import PlatformSettings
from syncd.core.records import Outcome
from syncd.platform.client import PlatformClient, SessionCache
from syncd.protocol import catalogue
from syncd.protocol.codec import Value, decode_program, encode_request
from syncd.protocol.messages import Request
from syncd.simulator import DEFAULT_PASSWORD, DEFAULT_USERID

AKB020 = "SS0001"
PERSON = "1000010001"
QUERIES: dict[str, dict[str, Value]] = {
    "bizh120205": {"akb020": AKB020, "aaa100": "bka006"},
    "bizh110001": {"akb020": AKB020, "bka895": "aac001", "bka896": PERSON, "bka006": "410"},
}
_LISTENING = re.compile(r"simulator listening on (\S+)")
CAT = catalogue.load()


def start_simulator() -> tuple[subprocess.Popen[str], str]:
    """``syncd simulator --port 0``; returns the process and the endpoint it printed."""
    command = [sys.executable, "-m", "syncd", "simulator", "--port", "0"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    deadline = time.monotonic() + 20
    for line in proc.stderr:
        found = _LISTENING.search(line)
        if found:
            _drain(proc.stderr)  # the simulator logs every call: keep its pipe flowing
            return proc, found.group(1)
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise SystemExit("the simulator did not report its endpoint")


def _drain(stream: IO[str]) -> None:
    threading.Thread(target=lambda: stream.read(), daemon=True).start()


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def timed(count: int, one: Callable[[], None]) -> float:
    start = time.perf_counter()
    for _ in range(count):
        one()
    return time.perf_counter() - start


def bench_client(client: PlatformClient, function_id: str, calls: int) -> float:
    params = QUERIES[function_id]

    def one() -> None:
        result = client.call(Request.build(CAT, function_id, params))
        if result.outcome is not Outcome.SUCCEEDED:
            raise SystemExit(f"{function_id}: {result.outcome} {result.message}")

    one()  # log in, open the connection
    return rate(calls, timed(calls, one))


def bench_bare(endpoint: str, content_type: str, function_id: str, calls: int) -> float:
    with httpx.Client(headers={"Content-Type": content_type}, timeout=30) as http:
        login = encode_request("sys0001", {"userid": DEFAULT_USERID, "password": DEFAULT_PASSWORD})
        session = decode_program(http.post(endpoint, content=login).content).require_text(
            "session_id"
        )
        body = encode_request(function_id, QUERIES[function_id], session_id=session)

        def one() -> None:
            response = http.post(endpoint, content=body)
            if response.status_code != 200 or b"<return_code>1<" not in response.content:
                raise SystemExit(f"bare POST failed: {response.status_code}")

        one()
        return rate(calls, timed(calls, one))


def fee_rows(batch: int, count: int) -> list[dict[str, Value]]:
    return [
        {
            "ake005": "X0101",
            "ake006": "头孢呋辛钠注射液",
            "bka056": Decimal("12.5000"),
            "bka057": Decimal("2.00"),
            "bka058": Decimal("25.00"),
            "bka051": dt.date(2026, 11, 21),
            "bka063": "0101",
            "bka064": "李四",
            "aaz213": f"{batch:03d}{n:04d}",
            "aka036": "0",
            "bka061": "0",
        }
        for n in range(1, count + 1)
    ]


def bench_upload(client: PlatformClient, uploads: int, rows: int) -> tuple[list[float], int]:
    """Seconds per ``rows``-row upload (build + call) into one stay; request size in bytes."""
    admit = Request.build(
        CAT,
        "bizh120103",
        {
            "akb020": AKB020,
            "aka130": "42",
            "bka006": "420",
            "aac001": PERSON,
            "bka017": dt.date(2026, 11, 20),
            "bka014": "0101",
            "bka015": "李四",
        },
    )
    admitted = client.call(admit)
    aaz218 = admitted.reply.text("aaz218") if admitted.reply else ""
    times, size = [], 0
    for batch in range(1, uploads + 1):
        start = time.perf_counter()
        request = Request.build(
            CAT,
            "bizh120002",
            {"akb020": AKB020, "aaz218": aaz218},
            {"feeinfo": fee_rows(batch, rows)},
        )
        result = client.call(request)
        times.append(time.perf_counter() - start)
        if result.outcome is not Outcome.SUCCEEDED:
            raise SystemExit(f"bizh120002: {result.outcome} {result.message}")
        size = len(result.request_bytes)
    return times, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000, help="calls per measurement")
    parser.add_argument("--function", choices=sorted(QUERIES), default="bizh120205")
    parser.add_argument("--uploads", type=int, default=10, help="300-row uploads to time")
    args = parser.parse_args()
    proc, endpoint = start_simulator()
    try:
        run(endpoint, args.function, args.calls, args.uploads)
    finally:
        proc.terminate()
        proc.wait(10)


def run(endpoint: str, function_id: str, calls: int, uploads: int) -> None:
    settings = PlatformSettings(
        url=endpoint, userid=DEFAULT_USERID, password=SecretStr(DEFAULT_PASSWORD)
    )
    print(f"simulator: {endpoint} (subprocess); {calls} calls of {function_id} each")
    with PlatformClient(settings, sessions=SessionCache()) as client:
        client_rate = bench_client(client, function_id, calls)
        bare_rate = bench_bare(endpoint, settings.content_type, function_id, calls)
        times, size = bench_upload(client, uploads, 300)
    overhead_ms = (1 / client_rate - 1 / bare_rate) * 1000
    print(f"(a) PlatformClient.call      {client_rate:8.0f} calls/s  ({1000 / client_rate:.2f} ms)")
    print(f"(b) bare httpx post          {bare_rate:8.0f} calls/s  ({1000 / bare_rate:.2f} ms)")
    print(
        f"    ratio bare/client        {bare_rate / client_rate:8.2f}x  "
        f"(client work {overhead_ms:.2f} ms per call)"
    )
    print(
        f"(c) 300-row bizh120002       median {statistics.median(times) * 1000:.1f} ms, "
        f"min {min(times) * 1000:.1f} ms over {uploads} uploads ({size / 1024:.0f} KiB each)"
    )


if __name__ == "__main__":
    main()
