"""The operations console on a big site: 1,000,000 status rows, 1,000,000 archived messages and
1,000,000 commands in WI_REQUEST on PostgreSQL; how long the server takes for the dashboard,
the "needs attention" page and message searches.

    .venv/bin/python bench/bench_console.py                 # 1,000,000 + 1,000,000
    .venv/bin/python bench/bench_console.py --rows 200000 --messages 200000 --commands 0

The data is made on the server (``INSERT … SELECT generate_series``, a minute or so), in a
schema of its own that is dropped afterwards (``--keep`` keeps it).  The console runs in this
process on a loopback port; each page is fetched ``--repeat`` times after one warm-up and the
server's own time is read from the ``Server-Timing`` header the console sends (the time from
the request to the first byte of the answer, rendering included), printed beside the wall time
the client saw.  Target: 300 ms per page.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
import uuid
from datetime import datetime, timedelta

import httpx
import sqlalchemy as sa

from syncd.config.settings import (
    DatabaseSettings,
    HospitalSettings,
    PlatformSettings,
    Settings,
)
from syncd.console import passwords
from syncd.console.app import console_app
from syncd.console.server import ConsoleServer
from syncd.console.site import open_site
from syncd.db.ddl import init_db
from syncd.db.schema import staging_tables
from syncd.db.users import Users

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FEEDS = (
    ("ip_fee", "bizh120002", 60),
    ("ip_admission", "bizh120103", 8),
    ("ip_discharge", "bizh120105", 8),
    ("op_registration", "bizh110104", 12),
    ("mr_patient", "bizh200101", 6),
    ("mr_diagnosis", "bizh200102", 6),
)
REASONS = (
    "缺少必填项：电脑号(aac001)",
    "业务互斥：该参保人在其他医疗机构有未结束的住院业务",
    "bka019 代码无对照",
    "出院登记后不能上传费用",
)
_TIMING = re.compile(r"app;dur=([\d.]+)")


def _feed_case(column: str) -> str:
    """A CASE over g spreading the rows over the feeds by weight (column: feed/function)."""
    parts, upto = [], 0
    for feed, function_id, weight in FEEDS:
        upto += weight
        value = feed if column == "feed" else function_id
        parts.append(f"WHEN g % 100 < {upto} THEN '{value}'")
    return "CASE " + " ".join(parts) + " END"


def fill(engine: sa.Engine, rows: int, messages: int, commands: int = 0) -> None:
    """Status rows over half a year as a site has them: the newest 0.5 % pending, waiting or
    in flight, 0.8 % rejected all along, a few failed and unknown in the last weeks, the rest
    succeeded; archived exchanges of 50,000 persons over the same half year; commands over
    that half year too (the newest few NEW, 0.1 % REJECTED, a few FAILED, the rest DONE)."""
    reasons = "ARRAY[" + ", ".join(f"'{r}'" for r in REASONS) + "]"
    h, recent = "(g::bigint * 7919) % 1000", "g > :n - :n / 10"  # spread; the last weeks
    status = (
        f"CASE WHEN g > :n - :n / 200 THEN CASE WHEN {h} < 500 THEN 'PENDING' "
        f"WHEN {h} < 800 THEN 'WAITING' WHEN {h} < 900 THEN 'IN_FLIGHT' "
        f"ELSE 'SUCCEEDED' END WHEN {h} < 8 THEN 'REJECTED' "
        f"WHEN {recent} AND {h} < 10 THEN 'FAILED' WHEN {recent} AND {h} < 11 "
        f"THEN 'UNKNOWN' ELSE 'SUCCEEDED' END"
    )
    # one row every 15 s, the newest now: half a year for 1,000,000 rows, today's since midnight
    start = datetime.now() - timedelta(seconds=15 * max(rows, messages))
    when = f"TIMESTAMP '{start:%Y-%m-%d %H:%M:%S}' + (g * INTERVAL '15 seconds')"
    sync = f"""
        INSERT INTO wi_sync_status (feed, source_key, version, function_id, visit_key, status,
            attempts, next_attempt_at, request_id, return_code, return_code_message,
            last_error, created_at, updated_at, finished_at)
        SELECT {_feed_case("feed")}, 'K' || g, '', {_feed_case("function")},
               'ZY' || (g / 40), s, 1, {when}, md5(g::text), NULL, NULL,
               CASE WHEN s IN ('REJECTED', 'FAILED', 'UNKNOWN', 'WAITING')
                    THEN ({reasons})[1 + g % 4] END,
               {when}, {when} + INTERVAL '2 seconds',
               CASE WHEN s IN ('SUCCEEDED', 'REJECTED', 'FAILED')
                    THEN {when} + INTERVAL '2 seconds' END
        FROM (SELECT g, {status} AS s FROM generate_series(1, :n) AS g) AS x"""
    archive = f"""
        INSERT INTO wi_message (created_at, function_id, feed, source_key, visit_key, aaz218,
            call_id, outcome, return_code, duration_ms, request_xml, reply_xml, aac001,
            fields_v)
        SELECT {when}, {_feed_case("function")}, {_feed_case("feed")}, 'K' || g,
               'ZY' || (g / 40), 'ZY2026' || lpad((g / 40)::text, 10, '0'), md5(g::text),
               CASE WHEN g % 50 = 0 THEN 'REJECTED' ELSE 'SUCCEEDED' END,
               CASE WHEN g % 50 = 0 THEN '-1' ELSE '1' END, 20 + g % 80,
               '<program><session_id>********</session_id><function_id>bizh120002'
               || '</function_id><aaz218>ZY2026' || (g / 40) || '</aaz218>'
               || repeat('<row><ake005>X1</ake005></row>', 10) || '</program>',
               '<program><return_code>1</return_code><return_code_message>成功'
               || '</return_code_message></program>',
               (1000000000 + g % 50000)::text, 1
        FROM generate_series(1, :n) AS g"""
    request = f"""
        INSERT INTO wi_request (command, visit_key, status, created_at, next_attempt_at,
            answered_at, last_error)
        SELECT 'op_charge', 'MZ' || (g / 3), s, {when}, {when},
               CASE WHEN s IN ('DONE', 'REJECTED') THEN {when} + INTERVAL '1 second' END,
               CASE WHEN s <> 'DONE' THEN ({reasons})[1 + g % 4] END
        FROM (SELECT g, CASE WHEN g > :n - 20 THEN 'NEW' WHEN g % 1000 = 1 THEN 'REJECTED'
                             WHEN g % 5000 = 2 THEN 'FAILED' ELSE 'DONE' END AS s
              FROM generate_series(1, :n) AS g) AS x"""
    with engine.begin() as conn:
        conn.execute(sa.text(sync), {"n": rows})
        conn.execute(sa.text(archive), {"n": messages})
        if commands:
            conn.execute(sa.text(request), {"n": commands})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))


def _settings(url: str) -> Settings:
    return Settings(
        hospital=HospitalSettings(akb020="SS0001", name="bench"),
        database=DatabaseSettings(url=url),
        platform=PlatformSettings(userid="SS0001"),
    )


def _time(
    client: httpx.Client, method: str, path: str, repeat: int, data: dict[str, str] | None = None
) -> tuple[list[float], list[float]]:
    server, wall = [], []
    for attempt in range(repeat + 1):
        started = time.perf_counter()
        answer = client.request(method, path, data=data)
        took = (time.perf_counter() - started) * 1000
        answer.raise_for_status()
        if attempt:  # the first is a warm-up
            found = _TIMING.search(answer.headers.get("server-timing", ""))
            server.append(float(found.group(1)) if found else float("nan"))
            wall.append(took)
    return server, wall


def _log_in(client: httpx.Client) -> str:
    page = client.get("/login").text
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    client.post(
        "/login",
        data={
            "token": token.group(1),
            "username": "bench",
            "password": "bench-password",
            "next": "/",
        },
    )
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/messages").text)
    assert csrf is not None
    return csrf.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--commands", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    args = parser.parse_args()
    schema = f"bench_console_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    settings = _settings(url.render_as_string(hide_password=False))
    site = open_site(settings, {})
    try:
        tables = staging_tables()
        init_db(site.engine, tables)
        started = time.perf_counter()
        fill(site.engine, args.rows, args.messages, args.commands)
        print(
            f"data: {args.rows:,} status rows + {args.messages:,} messages + "
            f"{args.commands:,} commands in "
            f"{time.perf_counter() - started:.0f} s (schema {schema})"
        )
        Users(site.engine, tables).add(
            "bench", "operator", passwords.hash_password("bench-password"), datetime.now()
        )
        server = ConsoleServer(console_app(site), "127.0.0.1", 0)
        server.start()
        try:
            _measure(server.url, args.repeat, f"ZY{args.rows // 80}")
        finally:
            server.stop()
    finally:
        site.engine.dispose()
        if not args.keep:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _measure(url: str, repeat: int, visit: str) -> None:
    aaz218 = "ZY2026" + visit[2:].rjust(10, "0")
    day = datetime.now() - timedelta(days=30)
    one_day = {"since": f"{day:%Y-%m-%d}", "until": f"{day + timedelta(days=1):%Y-%m-%d}"}
    with httpx.Client(base_url=url, timeout=60) as client:
        csrf = _log_in(client)
        pages: list[tuple[str, str, str, dict[str, str] | None]] = [
            ("dashboard", "GET", "/", None),
            ("dashboard: its refresh (/live)", "GET", "/live", None),
            ("needs attention", "GET", "/attention", None),
            ("rows: REJECTED, newest 100", "GET", "/rows?status=REJECTED", None),
            ("rows: a visit", "GET", f"/rows?visit={visit}", None),
            ("search: a person (aac001)", "POST", "/messages", {"aac001": "1000012345"}),
            ("search: a visit", "POST", "/messages", {"visit_key": visit}),
            ("search: aaz218", "POST", "/messages", {"aaz218": aaz218}),
            (
                "search: function + return code",
                "POST",
                "/messages",
                {"function_id": "bizh120103", "return_code": "-1"},
            ),
            ("search: one day", "POST", "/messages", one_day),
            ("visit story", "GET", f"/visit/{visit}", None),
        ]
        print(f"\n{'page':36} {'server p50':>11} {'server p95':>11} {'max':>8} {'wall p50':>9}")
        for name, method, path, data in pages:
            form = None if data is None else {**data, "csrf": csrf}
            server, wall = _time(client, method, path, repeat, form)
            p95 = statistics.quantiles(server, n=20)[-1] if len(server) >= 2 else server[0]
            print(
                f"{name:36} {statistics.median(server):9.1f}ms {p95:9.1f}ms "
                f"{max(server):6.1f}ms {statistics.median(wall):7.1f}ms"
            )
        print("\n(target: 300 ms of server time per page)")


if __name__ == "__main__":
    main()
