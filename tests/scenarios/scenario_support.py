"""A hospital as the scenario tests see it: the seeded reference HIS, syncd's staging tables,
the simulator over real HTTP, and the engine run through its public entry point (the worker).

The tests act like a HIS: they insert rows into the reference ``HIS_*`` tables and into
``WI_REQUEST`` and read ``WI_REQUEST``, ``WI_REQUEST_ROW``, ``WI_SYNC_STATUS`` and ``WI_VISIT``
back with plain SQL.  :meth:`Hospital.run` moves the engine's clock past every wait and
runs passes until one changes nothing (a fix-point), like a daemon that is left alone.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from pydantic import SecretStr
from sql_capture import HIS_SIDE

from syncd.config.mappings import load_mappings
from syncd.config.settings import (
    CitySettings,
    DatabaseSettings,
    FolderSettings,
    FunctionIds,
    HospitalSettings,
    PlatformSettings,
    PollingSettings,
    Settings,
)
from syncd.core.clock import local_clock
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables
from syncd.platform.client import PlatformClient, SessionCache
from syncd.protocol import catalogue
from syncd.reference import seed
from syncd.service.worker import OnceReport, Worker
from syncd.simulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USERID,
    ServedFunctionIds,
    Simulator,
    SimulatorConfig,
)

REPO = Path(__file__).resolve().parents[2]
DAY = dt.date(2026, 11, 25)
TAG = f"{DAY:%y%m%d}"
LATE_UPLOAD_ID = "bizh120005"  # the configurable id of the late 因病 upload, both sides
WAIT_S = 30.0
MAX_PASSES = 25

# The seeded day (syncd.reference.activity): visits and the platform's persons.
LI_OP, LIU_OP, HUANG_OP = f"MZ{TAG}001", f"MZ{TAG}002", f"MZ{TAG}003"
ZHANG, LI, LIU, CHEN = f"ZY{TAG}001", f"ZY{TAG}002", f"ZY{TAG}003", f"ZY{TAG}004"
ZHANG_AAC001, LI_AAC001, NOT_INSURED_AAC001 = "1000010001", "1000010002", "1000010003"
OPERATOR = {"operator_no": "S004", "operator_name": "邓海燕"}

CallSink = Callable[[list[dict[str, Any]]], None]


def money(value: object) -> Decimal:
    """A money column read with plain SQL (SQLite hands back a float, PostgreSQL a Decimal)."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


class Clock:
    """The engine's clock: real local time at the start, then moved by :meth:`Hospital.run`."""

    def __init__(self, timezone: str) -> None:
        self.now = local_clock(timezone)()

    def __call__(self) -> dt.datetime:
        return self.now


def mappings_copy(folder: Path) -> Path:
    """The shipped mappings with the late 因病 upload switched on (as a DBA would)."""
    target = folder / "mappings"
    shutil.copytree(REPO / "mappings", target)
    late = target / "other" / "illness_late_upload.yaml"
    text = late.read_text(encoding="utf-8")
    assert "\nenabled: false" in text, "the shipped late upload is off by default"
    late.write_text(text.replace("\nenabled: false", "\nenabled: true"), encoding="utf-8")
    return target


def settings_for(db_url: str, sim: Simulator, mappings: Path, *, fee_delete: bool) -> Settings:
    return Settings(
        hospital=HospitalSettings(akb020="SS0001", name="中山大学附属第七医院（测试）"),
        database=DatabaseSettings(url=db_url),
        platform=PlatformSettings(
            url=sim.endpoint,
            userid=DEFAULT_USERID,
            password=SecretStr(DEFAULT_PASSWORD),
            connect_timeout_s=2.0,
            read_timeout_s=10.0,
            function_ids=FunctionIds(illness_late_upload=LATE_UPLOAD_ID),
        ),
        city=CitySettings(fee_delete_allowed=fee_delete),
        polling=PollingSettings(default_interval_s=WAIT_S / 2),
        folders=FolderSettings(mappings=mappings),
    )


