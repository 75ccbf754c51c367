"""Round trips to the database per fee call (issue 19): at most :data:`BUDGET` statements,
BEGINs, COMMITs and ROLLBACKs per 200-row call on SQLite, PostgreSQL and MariaDB, counted
through SQLAlchemy's events on the worker's own engine while one tick delivers several stays
(the tick's discovery and claim shared by its calls, as when a backlog drains)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from engine_support import MAPPINGS, NORMAL, Env, admit, build_env
from sqlalchemy.sql.elements import quoted_name

from syncd.config.mappings import load_mappings
from syncd.config.settings import PollingSettings
from syncd.protocol import catalogue

BUDGET = 12
STAYS, ROWS = 10, 200


class RoundTrips:
    """What one engine sends to its database, by a short label: every statement
    (``before_cursor_execute``) and each BEGIN, COMMIT and ROLLBACK (the ``begin``,
    ``commit`` and ``rollback`` events) that reaches the server.  Which do is the driver's
    business: psycopg sends BEGIN before a transaction's first statement and COMMIT or
    ROLLBACK only for a transaction it began; PyMySQL never sends BEGIN (autocommit is off:
    the first statement starts the transaction) and always sends COMMIT or ROLLBACK; pysqlite
    sends BEGIN before a transaction's first INSERT, UPDATE or DELETE, and COMMIT or ROLLBACK
    only after it.  A connection in autocommit mode sends none of the three."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine, self.dialect = engine, engine.dialect.name
        self.seen: Counter[str] = Counter()
        self.opened: dict[int, bool] = {}  # connection → the server has a transaction open
        self.listeners = {
            "before_cursor_execute": self._statement,
            "begin": self._begin,
            "commit": self._end("COMMIT"),
            "rollback": self._end("ROLLBACK"),
        }

    def __enter__(self) -> RoundTrips:
        for name, listener in self.listeners.items():
            sa.event.listen(self.engine, name, listener)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, listener in self.listeners.items():
            sa.event.remove(self.engine, name, listener)

    def _begin(self, conn: sa.Connection) -> None:
        self.opened[id(conn)] = False

    def _statement(self, conn: sa.Connection, _cursor: Any, statement: str, *_: Any) -> None:
        label = _label(statement)
        if id(conn) in self.opened and not self.opened[id(conn)] and not _autocommit(conn):
            writes = label.split(" ")[0] in ("INSERT", "UPDATE", "DELETE")
            if self.dialect == "postgresql" or (self.dialect == "sqlite" and writes):
                self.seen["BEGIN"] += 1
                self.opened[id(conn)] = True
            elif self.dialect == "mysql":
                self.opened[id(conn)] = True
        self.seen[label] += 1

    def _end(self, what: str) -> Any:
        def ended(conn: sa.Connection) -> None:
            opened = self.opened.pop(id(conn), False)
            if not _autocommit(conn) and (opened or self.dialect == "mysql"):
                self.seen[what] += 1

        return ended

    @property
    def total(self) -> int:
        return sum(self.seen.values())


def _autocommit(conn: sa.Connection) -> bool:
    return conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


def _label(statement: str) -> str:
    words = re.sub(r"\s+", " ", statement).strip().split(" ")
    verb = words[0].upper()
    table = next((w.strip('`"()') for w in words[1:] if re.match(r'^[`"]?(wi_|t_)', w, re.I)), "?")
    return f"{verb} {table.lower()}"


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def big_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Env]:
    """The engine-test environment with fee calls of up to 300 rows."""
    url = str(request.getfixturevalue(f"{request.param}_url"))
    folder = tmp_path / "mappings"
    (folder / "inpatient").mkdir(parents=True)
    for path in (MAPPINGS / "inpatient").glob("*.yaml"):
        text = path.read_text(encoding="utf-8").replace("max_rows: 3", "max_rows: 300")
        (folder / "inpatient" / path.name).write_text(text, encoding="utf-8")
    for env in build_env(url):
        env.feeds = load_mappings(folder, catalogue.load())
        env.settings = env.settings.model_copy(
            update={"polling": PollingSettings(batch_size=10000)}
        )
        yield env


def test_a_fee_call_costs_at_most_the_budget_of_round_trips(big_env: Env) -> None:
    env = big_env
    template = next(p for p in env.sim.config.persons if p.aac001 == NORMAL)
    stays = [f"ZY{i}" for i in range(STAYS)]
    for i, stay in enumerate(stays):
        person = f"20000{i:05d}"  # the simulator knows the clones from now on
        env.sim.config.persons.append(
            replace(template, fields={**template.fields, "aac001": person})
        )
        admit(env, stay, person=person, adm_id=i + 1)
    worker = env.worker()
    worker.once("ip_admission")
    rows = [
        {
            "fee_id": f"F{s}{n:04d}",
            "visit_no": stay,
            "item_code": "X0101",
            "item_name": "换药",
            "price": "1.2500",
            "qty": "2.00",
            "amount": "2.50",
            "fee_date": "20261121",
            "illness": "0",
        }
        for s, stay in enumerate(stays)
        for n in range(ROWS)
    ]
    table = sa.table(quoted_name("T_FEE", quote=False), *[sa.column(k) for k in rows[0]])
    with env.db.begin() as conn:
        conn.execute(table.insert(), rows)
    with RoundTrips(worker.engine) as trips:
        report = worker.tick_feed("ip_fee")
    calls = len(env.calls("bizh120002"))
    assert report.results["SUCCEEDED"] == STAYS * ROWS and calls == STAYS
    per_call = trips.total / calls
    breakdown = ", ".join(f"{k} {v}" for k, v in trips.seen.most_common())
    print(f"{env.db.dialect.name}: {per_call:.1f} per call ({breakdown})")
    assert per_call <= BUDGET, f"{per_call:.1f} round trips per fee call: {breakdown}"
