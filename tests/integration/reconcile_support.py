"""Shared pieces of the reconciliation tests: a HIS database with the views the
reconciliation reads (as plain tables), syncd's staging tables, the simulator over real HTTP
at a fixed day, and settings pointing at both."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.sql.elements import quoted_name
from test_platform_e2e_support import CAT, FUNCTION_IDS, Driver, fee_row, sim_config

from syncd.config.mappings import load_mappings
from syncd.config.settings import (
    DatabaseSettings,
    FolderSettings,
    FunctionIds,
    HospitalSettings,
    PlatformSettings,
    ReconcileSettings,
    Settings,
)
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables
from syncd.mapping import FeedSpec
from syncd.platform.client import PlatformClient, SessionCache
from syncd.protocol.codec import Value
from syncd.simulator import DEFAULT_PASSWORD, DEFAULT_USERID, SHANGHAI, Simulator

DAY = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 26, 2, 0)  # the nightly slot after DAY (naive local time)
MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"

HIS_DDL = (
    "CREATE TABLE V_WI_SETTLEMENT_DAY (SETTLE_ID INTEGER PRIMARY KEY, VISIT_KIND VARCHAR(12),"
    " VISIT_NO VARCHAR(20), PERSON_NO VARCHAR(20), AAC002 VARCHAR(18), AAC003 VARCHAR(50),"
    " AAZ218 VARCHAR(30), BKA001 INTEGER,"
    " AKC264 DECIMAL(14,2), BKA831 DECIMAL(14,2), BKA832 DECIMAL(14,2), AKE039 DECIMAL(14,2),"
    " SETTLE_TIME TIMESTAMP, CANCELLED VARCHAR(1))",
    "CREATE TABLE V_WI_IP_FEE (FEE_ID INTEGER PRIMARY KEY, STAY_NO VARCHAR(20))",
    "CREATE TABLE V_WI_IP_ADMISSION (STAY_NO VARCHAR(20) PRIMARY KEY, PERSON_NO VARCHAR(20))",
    "CREATE TABLE V_WI_OP_REGISTRATION (VISIT_NO VARCHAR(20) PRIMARY KEY, PERSON_NO VARCHAR(20))",
)


def sim_clock() -> dt.datetime:
    """The simulator's day is DAY (settlements made now are dated DAY)."""
    return dt.datetime.combine(DAY, dt.time(10, 0), tzinfo=SHANGHAI)


def make_settings(db_url: str, sim: Simulator, reports: Path, **reconcile: Any) -> Settings:
    return Settings(
        hospital=HospitalSettings(akb020="SS0001"),
        database=DatabaseSettings(url=db_url),
        platform=PlatformSettings(
            url=sim.endpoint,
            userid=DEFAULT_USERID,
            password=SecretStr(DEFAULT_PASSWORD),
            read_timeout_s=10,
            function_ids=FunctionIds(**FUNCTION_IDS),
        ),
        folders=FolderSettings(mappings=MAPPINGS, reports=reports),
        reconcile=ReconcileSettings(**reconcile),
    )


def shipped_feeds() -> dict[str, FeedSpec]:
    return load_mappings(MAPPINGS, CAT)