@dataclass
class Hospital:
    """One seeded HIS database + simulator + engine (see the module docstring)."""

    db: sa.Engine
    sim: Simulator
    settings: Settings
    worker: Worker
    clock: Clock
    reports: list[OnceReport] = field(default_factory=list)

    # --- the HIS side: plain SQL --------------------------------------------------------

    def sql(self, statement: str, **params: Any) -> list[dict[str, Any]]:
        """Plain SQL as the HIS runs it (not among the statements syncd issues)."""
        his = sa.text(statement).execution_options(**{HIS_SIDE: True})
        with self.db.begin() as conn:
            result = conn.execute(his, params)
            return [dict(row) for row in result.mappings()] if result.returns_rows else []

    def request(self, command: str, visit_key: str | None = None, **params: str) -> int:
        """Insert a command into WI_REQUEST as the HIS does; its id."""
        self.sql(
            "INSERT INTO WI_REQUEST (command, visit_key, params_json, requested_by)"
            " VALUES (:command, :visit_key, :params, 'cashier07')",
            command=command,
            visit_key=visit_key,
            params=json.dumps(params, ensure_ascii=False),
        )
        found = self.sql("SELECT MAX(id) AS id FROM WI_REQUEST WHERE command = :c", c=command)
        return int(found[0]["id"])

    def request_by_person(self, command: str, bka895: str, bka896: str, **params: str) -> int:
        """A look-up by person: bka895/bka896 in their own columns (no visit)."""
        self.sql(
            "INSERT INTO WI_REQUEST (command, bka895, bka896, params_json)"
            " VALUES (:command, :bka895, :bka896, :params)",
            command=command,
            bka895=bka895,
            bka896=bka896,
            params=json.dumps(params, ensure_ascii=False),
        )
        found = self.sql("SELECT MAX(id) AS id FROM WI_REQUEST WHERE command = :c", c=command)
        return int(found[0]["id"])

    def answer(self, request_id: int) -> dict[str, Any]:
        (row,) = self.sql("SELECT * FROM WI_REQUEST WHERE id = :id", id=request_id)
        return row

    def reply_rows(self, request_id: int, dataset: str) -> list[dict[str, Any]]:
        return self.sql(
            "SELECT * FROM WI_REQUEST_ROW WHERE request_id = :id AND dataset = :ds ORDER BY row_no",
            id=request_id,
            ds=dataset,
        )

    def sync(self, feed: str, visit_key: str | None = None) -> list[dict[str, Any]]:
        where = " AND visit_key = :visit" if visit_key else ""
        return self.sql(
            f"SELECT * FROM WI_SYNC_STATUS WHERE feed = :feed{where} ORDER BY id",
            feed=feed,
            visit=visit_key,
        )

    def sync_statuses(self, feed: str, visit_key: str | None = None) -> set[str]:
        return {row["status"] for row in self.sync(feed, visit_key)}

    def visit(self, visit_key: str) -> dict[str, Any]:
        (row,) = self.sql("SELECT * FROM WI_VISIT WHERE visit_key = :k", k=visit_key)
        return row

    # --- the engine ---------------------------------------------------------------------

    def run(self) -> None:
        """Passes of ``once`` (clock moved past every wait) until one changes nothing."""
        for _ in range(MAX_PASSES):
            self.clock.now += dt.timedelta(seconds=WAIT_S)
            report = self.worker.once()
            self.reports.append(report)
            if report.quiet:
                return
        raise AssertionError(f"the engine did not settle in {MAX_PASSES} passes")

    # --- the platform side --------------------------------------------------------------

    def calls(self, function_id: str) -> list[dict[str, Any]]:
        return [c for c in self.sim.calls() if c["function_id"] == function_id]

    def business(self, aaz218: str) -> dict[str, Any]:
        return next(b for b in self.sim.businesses() if b["aaz218"] == aaz218)


def sim_call_log(sim: Simulator) -> list[dict[str, Any]]:
    """The simulator's call log as any client sees it: ``GET /_sim/calls``."""
    reply = httpx.get(f"{sim.url}/_sim/calls", timeout=10)
    reply.raise_for_status()
    return list(reply.json())


def open_hospital(
    db_url: str,
    folder: Path,
    sink: CallSink,
    *,
    fee_delete: bool = True,
    edit: Callable[[Path], None] | None = None,
) -> Iterator[Hospital]:
    """Seed the day, create the staging tables, start the simulator; clean up afterwards.
    ``edit`` changes the copied mapping folder first (as a DBA adapting it would)."""
    sim_ids = ServedFunctionIds(illness_late_upload=LATE_UPLOAD_ID)
    sim = Simulator(SimulatorConfig(function_ids=sim_ids, fee_delete_allowed=fee_delete))
    sim.start()
    mappings = mappings_copy(folder)
    if edit is not None:
        edit(mappings)
    settings = settings_for(db_url, sim, mappings, fee_delete=fee_delete)
    db = make_engine(settings.database)
    client = PlatformClient(settings.platform, sessions=SessionCache())
    try:
        seed(db, day=DAY)
        init_db(db, staging_tables())
        ids = settings.platform.function_ids.model_dump()
        feeds = load_mappings(settings.folders.mappings, catalogue.load(ids))
        clock = Clock(settings.platform.session_timezone)
        worker = Worker(settings, feeds, engine=db, client=client, clock=clock, owner="scenario")
        yield Hospital(db, sim, settings, worker, clock)
        worker.close()
    finally:
        sink(sim_call_log(sim))
        client.close()
        sim.stop()
        db.dispose()
