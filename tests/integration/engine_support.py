"""Shared pieces of the engine tests: a HIS database with small source tables, the simulator
over real HTTP, settings pointing at both, and a worker whose clock the test moves."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.sql.elements import quoted_name

from syncd.config.mappings import load_mappings
from syncd.config.operations_settings import MonitoringSettings
from syncd.config.settings import (
    DatabaseSettings,
    DeliverySettings,
    FolderSettings,
    HospitalSettings,
    PlatformSettings,
    Settings,
)
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables
from syncd.mapping import FeedSpec
from syncd.platform.client import PlatformClient, SessionCache
from syncd.protocol import catalogue
from syncd.service.worker import Worker
from syncd.simulator import DEFAULT_PASSWORD, DEFAULT_USERID, Simulator, SimulatorConfig

MAPPINGS = Path(__file__).parent.parent / "data" / "engine"
NORMAL = "1000010001"  # insured, with work-injury certificate GS2026000101
SECOND = "1000010005"
START = datetime(2026, 11, 25, 9, 0, 0)

SOURCE_DDL = (
    "CREATE TABLE T_ADMISSION (adm_id INTEGER PRIMARY KEY, visit_no VARCHAR(20),"
    " person_no VARCHAR(20), admit_date VARCHAR(8), clerk_no VARCHAR(10),"
    " clerk_name VARCHAR(20), ward_code VARCHAR(10), inpatient_no VARCHAR(20))",
    "CREATE TABLE T_FEE (fee_id VARCHAR(20) PRIMARY KEY, visit_no VARCHAR(20),"
    " item_code VARCHAR(20), item_name VARCHAR(50), price DECIMAL(14,4), qty DECIMAL(14,2),"
    " amount DECIMAL(14,2), fee_date VARCHAR(8), illness VARCHAR(1))",
    "CREATE TABLE T_DISCHARGE (visit_no VARCHAR(20) PRIMARY KEY, ver INTEGER,"
    " discharge_date VARCHAR(8), clerk_no VARCHAR(10), clerk_name VARCHAR(20),"
    " diagnosis VARCHAR(20))",
    "CREATE TABLE T_OP_REG (reg_id INTEGER PRIMARY KEY, visit_no VARCHAR(20),"
    " person_no VARCHAR(20), visit_date VARCHAR(8), clerk_no VARCHAR(10),"
    " clerk_name VARCHAR(20), certificate VARCHAR(20), business_no VARCHAR(20))",
    "CREATE TABLE T_OP_FEE (fee_id INTEGER PRIMARY KEY, charge_no VARCHAR(20),"
    " item_code VARCHAR(20), item_name VARCHAR(50), price DECIMAL(14,4), qty DECIMAL(14,2),"
    " amount DECIMAL(14,2), fee_date VARCHAR(8))",
)


class Clock:
    """The engine's clock, moved by the test (naive local time)."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_settings(db_url: str, sim: Simulator, **delivery: Any) -> Settings:
    return Settings(
        hospital=HospitalSettings(akb020="SS0001"),
        database=DatabaseSettings(url=db_url),
        platform=PlatformSettings(
            url=sim.endpoint,
            userid=DEFAULT_USERID,
            password=SecretStr(DEFAULT_PASSWORD),
            connect_timeout_s=2,
            read_timeout_s=5,
        ),
        delivery=DeliverySettings(
            **{
                "max_attempts": 3,
                "backoff_initial_s": 10,
                "backoff_max_s": 60,
                "backoff_jitter": 0.2,
                **delivery,
            }
        ),
        folders=FolderSettings(mappings=MAPPINGS),
        monitoring=MonitoringSettings(listen=None),
    )


def load_feeds() -> dict[str, FeedSpec]:
    return load_mappings(MAPPINGS, catalogue.load())


