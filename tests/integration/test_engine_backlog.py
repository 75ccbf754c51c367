"""A backlog of fee rows goes out in whole visits: one search of the view per tick records
every new row with one due time, and a limited claim takes a visit's rows together (so a
stay is one call, not a few rows in each of several calls)."""

from __future__ import annotations

from datetime import datetime, timedelta

from engine_support import SECOND, START, Env, admit, any_env, fee

from syncd.config.settings import PollingSettings

__all__ = ["any_env"]


class Ticking:
    """A clock that moves on by a millisecond at every reading (as a real one does)."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def test_a_limited_claim_takes_whole_visits_of_interleaved_rows(any_env: Env) -> None:
    """Two stays, their fee rows interleaved in the view; batch_size 3 = one stay's rows.
    Claimed oldest-first by id, each tick would split both stays (four fee calls); claimed
    by visit, each tick sends one whole stay (two calls of three rows)."""
    env = any_env
    one_lane = env.settings.delivery.model_copy(update={"max_in_flight": 1})  # one claim a tick
    env.settings = env.settings.model_copy(
        update={"polling": PollingSettings(batch_size=3), "delivery": one_lane}
    )
    admit(env, "ZY1")
    admit(env, "ZY2", person=SECOND, adm_id=2)
    worker = env.worker(clock=Ticking())
    worker.once("ip_admission")
    for i in range(3):
        fee(env, f"F{i}A", "1.00", visit="ZY1")
        fee(env, f"F{i}B", "2.00", visit="ZY2")
    first = worker.tick_feed("ip_fee")
    assert first.discovered == 6 and first.claimed == 3  # one search found every row
    worker.tick_feed("ip_fee")
    uploads = env.calls("bizh120002")
    assert len(uploads) == 2
    statuses = env.status("ip_fee")
    assert {row["status"] for row in statuses.values()} == {"SUCCEEDED"}
    by_call: dict[str, set[str]] = {}
    for row in statuses.values():
        by_call.setdefault(row["request_id"], set()).add(row["visit_key"])
    assert sorted(len(visits) for visits in by_call.values()) == [1, 1]
