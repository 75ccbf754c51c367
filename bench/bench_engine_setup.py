"""Shared set-up of ``bench_engine.py``: a PostgreSQL schema of its own, a persons fixture with
as many insured persons as the bench needs, the simulator in a subprocess, the engine-test
mappings (fee batches of 300) and source tables filled with COPY."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
import yaml
from pydantic import SecretStr

from syncd.config.mappings import load_mappings
from syncd.config.settings import (
    DatabaseSettings,
    FolderSettings,
    HospitalSettings,
    PlatformSettings,
    PollingSettings,
    Settings,
    WatermarkSettings,
)
from syncd.db.ddl import init_db
from syncd.db.schema import staging_tables
from syncd.mapping import FeedSpec
from syncd.protocol import catalogue
from syncd.simulator import DEFAULT_PASSWORD, DEFAULT_USERID

REPO = Path(__file__).resolve().parents[1]
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_LISTENING = re.compile(r"simulator listening on (\S+)")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
DDL = (
    "CREATE TABLE T_ADMISSION (adm_id INTEGER PRIMARY KEY, visit_no VARCHAR(20),"
    " person_no VARCHAR(20), admit_date VARCHAR(8), clerk_no VARCHAR(10),"
    " clerk_name VARCHAR(20), ward_code VARCHAR(10), inpatient_no VARCHAR(20))",
    "CREATE TABLE T_FEE (fee_id VARCHAR(20) PRIMARY KEY, visit_no VARCHAR(20),"
    " item_code VARCHAR(20), item_name VARCHAR(50), price DECIMAL(14,4), qty DECIMAL(14,2),"
    " amount DECIMAL(14,2), fee_date VARCHAR(8), illness VARCHAR(1),"
    " updated_at TIMESTAMP NOT NULL DEFAULT now())",
    "CREATE INDEX t_fee_updated ON T_FEE (updated_at)",
    "CREATE INDEX t_fee_visit ON T_FEE (visit_no)",
)


def id_number(serial: int) -> str:
    """A synthetic GB 11643 resident ID number (valid check digit, not a real person)."""
    body = f"440106198001{serial % 100:02d}{serial:04d}"[:17]
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def persons_fixture(folder: Path, count: int) -> Path:
    """The shipped persons plus ``count`` clones of the first one (aac001 20000xxxxx)."""
    shipped = yaml.safe_load(
        (REPO / "syncd/simulator/data/persons.yaml").read_text(encoding="utf-8")
    )
    template = shipped["persons"][0]
    clones = [
        {**template, "aac001": person_no(i), "aac002": id_number(i + 1), "bka100": f"K9{i:07d}"}
        for i in range(count)
    ]
    path = folder / "persons.yaml"
    doc = {"persons": shipped["persons"] + clones}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def person_no(i: int) -> str:
    return f"20000{i:05d}"


@dataclass
class SimulatorProcess:
    proc: subprocess.Popen[str]
    endpoint: str

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def start_simulator(persons: Path, *extra: str) -> SimulatorProcess:
    """``syncd simulator --port 0`` (its own process: it does not share our GIL); ``extra``:
    more options (``--fault latency:ms=100,times=0``)."""
    command = [sys.executable, "-m", "syncd", "simulator", "--port", "0", "--persons", str(persons)]
    command += extra
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        found = _LISTENING.search(line)
        if found:
            threading.Thread(target=_drain, args=(proc.stderr,), daemon=True).start()
            return SimulatorProcess(proc, found.group(1))
    raise RuntimeError("the simulator did not start")


def _drain(stream: IO[str]) -> None:
    for _ in stream:
        pass


def mappings(folder: Path, *, commands: bool = False) -> Path:
    """The engine-test mappings with fee batches of 300 (and the code-table command)."""
    target = folder / "mappings"
    shutil.copytree(REPO / "tests/data/engine/inpatient", target / "inpatient")
    fee = target / "inpatient" / "ip_fee.yaml"
    fee.write_text(
        fee.read_text(encoding="utf-8").replace("max_rows: 3", "max_rows: 300"), encoding="utf-8"
    )
    if commands:
        (target / "other").mkdir()
        shutil.copy(REPO / "mappings/other/code_table_query.yaml", target / "other")
    return target


def settings(url: str, endpoint: str, folder: Path, **polling: Any) -> Settings:
    return Settings(
        hospital=HospitalSettings(akb020="SS0001"),
        database=DatabaseSettings(url=url),
        platform=PlatformSettings(
            url=endpoint, userid=DEFAULT_USERID, password=SecretStr(DEFAULT_PASSWORD)
        ),
        polling=PollingSettings(**polling),
        folders=FolderSettings(mappings=folder),
    )


def feeds(folder: Path) -> dict[str, FeedSpec]:
    return load_mappings(folder, catalogue.load())


def fee_watermark() -> dict[str, WatermarkSettings]:
    return {"ip_fee": WatermarkSettings(column="UPDATED_AT", lookback=3600)}


@contextmanager
def bench_schema() -> Iterator[tuple[str, sa.Engine]]:
    """A fresh schema first on the search_path, with the source and staging tables; dropped
    afterwards."""
    admin = sa.create_engine(PG_URL, poolclass=sa.pool.NullPool)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    text = url.render_as_string(hide_password=False)
    engine = sa.create_engine(text)
    try:
        with engine.begin() as conn:
            for ddl in DDL:
                conn.execute(sa.text(ddl))
        init_db(engine, staging_tables())
        yield text, engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def add_admissions(engine: sa.Engine, first: int, count: int) -> list[str]:
    """``count`` stays ZB<n> of persons ``first``… (one open stay per person); their keys."""
    rows = [
        {
            "adm_id": first + i,
            "visit_no": f"ZB{first + i:06d}",
            "person_no": person_no(first + i),
            "admit_date": "20261120",
            "clerk_no": "0101",
            "clerk_name": "李四",
            "ward_code": "W05",
            "inpatient_no": f"NO{first + i:06d}",
        }
        for i in range(count)
    ]
    table = sa.table("t_admission", *[sa.column(k) for k in rows[0]])
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    return [str(r["visit_no"]) for r in rows]


def copy_fees(
    engine: sa.Engine, table: str, visits: list[str], per_visit: int, prefix: str, start: int = 0
) -> int:
    """COPY ``per_visit`` fee rows for every visit into ``table``; rows written."""
    buffer = io.StringIO()
    n = start
    for visit in visits:
        for _ in range(per_visit):
            n += 1
            buffer.write(
                f"{prefix}{n:09d}\t{visit}\tX0101\t换药\t1.2500\t2.00\t2.50\t20261121\t0\n"
            )
    columns = "fee_id, visit_no, item_code, item_name, price, qty, amount, fee_date, illness"
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            copy.write(buffer.getvalue())
        raw.commit()
    finally:
        raw.close()
    return n - start


def wait_until(check: Any, timeout: float, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step did not finish in time")
        time.sleep(every)