@dataclass
class Env:
    """One HIS database + simulator + settings; ``worker()`` builds an engine instance."""

    db: sa.Engine
    sim: Simulator
    settings: Settings
    clock: Clock = field(default_factory=Clock)
    feeds: dict[str, FeedSpec] = field(default_factory=load_feeds)
    clients: list[PlatformClient] = field(default_factory=list)

    def worker(self, owner: str = "engine-a", clock: Clock | None = None) -> Worker:
        client = PlatformClient(self.settings.platform, sessions=SessionCache())
        self.clients.append(client)
        return Worker(
            self.settings,
            self.feeds,
            engine=self.db,
            client=client,
            clock=clock or self.clock,
            owner=owner,
        )

    @property
    def tables(self) -> Any:
        return staging_tables()

    def insert(self, table: str, **values: Any) -> None:
        with self.db.begin() as conn:
            conn.execute(_source(table, values).insert().values(values))

    def update(self, table: str, where: Mapping[str, Any], **values: Any) -> None:
        t = _source(table, {**where, **values})
        stmt = t.update().values(values)
        for k, v in where.items():
            stmt = stmt.where(t.c[k] == v)
        with self.db.begin() as conn:
            conn.execute(stmt)

    def command(self, command: str, visit_key: str = "", **params: str) -> int:
        req = self.tables.request
        with self.db.begin() as conn:
            values = {
                "command": command,
                "visit_key": visit_key or None,
                "requested_by": "test",
                "params_json": json.dumps(params, ensure_ascii=False),
            }
            result = conn.execute(req.insert().values(**values, next_attempt_at=START))
            return int(result.inserted_primary_key[0])

    def request_row(self, request_id: int) -> dict[str, Any]:
        req = self.tables.request
        with self.db.connect() as conn:
            return dict(conn.execute(sa.select(req).where(req.c.id == request_id)).mappings().one())

    def reply_rows(self, request_id: int) -> list[dict[str, Any]]:
        rows = self.tables.request_row
        stmt = sa.select(rows).where(rows.c.request_id == request_id).order_by(rows.c.id)
        with self.db.connect() as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def status(self, feed: str) -> dict[str, dict[str, Any]]:
        s = self.tables.sync_status
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(s).where(s.c.feed == feed)).mappings()
            return {f"{r['source_key']}@{r['version'] or ''}".rstrip("@"): dict(r) for r in rows}

    def visit(self, visit_key: str) -> dict[str, Any]:
        v = self.tables.visit
        with self.db.connect() as conn:
            return dict(
                conn.execute(sa.select(v).where(v.c.visit_key == visit_key)).mappings().one()
            )

    def calls(self, function_id: str) -> list[dict[str, Any]]:
        return [c for c in self.sim.calls() if c["function_id"] == function_id]

    def business(self, aaz218: str) -> dict[str, Any]:
        return next(b for b in self.sim.businesses() if b["aaz218"] == aaz218)


def _source(table: str, columns: Mapping[str, Any]) -> sa.TableClause:
    """A source table as the mappings name it (upper case, unquoted: MariaDB keeps the case)."""
    return sa.table(quoted_name(table.upper(), quote=False), *[sa.column(k) for k in columns])


def build_env(
    db_url: str, sim_config: SimulatorConfig | None = None, **delivery: Any
) -> Iterator[Env]:
    sim = Simulator(sim_config or SimulatorConfig(test_mode=True))
    sim.start()
    db = make_engine(DatabaseSettings(url=db_url))
    init_db(db, staging_tables())
    with db.begin() as conn:
        for ddl in SOURCE_DDL:
            conn.execute(sa.text(ddl))
    try:
        env = Env(db, sim, make_settings(db_url, sim, **delivery))
        yield env
    finally:
        for client in env.clients:
            client.close()
        env.sim.stop()
        db.dispose()


@pytest.fixture
def env(sqlite_url: str) -> Iterator[Env]:
    yield from build_env(sqlite_url)


BACKENDS = ["sqlite", "postgresql", "mariadb"]


@pytest.fixture(params=BACKENDS)
def any_env(request: pytest.FixtureRequest) -> Iterator[Env]:
    """The environment on SQLite, PostgreSQL and MariaDB in turn."""
    url = str(request.getfixturevalue(f"{request.param}_url"))
    yield from build_env(url)


def admit(env: Env, visit: str = "ZY1", person: str = NORMAL, adm_id: int = 1) -> None:
    env.insert(
        "t_admission",
        adm_id=adm_id,
        visit_no=visit,
        person_no=person,
        admit_date="20261120",
        clerk_no="0101",
        clerk_name="李四",
        ward_code="W05",
        inpatient_no=f"NO-{visit}",
    )


def fee(
    env: Env, fee_id: str, amount: str, visit: str = "ZY1", illness: str = "0", qty: str = "1.00"
) -> None:
    price = abs(Decimal(amount) / Decimal(qty))
    env.insert(
        "t_fee",
        fee_id=fee_id,
        visit_no=visit,
        item_code="X0101",
        item_name="换药",
        price=str(price.quantize(Decimal("0.0001"))),
        qty=qty,
        amount=amount,
        fee_date="20261121",
        illness=illness,
    )


def discharge(env: Env, visit: str = "ZY1", ver: int = 1) -> None:
    env.insert(
        "t_discharge",
        visit_no=visit,
        ver=ver,
        discharge_date="20261125",
        clerk_no="0101",
        clerk_name="李四",
        diagnosis="S52.501",
    )
