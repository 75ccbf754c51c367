"""The calls in flight side by side: lanes fed while they run, a bound shared by every feed,
a visit's units in order, the first error stopping the other lanes; the rate cap; the lease renewal
that never touches a row reserved for its intent."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

import pytest

from syncd.core.records import Lease, OutboxRow, SyncStatus
from syncd.engine.lanes import CallSlots, Put
from syncd.engine.leases import Leases
from syncd.platform.pace import PacedCaller

T = TypeVar("T")
WAIT_S = 10.0  # a barrier that is never reached fails the test after this long


class Watch:
    """Units under way now and at most, and each lane's units in the order they ran."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = self.most = 0
        self.ran: list[tuple[str, int]] = []

    def __call__(self, unit: tuple[str, int], meet: threading.Barrier | None = None) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            if meet is not None:
                meet.wait(WAIT_S)
        finally:
            with self.lock:
                self.now -= 1
                self.ran.append(unit)


def run(slots: CallSlots, lanes: Sequence[Sequence[T]], each: Callable[[T], None]) -> None:
    """Lanes known beforehand, fed lane by lane (as a tick's claims put them)."""

    def fill(put: Put[T]) -> None:
        for n, lane in enumerate(lanes):
            for unit in lane:
                if not put(n, unit):
                    return

    slots.feed(fill, each)


def test_lanes_run_side_by_side_up_to_the_bound_each_lane_in_order() -> None:
    """Four slots, six lanes of three units: four units meet at a barrier at once (they
    could not, one at a time), never more than four are under way, and every lane's units
    ran in their order."""
    watch, meet = Watch(), threading.Barrier(4)
    lanes = [[(f"ZY{v}", n) for n in range(3)] for v in range(6)]
    first = {lane[0] for lane in lanes[:4]}
    run(CallSlots(4), lanes, lambda u: watch(u, meet if u in first else None))
    assert watch.most == 4
    for lane in lanes:
        assert [u for u in watch.ran if u[0] == lane[0][0]] == lane


def test_one_slot_runs_every_unit_in_the_callers_thread_in_order() -> None:
    seen: list[tuple[int, str]] = []
    lanes = [[(1, "a"), (1, "b")], [(2, "c")]]
    run(CallSlots(1), lanes, lambda u: seen.append((threading.get_ident(), u[1])))
    assert seen == [
        (threading.get_ident(), "a"),
        (threading.get_ident(), "b"),
        (threading.get_ident(), "c"),
    ]


def test_the_bound_is_shared_by_every_tick_of_the_engine() -> None:
    """Two ticks (two feeds) at once over one set of two slots: never three units at once."""
    slots, watch = CallSlots(2), Watch()
    go = threading.Event()

    def unit(u: tuple[str, int]) -> None:
        go.wait(WAIT_S)
        watch(u)

    def tick(feed: str) -> None:
        run(slots, [[(f"{feed}{v}", 0)] for v in range(4)], unit)

    ticks = [threading.Thread(target=tick, args=(f,)) for f in ("fee", "admission")]
    for t in ticks:
        t.start()
    go.set()
    for t in ticks:
        t.join(WAIT_S)
    assert len(watch.ran) == 8 and watch.most <= 2


def test_the_first_error_stops_every_lane_before_its_next_unit_and_is_raised() -> None:
    """Lane ZY1 fails on its first unit while ZY2's first unit is under way: ZY2's unit
    finishes, its second unit never starts, and the tick gets the error."""
    started, failed = threading.Event(), threading.Event()
    ran: list[tuple[str, int]] = []

    def each(u: tuple[str, int]) -> None:
        if u == ("ZY1", 0):
            started.wait(WAIT_S)
            failed.set()
            raise RuntimeError("database gone")
        if u == ("ZY2", 0):
            started.set()
            failed.wait(WAIT_S)
        ran.append(u)

    lanes = [[("ZY1", 0), ("ZY1", 1)], [("ZY2", 0), ("ZY2", 1)]]
    with pytest.raises(RuntimeError, match="database gone"):
        run(CallSlots(2), lanes, each)
    assert ran == [("ZY2", 0)]