@dataclass
class HisEnv:
    """A HIS database (views as tables + staging tables), the simulator and a driver."""

    db: sa.Engine
    db_url: str
    sim: Simulator
    driver: Driver
    client: PlatformClient
    reports: Path
    settle_id: int = 0
    feeds: dict[str, FeedSpec] = field(default_factory=shipped_feeds)

    def settings(self, **reconcile: Any) -> Settings:
        return make_settings(self.db_url, self.sim, self.reports, **reconcile)

    def insert(self, table: str | sa.Table, **values: Any) -> None:
        """Insert into a HIS view-table (by name) or a staging table."""
        t = table if isinstance(table, sa.Table) else _his_table(table, values)
        with self.db.begin() as conn:
            conn.execute(t.insert().values(values))

    def his_settlement(
        self,
        kind: str,
        visit: str,
        person: str,
        figures: dict[str, str],
        *,
        aaz218: str | None = None,
        batch: int | None = None,
        cancelled: bool = False,
        hour: int = 11,
        day: dt.date = DAY,
        **identity: str,
    ) -> None:
        self.settle_id += 1
        self.insert(
            "V_WI_SETTLEMENT_DAY",
            SETTLE_ID=self.settle_id,
            VISIT_KIND=kind,
            VISIT_NO=visit,
            PERSON_NO=person,
            AAZ218=aaz218,
            BKA001=batch,
            **{k.upper(): Decimal(v) for k, v in figures.items()},
            SETTLE_TIME=dt.datetime.combine(day, dt.time(hour)),
            CANCELLED="1" if cancelled else "0",
            **{k.upper(): v for k, v in identity.items()},
        )

    def visit(
        self, visit_key: str, kind: str, aaz218: str, state: str, changed: dt.datetime | None = None
    ) -> None:
        changed = changed or dt.datetime.combine(DAY, dt.time(11))
        self.insert(
            staging_tables().visit,
            visit_key=visit_key,
            kind=kind,
            aaz218=aaz218,
            state=state,
            state_changed_at=changed,
            updated_at=changed,
            created_at=changed,
            fee_amount=Decimal("0"),
        )

    def status(
        self,
        feed: str,
        key: str,
        visit_key: str,
        status: str,
        finished: dt.datetime | None = None,
        function_id: str = "bizh120002",
        version: str = "",
    ) -> None:
        at = finished or dt.datetime.combine(DAY, dt.time(9))
        self.insert(
            staging_tables().sync_status,
            feed=feed,
            source_key=key,
            version=version,
            function_id=function_id,
            visit_key=visit_key,
            status=status,
            created_at=at,
            updated_at=at,
            finished_at=at if status == "SUCCEEDED" else None,
            next_attempt_at=at,
        )

    def command(self, command: str, status: str, visit_key: str = "") -> None:
        at = dt.datetime.combine(DAY, dt.time(9))
        self.insert(
            staging_tables().request,
            command=command,
            visit_key=visit_key or None,
            params_json=json.dumps({}),
            status=status,
            created_at=at,
            next_attempt_at=at,
        )


def _his_table(name: str, values: dict[str, Any]) -> sa.TableClause:
    """A HIS table as the views name it (upper case, unquoted), typed by the values."""
    columns = [
        sa.column(quoted_name(k, quote=False), _TYPES.get(type(v), sa.String()))
        for k, v in values.items()
    ]
    return sa.table(quoted_name(name, quote=False), *columns)


_TYPES: dict[type, Any] = {
    Decimal: sa.Numeric(14, 2),
    dt.datetime: sa.DateTime(),
    int: sa.Integer(),
    type(None): sa.types.NullType(),
}


def build_his_env(db_url: str, reports: Path) -> Iterator[HisEnv]:
    sim = Simulator(sim_config(test_mode=True), clock=sim_clock)
    sim.start()
    db = make_engine(DatabaseSettings(url=db_url))
    init_db(db, staging_tables())
    with db.begin() as conn:
        for ddl in HIS_DDL:
            conn.execute(sa.text(ddl))
    client = PlatformClient(make_settings(db_url, sim, reports).platform, sessions=SessionCache())
    try:
        yield HisEnv(db, db_url, sim, Driver(sim, client), client, reports)
    finally:
        client.close()
        sim.stop()
        db.dispose()


def _figures(slip_like: dict[str, Decimal]) -> dict[str, str]:
    return {k: f"{v:.2f}" for k, v in slip_like.items()}


def settle_stay(
    his: HisEnv, person: str, bka025: str, rows: list[dict[str, Value]]
) -> tuple[str, dict[str, str]]:
    """Settle a stay on the platform; its aaz218 and the figures the HIS should hold."""
    aaz218 = his.driver.settled(rows, aac001=person, bka025=bka025)
    slip = his.driver.ok("bizh120206", aaz218=aaz218).slip
    figures = {
        "akc264": slip.bka979,
        "bka831": slip.bka812,
        "bka832": slip.bka811,
        "ake039": slip.bka814,
    }
    return aaz218, _figures(figures)


def charge_outpatient(his: HisEnv, person: str) -> tuple[str, dict[str, str]]:
    aaz218 = his.driver.register(person)
    reply = his.driver.charge(aaz218, [fee_row("88.00", "1")])
    assert reply.figures is not None
    f = reply.figures
    return aaz218, _figures({"akc264": f.akc264, "bka831": f.bka831, "bka832": f.bka832})
