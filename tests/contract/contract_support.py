"""One contract suite for every storage port: each test runs against the in-memory fakes
(:mod:`syncd.db.memory`) and the real stores (:mod:`syncd.db`) on SQLite, PostgreSQL and
MariaDB, so the fakes the engine's unit tests use cannot drift from the stores it runs on.

:class:`Backend` gives a test the stores, the archive, a feed's view and what the HIS does (a
command inserted, a view row added), and reads a row back as plain values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.sql.elements import quoted_name

from syncd.config.settings import DatabaseSettings
from syncd.core.records import Lease
from syncd.db.archive import Archive
from syncd.db.audit import AuditLog
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.feed_source import FeedSource
from syncd.db.memory import MemoryAudit, MemoryFeedSource, MemoryStores
from syncd.db.schema import staging_tables
from syncd.db.writeback import Writeback
from syncd.engine.ports import ArchivePort, FeedSourcePort, WritebackPort
from syncd.mapping import FeedSpec

NOW = datetime(2026, 11, 25, 9, 0, 0)
BACKENDS = ["memory", "sqlite", "postgresql", "mariadb"]
ROW_FIELDS = (
    "status",
    "attempts",
    "request_id",
    "lease_owner",
    "last_error",
    "next_attempt_at",
    "finished_at",
    "visit_key",
)
REASON_FIELDS = ("return_code", "return_code_message")  # a memory row keeps them in extra
VIEW_COLUMNS = ("ROW_ID", "VISIT_NO", "AMOUNT", "VER")
VIEW_DDL = (
    "CREATE TABLE T_CONTRACT (ROW_ID INTEGER PRIMARY KEY, VISIT_NO VARCHAR(20),"
    " AMOUNT VARCHAR(20), VER INTEGER)"
)
SPEC = FeedSpec.model_validate(
    {
        "source": {"view": "T_CONTRACT", "key": "ROW_ID", "version": "VER"},
        "function_id": "bizh120002",
        "visit": {"column": "VISIT_NO"},
        "fields": {"akb020": {"setting": "hospital.akb020"}},
        "batch": {
            "dataset": "feeinfo",
            "order_by": ["ROW_ID"],
            "fields": {"bka058": {"column": "AMOUNT"}},
        },
    }
).model_copy(update={"feed": "contract"})


def lease(owner: str = "engine-a", at: datetime = NOW, seconds: float = 60) -> Lease:
    return Lease.starting(owner, at, timedelta(seconds=seconds))


@dataclass
class Backend:
    name: str
    stores: WritebackPort
    archive: ArchivePort
    insert_command: Callable[..., int]
    status_row: Callable[[int], dict[str, Any]]
    view: Callable[[list[dict[str, object]]], FeedSourcePort]
    audit: AuditLog | MemoryAudit
    closers: list[Callable[[], None]] = field(default_factory=list)


def memory_backend() -> Backend:
    stores = MemoryStores()

    def insert_command(command: str, visit_key: str = "", **params: str) -> int:
        return stores.requests.insert(command, NOW, visit_key, **params)

    def status_row(row_id: int) -> dict[str, Any]:
        row = stores.outbox.rows[row_id]
        reasons = {name: row.extra.get(name) for name in REASON_FIELDS}
        return {**{name: getattr(row, name) for name in ROW_FIELDS}, **reasons}

    rows: list[dict[str, object]] = []

    def view(new: list[dict[str, object]]) -> FeedSourcePort:
        rows.extend(new)
        return MemoryFeedSource(SPEC, rows, stores.outbox)

    archive = stores.archive  # where a result writes its exchange too
    return Backend("memory", stores, archive, insert_command, status_row, view, MemoryAudit())


def database_backend(name: str, url: str) -> Backend:
    engine = make_engine(DatabaseSettings(url=url))
    tables = staging_tables()
    init_db(engine, tables)
    with engine.begin() as conn:
        conn.execute(sa.text(VIEW_DDL))

    def insert_command(command: str, visit_key: str = "", **params: str) -> int:
        values = {
            "command": command,
            "visit_key": visit_key or None,
            "next_attempt_at": NOW,
            "params_json": json.dumps(params, ensure_ascii=False),
        }
        with engine.begin() as conn:
            return int(
                conn.execute(sa.insert(tables.request).values(values)).inserted_primary_key[0]
            )

    def status_row(row_id: int) -> dict[str, Any]:
        s = tables.sync_status
        with engine.connect() as conn:
            row = conn.execute(sa.select(s).where(s.c.id == row_id)).mappings().one()
        return {name: row[name] for name in (*ROW_FIELDS, *REASON_FIELDS)}

    def view(new: list[dict[str, object]]) -> FeedSourcePort:
        columns = (sa.column(quoted_name(c, quote=False)) for c in VIEW_COLUMNS)
        table = sa.table(quoted_name("T_CONTRACT", quote=False), *columns)
        with engine.begin() as conn:
            for row in new:
                conn.execute(table.insert().values(row))
        return FeedSource(engine, tables, SPEC)

    backend = Backend(
        name,
        Writeback(engine, tables),
        Archive(engine, tables),
        insert_command,
        status_row,
        view,
        AuditLog(engine, tables),
    )
    backend.closers.append(engine.dispose)
    return backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """The same stores in memory and on each database in turn."""
    if request.param == "memory":
        yield memory_backend()
        return
    url = str(request.getfixturevalue(f"{request.param}_url"))
    built = database_backend(request.param, url)
    yield built
    for close in built.closers:
        close()