def test_units_put_while_the_lanes_run_keep_their_lane_and_order() -> None:
    """Units of ZY1 put after ZY1's first unit started (it waits for them) run after it, in
    the order put, never two of ZY1 at once, and the lanes of other visits run alongside."""
    slots, watch = CallSlots(3), Watch()
    first_started, later_put = threading.Event(), threading.Event()

    def each(u: tuple[str, int]) -> None:
        if u == ("ZY1", 0):
            first_started.set()
            assert later_put.wait(WAIT_S)
        watch(u)

    def fill(put: Put[tuple[str, int]]) -> None:
        put("ZY1", ("ZY1", 0))
        assert first_started.wait(WAIT_S)
        for n in range(1, 4):
            put("ZY1", ("ZY1", n))
            put(f"ZY{n + 1}", (f"ZY{n + 1}", 0))
        later_put.set()

    slots.feed(fill, each)
    assert [u for u in watch.ran if u[0] == "ZY1"] == [("ZY1", n) for n in range(4)]
    assert len(watch.ran) == 7


def test_put_waits_while_enough_units_wait_for_a_lane() -> None:
    """Two slots (``ahead`` 4): with both units under way blocked, the fill puts 2 + 4 units
    and then waits in ``put`` — it does not claim a backlog ahead of the calls — until the
    units go on; then every unit runs."""
    slots, go = CallSlots(2), threading.Event()
    assert slots.ahead == 4
    done: list[int] = []
    ran: list[tuple[str, int]] = []

    def fill(put: Put[tuple[str, int]]) -> None:
        for n in range(10):
            put(f"ZY{n}", (f"ZY{n}", n))
            done.append(n)

    def each(u: tuple[str, int]) -> None:
        assert go.wait(WAIT_S)
        ran.append(u)

    tick = threading.Thread(target=slots.feed, args=(fill, each))
    tick.start()
    tick.join(0.5)  # long enough for ten puts that would not wait
    assert tick.is_alive() and len(done) == 6
    go.set()
    tick.join(WAIT_S)
    assert len(done) == 10 and len(ran) == 10


def test_an_error_of_the_fill_stops_the_lanes_and_is_raised() -> None:
    """The claim fails (the database gone) after two units were put: the units under way
    finish, the tick gets the claim's error."""
    ran: list[tuple[str, int]] = []

    def fill(put: Put[tuple[str, int]]) -> None:
        put("ZY1", ("ZY1", 0))
        put("ZY2", ("ZY2", 0))
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError, match="database gone"):
        CallSlots(2).feed(fill, ran.append)
    assert set(ran) <= {("ZY1", 0), ("ZY2", 0)}


def test_put_answers_false_once_a_lane_failed() -> None:
    answers: list[bool] = []
    failed = threading.Event()

    def each(u: tuple[str, int]) -> None:
        failed.set()
        raise RuntimeError("stop requested")

    def fill(put: Put[tuple[str, int]]) -> None:
        answers.append(put("ZY1", ("ZY1", 0)))
        assert failed.wait(WAIT_S)
        while len(answers) < 50 and answers[-1]:  # the failure reaches put at once
            answers.append(put("ZY2", ("ZY2", len(answers))))

    with pytest.raises(RuntimeError, match="stop requested"):
        CallSlots(2).feed(fill, each)
    assert answers[0] is True and answers[-1] is False


def test_a_full_claims_last_stay_waits_for_the_next_claim_while_a_call_would_hold_more() -> None:
    from syncd.engine.tick_claims import carry_last_visit

    due = datetime(2026, 11, 25, 9, 0)
    rows = [row(1, "ZY1", due), row(2, "ZY2", due), row(3, "ZY2", due), row(4, "ZY1", due)]
    now, kept = carry_last_visit(rows, 300)
    assert [r.id for r in now] == [1, 4] and [r.id for r in kept] == [2, 3]
    assert carry_last_visit(rows, 2) == (rows, [])  # ZY2 fills a call already: sent now
    later = [*rows, row(5, "ZY1", due + timedelta(seconds=1))]  # due later: ZY1 is last
    assert [r.id for r in carry_last_visit(later, 300)[1]] == [1, 4, 5]
    only = [row(1, "ZY1", due), row(2, "ZY1", due)]
    assert carry_last_visit(only, 300) == ([], only)  # a claim of one stay waits whole


