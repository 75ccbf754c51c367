"""Several engines on one database: leases keep them from sending the same row; a crashed
engine's in-flight row is taken over after its lease expires and resolved before re-sending."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from engine_support import NORMAL, SECOND, START, Env, admit, any_env, fee

from syncd.protocol.calls import CallResult
from syncd.protocol.messages import Request

__all__ = ["any_env"]


def test_two_engines_on_one_database_never_send_the_same_row(any_env: Env) -> None:
    """Two owners run passes at the same time over 2 admissions and 40 fee rows: every row is
    sent exactly once (one admission per visit, no fee row uploaded twice)."""
    env = any_env
    admit(env, "ZY1", NORMAL, 1)
    admit(env, "ZY2", SECOND, 2)
    for i in range(20):
        fee(env, f"A{i:02d}", "1.00", visit="ZY1")
        fee(env, f"B{i:02d}", "2.00", visit="ZY2")
    workers = [env.worker("engine-a"), env.worker("engine-b")]
    errors: list[BaseException] = []

    def run(worker_index: int) -> None:
        try:
            for _ in range(4):
                workers[worker_index].once()
        except BaseException as exc:  # reported below, never swallowed
            errors.append(exc)

    for _ in range(3):
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        env.clock.advance(60)
    assert errors == []
    assert {r["status"] for r in env.status("ip_fee").values()} == {"SUCCEEDED"}
    assert len(env.calls("bizh120103")) == 2
    for visit, count in (("ZY1", 20), ("ZY2", 20)):
        rows = env.business(env.visit(visit)["aaz218"])["rows"]
        assert len(rows) == count == len({r["aaz213"] for r in rows})
    owners = {r["lease_owner"] for r in env.status("ip_fee").values()}
    assert owners == {None}


class Crash(BaseException):
    """The process dies right after the platform processed the call."""


def short_leases(env: Env, seconds: float = 10.0) -> None:
    """Leases of ``seconds`` for the workers built from now on."""
    delivery = env.settings.delivery.model_copy(update={"lease_s": seconds})
    env.settings = env.settings.model_copy(update={"delivery": delivery})


class CrashAfterCall:
    def __init__(self, inner: object) -> None:
        self.inner = inner

    def call(self, request: Request, call_id: str | None = None) -> CallResult:
        self.inner.call(request, call_id)  # type: ignore[attr-defined]
        raise Crash


def _admission_processed_then_crash(env: Env) -> None:
    """Engine A sends an admission; the platform processes it and A dies before the answer."""
    admit(env)
    crashing = env.worker("engine-a")
    crashing.calls.client = CrashAfterCall(crashing.calls.client)
    with pytest.raises(Crash):
        crashing.once()


def test_crashed_engines_in_flight_row_is_taken_over_after_the_lease_and_resolved(
    any_env: Env,
) -> None:
    """Engine A dies after the admission was processed: its row stays IN_FLIGHT under its
    lease (engine B leaves it alone), then B takes it over, finds the business by query and
    adopts it: the platform sees exactly one admission."""
    env = any_env
    _admission_processed_then_crash(env)
    row = env.status("ip_admission")["1"]
    assert (row["status"], row["lease_owner"]) == ("IN_FLIGHT", "engine-a")
    other = env.worker("engine-b")
    env.clock.advance(60)
    other.once()
    assert env.status("ip_admission")["1"]["status"] == "IN_FLIGHT"
    env.clock.advance(120)
    other.once()
    row = env.status("ip_admission")["1"]
    assert row["status"] == "SUCCEEDED" and row["aaz218"]
    assert len(env.calls("bizh120103")) == 1
    assert env.visit("ZY1")["state"] == "ADMITTED"


def test_an_intents_lease_outlasts_the_longest_send_even_with_a_short_lease(
    any_env: Env,
) -> None:
    """lease_s 10, but one send may take 4 × (2 s connect + 5 s read) = 28 s (login, call,
    login again after -9, replay): the in-flight row of a crashed engine is left alone at
    +20 s — the platform might still be working on the call — and taken over after 28 s."""
    env = any_env
    short_leases(env)
    _admission_processed_then_crash(env)
    other = env.worker("engine-b")
    env.clock.advance(20)
    other.once()
    assert env.status("ip_admission")["1"]["lease_owner"] == "engine-a"
    env.clock.advance(10)
    other.once()
    assert env.status("ip_admission")["1"]["status"] == "SUCCEEDED"
    assert len(env.calls("bizh120103")) == 1


def test_a_candidate_finished_by_another_engine_before_our_claim_is_given_back(
    any_env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race behind "claim after select": engine B selected the row as due, engine A then
    sent it and released its lease; B's conditional claim succeeds on the free lease, but the
    row is no longer due, so B gives it back instead of sending it a second time."""
    env = any_env
    admit(env)
    first = env.worker("engine-a")
    first.once()
    assert env.status("ip_admission")["1"]["status"] == "SUCCEEDED"
    row_id = env.status("ip_admission")["1"]["id"]
    monkeypatch.setattr("syncd.db.claims.due_ids", lambda *args, **kw: [row_id])
    second = env.worker("engine-b")
    report = second.tick_feed("ip_admission")
    assert report.claimed == 0
    assert env.status("ip_admission")["1"]["lease_owner"] is None
    assert len(env.calls("bizh120103")) == 1


