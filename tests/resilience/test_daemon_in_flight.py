"""Calls in flight for several stays at once (``delivery.max_in_flight``, default 4) while
``syncd run`` is SIGKILLed at random moments and once SIGTERMed: real daemon processes, a
real simulator process answering every fee call after 300 ms, SQLite and PostgreSQL.

In the end nothing is lost (every row SUCCEEDED, every fee row on the platform), nothing is
sent twice (one business per stay, every fee row once) and on the simulator the calls of
every stay came strictly one after the other (each answered before the next arrived)."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from daemon_support import REPO, SimProcess, Site, wait_for

from syncd.db.ddl import init_db
from syncd.db.schema import staging_tables

BACKENDS = ["sqlite", "postgresql"]
STAYS = 10
ROWS = 15  # five calls per stay: the engine-test fee mapping sends 3 rows per call
LATENCY = "latency:function=bizh120002,ms=300,times=0"
DDL = (
    "CREATE TABLE T_ADMISSION (adm_id INTEGER PRIMARY KEY, visit_no VARCHAR(20),"
    " person_no VARCHAR(20), admit_date VARCHAR(8), clerk_no VARCHAR(10),"
    " clerk_name VARCHAR(20), ward_code VARCHAR(10), inpatient_no VARCHAR(20))",
    "CREATE TABLE T_FEE (fee_id VARCHAR(20) PRIMARY KEY, visit_no VARCHAR(20),"
    " item_code VARCHAR(20), item_name VARCHAR(50), price DECIMAL(14,4), qty DECIMAL(14,2),"
    " amount DECIMAL(14,2), fee_date VARCHAR(8), illness VARCHAR(1))",
)


def person(n: int) -> str:
    return f"20000{n:05d}"


@contextmanager
def stays_site(folder: Path, db_url: str) -> Iterator[Site]:
    """``STAYS`` stays of insured clones with ``ROWS`` fee rows each, the engine-test
    admission and fee mappings, the simulator with the clones."""
    shipped = yaml.safe_load((REPO / "syncd/simulator/data/persons.yaml").read_text("utf-8"))
    clones = [{**shipped["persons"][0], "aac001": person(n)} for n in range(STAYS)]
    persons = folder / "persons.yaml"
    persons.write_text(yaml.safe_dump({"persons": shipped["persons"] + clones}), "utf-8")
    mappings = folder / "mappings" / "inpatient"
    mappings.mkdir(parents=True)
    for name in ("ip_admission.yaml", "ip_fee.yaml"):
        shutil.copy(REPO / "tests/data/engine/inpatient" / name, mappings)
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        for ddl in DDL:
            conn.execute(sa.text(ddl))
        conn.execute(
            sa.text(
                "INSERT INTO T_ADMISSION VALUES (:id, :v, :p, '20261120', '0101', '李四',"
                " 'W05', :no)"
            ),
            [{"id": n, "v": f"ZY{n}", "p": person(n), "no": f"NO-ZY{n}"} for n in range(STAYS)],
        )
        conn.execute(
            sa.text(
                "INSERT INTO T_FEE VALUES (:f, :v, 'X0101', '换药', :a, 1, :a, '20261121', '0')"
            ),
            [
                {"f": f"F{n:02d}-{r:02d}", "v": f"ZY{n}", "a": f"{r + 1}.00"}
                for n in range(STAYS)
                for r in range(ROWS)
            ],
        )
    init_db(engine, staging_tables())
    sim = SimProcess(folder, faults=(LATENCY,), persons=persons)
    sim.start()
    here = Site(folder, db_url, sim, engine)
    try:
        yield here
    finally:
        for daemon in here.daemons:
            daemon.kill()
        sim.stop()
        engine.dispose()


def fee_visits_in_flight(here: Site) -> int:
    rows = here.sql(
        "SELECT COUNT(DISTINCT visit_key) AS n FROM WI_SYNC_STATUS"
        " WHERE feed = 'ip_fee' AND status = 'IN_FLIGHT'"
    )
    return int(rows[0]["n"])


def fee_status(here: Site) -> Counter[str]:
    rows = here.sql(
        "SELECT status, COUNT(*) AS n FROM WI_SYNC_STATUS WHERE feed = 'ip_fee' GROUP BY status"
    )
    return Counter({r["status"]: int(r["n"]) for r in rows})


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_sigkill_with_calls_in_flight_for_several_stays_loses_nothing_sends_nothing_twice(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    rng = random.Random(20261202)
    url = str(request.getfixturevalue(f"{backend}_url"))
    with stays_site(tmp_path, url) as here:
        # an intent's lease covers its longest send, 4 × (connect + read timeout) = 12 s here
        here.write_config(
            platform={"connect_timeout_s": 1, "read_timeout_s": 2},
            delivery={"lease_s": 3},
            folders={"mappings": str(tmp_path / "mappings"), "reports": str(tmp_path)},
        )
        several, daemon = 0, here.start("a")
        for kill in range(1, 5):
            wait_for("fee calls in flight", lambda: fee_visits_in_flight(here) >= 2, timeout=90)
            time.sleep(rng.uniform(0.0, 0.4))
            daemon.kill()
            several = max(several, fee_visits_in_flight(here))
            wait_for("the killed daemon's leases to end", lambda: not here.leased(), timeout=30)
            daemon = here.start(f"after-kill-{kill}")
        if fee_status(here)["SUCCEEDED"] < STAYS * ROWS - 10:  # calls left to stop in flight
            wait_for("fee calls in flight", lambda: fee_visits_in_flight(here) >= 2, timeout=90)
            started = time.monotonic()
            assert daemon.terminate(timeout=90) == 0
            assert time.monotonic() - started < 90  # TimeoutStopSec
            assert here.live_leases() == [], "every call in flight finished before the exit"
            daemon = here.start("after-sigterm")
        wait_for(
            "every fee row SUCCEEDED",
            lambda: fee_status(here)["SUCCEEDED"] == STAYS * ROWS,
            timeout=180,
        )
        assert daemon.terminate() == 0
        assert several >= 2, "a kill landed while calls of several stays were in flight"
        assert_platform_holds_every_row_once_in_order(here)


def assert_platform_holds_every_row_once_in_order(here: Site) -> None:
    ours = [b for b in here.sim.businesses() if b["akb020"] == "SS0001"]
    assert sorted(b["fields"].get("bka025") for b in ours) == sorted(
        f"NO-ZY{n}" for n in range(STAYS)
    ), "one business per stay"
    calls: dict[str, list[dict[str, Any]]] = {}
    for call in here.sim.calls("bizh120002"):
        calls.setdefault(str(call["aaz218"]), []).append(call)
    for business in ours:
        n = int(str(business["fields"]["bka025"]).removeprefix("NO-ZY"))
        serials = [r["aaz213"] for r in business["rows"]]
        assert sorted(serials) == [f"F{n:02d}-{r:02d}" for r in range(ROWS)], "each row once"
        spans = sorted(_span(call) for call in calls[business["aaz218"]])
        assert len(spans) >= ROWS // 3
        for earlier, later in pairwise(spans):
            assert earlier[1] <= later[0], f"two calls of {business['aaz218']} overlapped"


def _span(call: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """When the simulator received the call and when it had answered it."""
    at = dt.datetime.fromisoformat(str(call["at"]))
    return at, at + dt.timedelta(milliseconds=int(call["duration_ms"]))