def row(row_id: int, visit: str, due: datetime) -> OutboxRow:
    return OutboxRow(
        id=row_id,
        feed="ip_fee",
        source_key=f"F{row_id}",
        version="1",
        visit_key=visit,
        status=SyncStatus.PENDING,
        attempts=0,
        request_id="",
        next_attempt_at=due,
    )


class Renewals:
    def __init__(self) -> None:
        self.renewed: list[list[int]] = []

    def renew(self, ids: list[int], lease: Lease) -> list[int]:
        self.renewed.append(list(ids))
        return list(ids)


def test_a_row_reserved_for_its_intent_is_never_renewed_with_a_claims_lease() -> None:
    t0 = datetime(2026, 11, 25, 9, 0)
    leases, store = Leases(), Renewals()
    leases.claimed({1, 2, 3}, t0)
    leases.reserve([2])
    leases.keep(store, "me", t0 + timedelta(seconds=61), 120)
    assert store.renewed == [[1, 3]]
    leases.unreserve([2])  # the intent failed to commit: held again, renewed again
    leases.drop([3])
    leases.keep(store, "me", t0 + timedelta(seconds=122), 120)
    assert store.renewed[-1] == [1, 2]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


class Inner:
    def __init__(self, clock: Clock) -> None:
        self.clock, self.at = clock, []  # type: ignore[var-annotated]

    def call(self, request: object, call_id: str | None = None) -> object:
        self.at.append(round(self.clock.now, 6))
        return call_id


def test_the_rate_cap_spaces_calls_and_keeps_their_order() -> None:
    """Four calls at once under 10 per second start 0.1 s apart, in order; after a pause
    the next one goes at once."""
    clock = Clock()
    inner = Inner(clock)
    paced = PacedCaller(inner, 10, monotonic=clock.monotonic, sleep=clock.sleep)  # type: ignore[arg-type]
    for n in range(4):
        clock.now = 100.0  # all four asked at the same moment
        assert paced.call(object(), f"c{n}") == f"c{n}"  # type: ignore[arg-type, comparison-overlap]
    assert clock.slept == [0.1, 0.2, 0.3]
    clock.now = 200.0
    paced.call(object())  # type: ignore[arg-type]
    assert inner.at[-1] == 200.0 and len(clock.slept) == 3


def test_a_pool_too_small_for_the_calls_in_flight_stops_start_up() -> None:
    from pydantic import ValidationError

    from syncd.config.settings import Settings

    def settings(url: str, pool: int, in_flight: int) -> Settings:
        return Settings.model_validate(
            {
                "hospital": {"akb020": "SS0001"},
                "database": {"url": url, "pool_size": pool},
                "platform": {"userid": "SS0001"},
                "delivery": {"max_in_flight": in_flight},
            }
        )

    pg = "postgresql+psycopg://syncd@his/his"
    assert settings(pg, 5, 4).delivery.max_in_flight == 4  # the defaults fit
    with pytest.raises(ValidationError, match=r"database.pool_size ≥ 11"):
        settings(pg, 5, 16)
    assert settings(pg, 11, 16).database.pool_size == 11


def test_a_wake_up_runs_the_command_loop_at_once_not_at_the_next_poll() -> None:
    """The poll is a minute apart; a wake-up (a NOTIFY) makes the loop tick again at once."""
    from syncd.service.daemon import CommandLoop
    from syncd.service.jobs import JobProgress

    ticked, stop, wake = threading.Semaphore(0), threading.Event(), threading.Event()

    def tick() -> int:
        ticked.release()
        return 0

    loop = CommandLoop(tick, JobProgress(["commands"]), 60.0, stop, wake)
    loop.start()
    try:
        assert ticked.acquire(timeout=WAIT_S)  # the first poll
        wake.set()
        assert ticked.acquire(timeout=WAIT_S), "woken: ticked again without waiting a minute"
    finally:
        stop.set()
        wake.set()
        loop.join(WAIT_S)
