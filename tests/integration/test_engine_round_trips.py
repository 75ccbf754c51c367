"""Round trips to the database per fee call (issue 19): at most :data:`BUDGET` statements,
BEGINs, COMMITs and ROLLBACKs per 200-row call on SQLite, PostgreSQL and MariaDB, counted
through SQLAlchemy's events on the worker's own engine while one tick delivers several stays
(the tick's discovery and claim shared by its calls, as when a backlog drains)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from engine_support import MAPPINGS, NORMAL, Env, admit, build_env
from round_trips_support import RoundTrips
from sqlalchemy.sql.elements import quoted_name

from syncd.config.mappings import load_mappings
from syncd.config.settings import PollingSettings
from syncd.protocol import catalogue

BUDGET = 12
STAYS, ROWS = 10, 200


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
