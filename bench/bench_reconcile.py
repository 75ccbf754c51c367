"""Reconciliation of a day with many settlements against the simulator (prints the time).

    .venv/bin/python bench/bench_reconcile.py                       # 5000 settlements
    .venv/bin/python bench/bench_reconcile.py --persons 500 --outpatient 1 --workers 8

Setup (not timed): a persons fixture of ``--persons`` synthetic people, ``syncd simulator`` in
a subprocess with it, and per person one inpatient settlement (admission, one fee row,
discharge, settlement) plus ``--outpatient`` outpatient charges, all over HTTP; the HIS view
``V_WI_SETTLEMENT_DAY`` (a SQLite table) gets the same settlements, one in 50 with a wrong
total.  Timed: :func:`syncd.reconcile.reconcile_day` — the view, the ledger, per person
bizh120102 + bizh110103 + the settlement slip of each settled stay, ``--workers`` persons in
parallel, the classification, the run stored and the three reports written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import yaml
from pydantic import SecretStr

from syncd.config.settings import (
    DatabaseSettings,
    FolderSettings,
    HospitalSettings,
    PlatformSettings,
    ReconcileSettings,
    Settings,
)
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables
from syncd.platform.client import PlatformClient
from syncd.protocol import catalogue
from syncd.protocol.codec import Value
from syncd.protocol.messages import Request, SettlementReply, parse_reply
from syncd.reconcile import reconcile_day

AKB020 = "SS0001"
CAT = catalogue.load()
_LISTENING = re.compile(r"simulator listening on (\S+)")
HIS_DDL = (
    "CREATE TABLE V_WI_SETTLEMENT_DAY (SETTLE_ID INTEGER PRIMARY KEY, VISIT_KIND VARCHAR(12),"
    " VISIT_NO VARCHAR(20), PERSON_NO VARCHAR(20), AAZ218 VARCHAR(30), BKA001 INTEGER,"
    " AKC264 DECIMAL(14,2), BKA831 DECIMAL(14,2), BKA832 DECIMAL(14,2), AKE039 DECIMAL(14,2),"
    " SETTLE_TIME TIMESTAMP, CANCELLED VARCHAR(1))",
    # the other views the shipped mappings name and the reconciliation reads (empty here)
    "CREATE TABLE V_WI_IP_FEE (FEE_ID INTEGER PRIMARY KEY, STAY_NO VARCHAR(20))",
    "CREATE TABLE V_WI_IP_ADMISSION (STAY_NO VARCHAR(20) PRIMARY KEY, PERSON_NO VARCHAR(20))",
    "CREATE TABLE V_WI_OP_REGISTRATION (VISIT_NO VARCHAR(20) PRIMARY KEY, PERSON_NO VARCHAR(20))",
)


def persons_file(folder: Path, count: int) -> Path:
    people = [
        {
            "aac001": f"2{i:09d}",
            "aac002": f"4401061990{i:08d}",
            "aac003": f"测试{i}",
            "aac004": "1",
            "baa027": "440100",
        }
        for i in range(count)
    ]
    path = folder / "persons.yaml"
    path.write_text(yaml.safe_dump({"persons": people}, allow_unicode=True), encoding="utf-8")
    return path


def start_simulator(persons: Path) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "syncd", "simulator", "--port", "0", "--persons", str(persons)]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        found = _LISTENING.search(line)
        if found:
            _drain(proc.stderr)
            return proc, found.group(1)
    proc.kill()
    raise SystemExit("the simulator did not report its endpoint")


def _drain(stream: IO[str]) -> None:
    threading.Thread(target=lambda: stream.read(), daemon=True).start()


def call(client: PlatformClient, function_id: str, datasets: Any = None, **params: Value) -> Any:
    result = client.call(Request.build(CAT, function_id, {"akb020": AKB020, **params}, datasets))
    assert result.succeeded and result.reply is not None, (function_id, result.message)
    return parse_reply(CAT.get(function_id), result.reply)


def fee(serial: str, amount: str, today: dt.date) -> dict[str, Value]:
    value = Decimal(amount)
    return {
        "ake005": "X0101",
        "ake006": "换药",
        "bka056": value,
        "bka057": Decimal("1.00"),
        "bka058": value,
        "bka051": today,
        "bka063": "0101",
        "bka064": "李四",
        "aaz213": serial,
        "aka036": "0",
        "bka061": "0",
    }


def settle_person(
    client: PlatformClient, index: int, outpatient: int, today: dt.date
) -> list[dict[str, Any]]:
    """One inpatient settlement and ``outpatient`` charges; the HIS view rows for them."""
    aac001 = f"2{index:09d}"
    rows = []
    aaz218 = call(
        client,
        "bizh120103",
        aka130="42",
        bka006="420",
        aac001=aac001,
        bka017=today,
        bka014="0101",
        bka015="李四",
        bka025=f"ZY{index}",
    ).aaz218
    call(
        client,
        "bizh120002",
        {"feeinfo": [fee("1", f"{100 + index % 97}.00", today)]},
        aaz218=aaz218,
    )
    call(client, "bizh120105", aaz218=aaz218, bka032=today, bka033="0101", bka034="李四")
    reply: SettlementReply = call(client, "bizh120106", aaz218=aaz218, bka046="0101", bka047="李四")
    rows.append(_his_row("INPATIENT", f"ZY{index}", aac001, aaz218, None, reply, index))
    for batch in range(1, outpatient + 1):
        visit = call(
            client,
            "bizh110104",
            aac001=aac001,
            aka130="41",
            bka006="410",
            bka014="0102",
            bka015="赵六",
        ).aaz218
        charged = call(
            client,
            "bizh110105",
            {"feeinfo": [fee("1", "88.00", today)]},
            aaz218=visit,
            bka014="0102",
            bka015="赵六",
            bka893="1",
        )
        rows.append(
            _his_row("OUTPATIENT", f"MZ{index}-{batch}", aac001, visit, 1, charged, index + batch)
        )
    return rows


def _his_row(
    kind: str,
    visit: str,
    aac001: str,
    aaz218: str,
    batch: int | None,
    reply: SettlementReply,
    seed: int,
) -> dict[str, Any]:
    assert reply.figures is not None
    f = reply.figures
    wrong = Decimal("1.00") if seed % 50 == 0 else Decimal("0")
    return {
        "VISIT_KIND": kind,
        "VISIT_NO": visit,
        "PERSON_NO": aac001,
        "AAZ218": aaz218,
        "BKA001": batch,
        "AKC264": f.akc264 + wrong,
        "BKA831": f.bka831,
        "BKA832": f.bka832,
        "AKE039": f.ake039,
        "CANCELLED": "0",
    }


def seed(endpoint: str, db: sa.Engine, persons: int, outpatient: int, today: dt.date) -> int:
    settings = platform_settings(endpoint)
    with PlatformClient(settings) as client, ThreadPoolExecutor(4) as pool:
        chunks = pool.map(lambda i: settle_person(client, i, outpatient, today), range(persons))
        rows = [row for chunk in chunks for row in chunk]
    when = dt.datetime.combine(today, dt.time(12))
    money = ("AKC264", "BKA831", "BKA832", "AKE039")
    columns = [
        sa.column(k, sa.Numeric(14, 2) if k in money else sa.String())
        for k in rows[0]
        if k != "BKA001"
    ]
    columns += [
        sa.column("BKA001", sa.Integer()),
        sa.column("SETTLE_ID", sa.Integer()),
        sa.column("SETTLE_TIME", sa.DateTime()),
    ]
    table = sa.table("V_WI_SETTLEMENT_DAY", *columns)
    with db.begin() as conn:
        conn.execute(
            table.insert(),
            [{**r, "SETTLE_ID": i + 1, "SETTLE_TIME": when} for i, r in enumerate(rows)],
        )
    return len(rows)


def platform_settings(endpoint: str) -> PlatformSettings:
    return PlatformSettings(url=endpoint, userid="SS0001", password=SecretStr("sim-password"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=2500)
    parser.add_argument("--outpatient", type=int, default=1, help="outpatient charges a person")
    parser.add_argument("--workers", type=int, default=4, help="reconcile.platform_workers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(Path(tmp), args.persons, args.outpatient, args.workers)


def run(folder: Path, persons: int, outpatient: int, workers: int) -> None:
    proc, endpoint = start_simulator(persons_file(folder, persons))
    url = f"sqlite:///{folder / 'his.db'}"
    db = make_engine(DatabaseSettings(url=url))
    try:
        init_db(db, staging_tables())
        with db.begin() as conn:
            for ddl in HIS_DDL:
                conn.execute(sa.text(ddl))
        today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
        t0 = time.perf_counter()
        count = seed(endpoint, db, persons, outpatient, today)
        print(
            f"setup: {count} settlements of {persons} persons in "
            f"{time.perf_counter() - t0:.1f} s (not part of the result)"
        )
        settings = Settings(
            hospital=HospitalSettings(akb020=AKB020),
            database=DatabaseSettings(url=url),
            platform=platform_settings(endpoint),
            folders=FolderSettings(mappings=Path("mappings"), reports=folder / "reports"),
            reconcile=ReconcileSettings(platform_workers=workers),
        )
        with PlatformClient(settings.platform) as client:
            t0 = time.perf_counter()
            result = reconcile_day(settings, db, client, today, mail=False)
            elapsed = time.perf_counter() - t0
        print(
            f"reconcile_day: {count} settlements, {result.persons} persons, "
            f"{result.platform_calls} platform calls, {workers} workers: {elapsed:.1f} s "
            f"({result.platform_calls / elapsed:.0f} calls/s); "
            f"{result.discrepancies} discrepancies, {len(result.items)} items"
        )
    finally:
        db.dispose()
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
