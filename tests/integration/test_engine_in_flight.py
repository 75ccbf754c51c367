"""Calls in flight side by side (``delivery.max_in_flight``), over real HTTP against the
simulator, on SQLite, PostgreSQL and MariaDB: up to four calls of different stays at once,
never two of one stay; every stay's fee rows on the platform exactly once and in their order;
one login for every call, and after a ``-9`` (the sessions expired under the calls in flight)
one login again, not one per call."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest
from engine_support import BACKENDS, MAPPINGS, Env, admit, build_env, fee

from syncd.config.mappings import load_mappings
from syncd.engine.reports import TickReport
from syncd.platform.client import PlatformClient, SessionCache
from syncd.protocol import catalogue
from syncd.protocol.calls import CallResult
from syncd.protocol.messages import Request
from syncd.service.worker import Worker
from syncd.simulator import SimulatorConfig
from syncd.simulator.faults import Fault
from syncd.simulator.fixtures import load_persons

STAYS = 8
ROWS = 7  # three calls per stay (the test mapping's batches hold 3 rows)
LATENCY_MS = 250


class Observed:
    """The real client, watched: how many calls were under way at once, and each stay's
    calls as (start, end) on the monotonic clock."""

    def __init__(self, client: PlatformClient) -> None:
        self.client = client
        self.lock = threading.Lock()
        self.now = self.most = 0
        self.spans: defaultdict[str, list[tuple[float, float]]] = defaultdict(list)

    def call(self, request: Request, call_id: str | None = None) -> CallResult:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        started = time.monotonic()
        try:
            return self.client.call(request, call_id)
        finally:
            with self.lock:
                self.now -= 1
                self.spans[str(request.params.get("aaz218", ""))].append(
                    (started, time.monotonic())
                )


def persons_config() -> SimulatorConfig:
    """The shipped persons and ``STAYS`` insured clones of the first (one stay each)."""
    shipped = load_persons()
    clones = [
        replace(shipped[0], fields={**shipped[0].fields, "aac001": f"20000{n:05d}"})
        for n in range(STAYS)
    ]
    return SimulatorConfig(test_mode=True, persons=[*shipped, *clones])


@pytest.fixture(params=BACKENDS)
def crowd(request: pytest.FixtureRequest) -> Iterator[Env]:
    url = str(request.getfixturevalue(f"{request.param}_url"))
    yield from build_env(url, persons_config())


def test_calls_of_different_stays_overlap_those_of_one_stay_never(crowd: Env) -> None:
    env = crowd
    assert env.settings.delivery.max_in_flight == 4  # the default
    visits = [f"ZY{n}" for n in range(STAYS)]
    for n, visit in enumerate(visits):
        admit(env, visit, f"20000{n:05d}", n + 1)
        for r in range(ROWS):
            fee(env, f"F{n}-{r}", f"{r + 1}.00", visit=visit)
    observed = Observed(PlatformClient(env.settings.platform, sessions=SessionCache()))
    env.clients.append(observed.client)
    worker = Worker(env.settings, env.feeds, engine=env.db, client=observed, clock=env.clock)
    worker.once("ip_admission")
    assert Counter(c["function_id"] for c in env.sim.calls())["sys0001"] == 1
    env.sim.add_faults(
        Fault("expire_session", function_id="bizh120002"),  # the first fee call: -9
        Fault("latency", function_id="bizh120002", times=0, ms=LATENCY_MS),
    )
    for _ in range(3):
        worker.once("ip_fee")
    worker.close()

    assert {r["status"] for r in env.status("ip_fee").values()} == {"SUCCEEDED"}
    assert len(env.status("ip_fee")) == STAYS * ROWS
    for n, visit in enumerate(visits):
        aaz218 = env.visit(visit)["aaz218"]
        rows = env.business(aaz218)["rows"]
        assert [r["aaz213"] for r in rows] == [f"F{n}-{r}" for r in range(ROWS)]
        spans = sorted(observed.spans[aaz218])
        assert len(spans) >= 3
        assert all(a[1] <= b[0] for a, b in pairwise(spans)), visit
    assert 2 <= observed.most <= 4
    logins = Counter(c["function_id"] for c in env.sim.calls())["sys0001"]
    assert logins == 2  # the first, and one after the -9 for every call in flight


@pytest.fixture
def crowd_sqlite(sqlite_url: str) -> Iterator[Env]:
    yield from build_env(sqlite_url, persons_config())


@pytest.mark.parametrize("in_flight", [1, 4])
def test_a_tick_claims_enough_stays_to_keep_its_lanes_busy(
    crowd_sqlite: Env, in_flight: int
) -> None:
    """A claim of ``polling.batch_size`` rows may hold a single long stay: with lanes, a
    tick claims more batches while every claim was full, up to four stays per lane; one lane
    keeps the single claim of today."""
    env = crowd_sqlite
    for n in range(STAYS):
        admit(env, f"ZY{n}", f"20000{n:05d}", n + 1)
        for r in range(ROWS):
            fee(env, f"F{n}-{r}", "1.00", visit=f"ZY{n}")
    delivery = env.settings.delivery.model_copy(update={"max_in_flight": in_flight})
    polling = env.settings.polling.model_copy(update={"batch_size": ROWS})
    env.settings = env.settings.model_copy(update={"delivery": delivery, "polling": polling})
    worker = env.worker()
    while worker.once("ip_admission").feeds[0].claimed:
        pass
    report = worker.tick_feed("ip_fee")
    worker.close()
    assert report.claimed == (ROWS if in_flight == 1 else STAYS * ROWS)
    assert report.results == {"SUCCEEDED": report.claimed}


def test_a_stay_cut_by_a_claim_goes_in_one_call_with_the_next_claims_rows(
    crowd_sqlite: Env, tmp_path: Path
) -> None:
    """Claims of 5 rows cut most of the 8 stays of 7 fee rows in two: the lanes are fed
    claim by claim, and the rows of a full claim's last stay wait for the next claim's rows of
    that stay — with fee calls of up to 300 rows, one call per stay, its rows in order."""
    env = crowd_sqlite
    folder = tmp_path / "mappings" / "inpatient"
    folder.mkdir(parents=True)
    for path in (MAPPINGS / "inpatient").glob("*.yaml"):
        text = path.read_text(encoding="utf-8").replace("max_rows: 3", "max_rows: 300")
        (folder / path.name).write_text(text, encoding="utf-8")
    env.feeds = load_mappings(folder.parent, catalogue.load())
    polling = env.settings.polling.model_copy(update={"batch_size": 5})
    env.settings = env.settings.model_copy(update={"polling": polling})
    visits, report = _stays_with_fees(env, ROWS)
    assert report.results == {"SUCCEEDED": STAYS * ROWS}
    fee_calls = [c for c in env.sim.calls() if c["function_id"] == "bizh120002"]
    assert len(fee_calls) == STAYS
    for n, visit in enumerate(visits):
        rows = env.business(env.visit(visit)["aaz218"])["rows"]
        assert [r["aaz213"] for r in rows] == [f"F{n}-{r:02d}" for r in range(ROWS)]


def test_a_tick_whose_search_came_back_full_searches_again_while_its_lanes_send(
    crowd_sqlite: Env,
) -> None:
    """``batch_size`` 2: a search records at most 40 rows.  With 8 stays of 11 fee rows (88),
    one tick with lanes searches again each time its claims ran out after a full search —
    while the lanes still send — and delivers all 88, each stay's rows in order."""
    env = crowd_sqlite
    polling = env.settings.polling.model_copy(update={"batch_size": 2})
    env.settings = env.settings.model_copy(update={"polling": polling})
    visits, report = _stays_with_fees(env, 11)
    assert report.discovered == STAYS * 11 and not report.searched_full
    assert report.results == {"SUCCEEDED": STAYS * 11}
    for n, visit in enumerate(visits):
        rows = env.business(env.visit(visit)["aaz218"])["rows"]
        assert [r["aaz213"] for r in rows] == [f"F{n}-{r:02d}" for r in range(11)]


def _stays_with_fees(env: Env, rows: int) -> tuple[list[str], TickReport]:
    """``STAYS`` admitted stays of ``rows`` fee rows each (F<stay>-<row>); one fee tick."""
    visits = [f"ZY{n}" for n in range(STAYS)]
    for n, visit in enumerate(visits):
        admit(env, visit, f"20000{n:05d}", n + 1)
        for r in range(rows):
            fee(env, f"F{n}-{r:02d}", f"{r + 1}.00", visit=visit)
    worker = env.worker()
    while worker.once("ip_admission").feeds[0].claimed:
        pass
    report = worker.tick_feed("ip_fee")
    worker.close()
    return visits, report