def test_an_engine_whose_lease_was_taken_over_mid_tick_does_not_send(any_env: Env) -> None:
    """Engine A's lease ran out during a long tick and engine B took the row: A's intent
    (conditional on still owning the row) fails, so A sends nothing and leaves the row to B."""
    env = any_env
    admit(env)
    worker = env.worker("engine-a")
    real = worker.calls.request
    table = env.tables.sync_status

    def stolen_then_real(mapped: object) -> object:
        with env.db.begin() as conn:
            conn.execute(table.update().values(lease_owner="engine-b"))
        return real(mapped)  # type: ignore[arg-type]

    worker.calls.request = stolen_then_real  # type: ignore[method-assign,assignment]
    report = worker.tick_feed("ip_admission")
    assert report.claimed == 1 and sum(report.results.values()) == 0
    row = env.status("ip_admission")["1"]
    assert (row["status"], row["lease_owner"], row["attempts"]) == ("PENDING", "engine-b", 0)
    assert env.calls("bizh120103") == []


def test_a_long_tick_renews_its_leases_so_another_engine_does_not_take_them(
    any_env: Env,
) -> None:
    """Leases of 10 s; engine A claims four commands and each takes 6 s (of the test clock).
    Half-way through the lease A renews what it still holds, so engine B, ticking 12 s after
    A's claim, finds nothing to take.  Without renewal A's leases would have run out at 10 s
    and B would take A's last three commands."""
    env = any_env
    short_leases(env)
    ids = [env.command("no_such_command") for _ in range(4)]
    a, b = env.worker("engine-a"), env.worker("engine-b")
    taken_by_b: list[int] = []

    def one_unit_later() -> None:
        env.clock.advance(6)
        if env.clock() - START >= timedelta(seconds=12) and not taken_by_b:
            taken_by_b.append(b.tick_commands().claimed)

    a.stop_claiming(lambda: False, on_feed_unit=lambda: None, on_command_unit=one_unit_later)
    report = a.tick_commands()
    assert taken_by_b == [0]
    assert report.claimed == 4 and sum(report.results.values()) == 4
    assert {env.request_row(i)["status"] for i in ids} == {"REJECTED"}


def test_a_long_feed_tick_renews_its_leases_too(any_env: Env) -> None:
    """The same for a fact-view feed: two admissions claimed by A, 6 s each; B ticking 12 s
    after A's claim takes neither, and each admission is sent once.  One lane: the test's
    clock moves when a unit starts, and two lanes starting their units at once could move it
    twice before either renewed (with real time a renewal follows each unit's start)."""
    env = any_env
    short_leases(env)
    one_lane = env.settings.delivery.model_copy(update={"max_in_flight": 1})
    env.settings = env.settings.model_copy(update={"delivery": one_lane})
    admit(env, "ZY1", NORMAL, 1)
    admit(env, "ZY2", SECOND, 2)
    a, b = env.worker("engine-a"), env.worker("engine-b")
    taken_by_b: list[int] = []

    def one_unit_later() -> None:
        env.clock.advance(6)
        if env.clock() - START >= timedelta(seconds=12) and not taken_by_b:
            taken_by_b.append(b.tick_feed("ip_admission", discover=False).claimed)

    a.stop_claiming(lambda: False, on_feed_unit=one_unit_later, on_command_unit=lambda: None)
    report = a.tick_feed("ip_admission")
    assert taken_by_b == [0] and report.claimed == 2
    assert {row["status"] for row in env.status("ip_admission").values()} == {"SUCCEEDED"}
    assert len(env.calls("bizh120103")) == 2


class SlowCalls:
    """Each call takes ``seconds`` of the test clock; ``during`` runs inside the call."""

    def __init__(self, inner: object, env: Env, seconds: float, during: object) -> None:
        self.inner, self.env, self.seconds, self.during = inner, env, seconds, during

    def call(self, request: Request, call_id: str | None = None) -> CallResult:
        self.env.clock.advance(self.seconds)
        self.during()  # type: ignore[operator]
        return self.inner.call(request, call_id)  # type: ignore[attr-defined,no-any-return]


def test_a_long_stay_renews_the_leases_of_its_later_calls(any_env: Env) -> None:
    """Nine fee rows of one stay go in three calls of three (lease 10 s, 6 s per call):
    between the calls A renews the rows still waiting, so B, ticking 12 s after A's claim,
    takes none of the third call's rows and the stay goes out whole from A."""
    env = any_env
    short_leases(env)
    admit(env)
    a, b = env.worker("engine-a"), env.worker("engine-b")
    a.once("ip_admission")
    for i in range(9):
        fee(env, f"F{i}", "1.00")
    taken_by_b: list[int] = []
    start = env.clock()

    def b_ticks_once() -> None:
        if env.clock() - start >= timedelta(seconds=12) and not taken_by_b:
            taken_by_b.append(b.tick_feed("ip_fee", discover=False).claimed)

    a.calls.client = SlowCalls(a.calls.client, env, 6, b_ticks_once)
    a.tick_feed("ip_fee")
    assert taken_by_b == [0]
    assert {r["status"] for r in env.status("ip_fee").values()} == {"SUCCEEDED"}
    assert len(env.calls("bizh120002")) == 3
