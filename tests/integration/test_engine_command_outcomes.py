"""WI_REQUEST commands whose outcome is not settled yet, and commands that go wrong.

* An UNKNOWN (or taken-over IN_FLIGHT) command is resolved by query before anything else: a
  visit state that moved on meanwhile does not refuse it, a disabled command is still resolved,
  one whose mapping file is gone stays UNKNOWN.
* A state/money command is refused at once while another command of its visit with the same
  function is IN_FLIGHT or UNKNOWN (checked again once its own intent is committed).
* The visit of a command may come in ``params_json`` only: it is written into the
  ``visit_key`` column with the intent, where the fee upload's wait counts it.
* One command that cannot be processed (a child view refusing its parameters) waits with a
  growing backoff; the commands behind it flow.  An error of the database ends the tick, and a
  command whose intent is committed keeps its intent's lease.
* The last attempt of a command the platform never processed ends FAILED with a message that
  says so (not "将重新发送").
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from engine_support import START, Env, admit, any_env, discharge, env, fee
from test_engine_fee_deletion import FEES_WAIT, allow_fee_deletion, before
from test_engine_outpatient import charge_rows, register

from syncd.core.errors import SourceError
from syncd.engine.commands import CHILD_VIEW_ZH
from syncd.rules.visits import SAME_KIND_PENDING_ZH
from syncd.service.worker import Worker

__all__ = ["any_env", "env"]

OPERATOR = {"operator_no": "0102", "operator_name": "赵六"}


def charge(env: Env, charge_no: str, bka893: str = "1", visit: str = "MZ1") -> int:
    return env.command("op_charge", visit, charge_no=charge_no, bka893=bka893, **OPERATOR)


def second_charge_rows(env: Env) -> None:
    env.insert(
        "t_op_fee",
        fee_id=3,
        charge_no="C2",
        item_code="X0101",
        item_name="诊查费",
        price="5.00",
        qty="1.00",
        amount="5.00",
        fee_date="20261125",
    )


def batches(env: Env) -> list[tuple[int, str]]:
    business = env.business(env.visit("MZ1")["aaz218"])
    return [(int(b["bka001"]), str(b["figures"]["akc264"])) for b in business["batches"]]


def unknown_deletion(env: Env, *, visit_in_json: bool = False) -> tuple[Worker, int]:
    """ZY1 admitted with one fee row uploaded; its fee deletion's reply is lost and the query
    fails: the deletion is UNKNOWN.  ``visit_in_json``: the HIS gives the visit in
    ``params_json`` only (the ``visit_key`` column left empty)."""
    allow_fee_deletion(env)
    admit(env)
    fee(env, "F1", "9.00")
    worker = env.worker()
    worker.once()
    env.sim.add_faults("reply_lost:function=bizh120004", "drop:function=bizh120003")
    if visit_in_json:
        deletion = env.command("ip_delete_fees")
        r = env.tables.request
        with env.db.begin() as conn:
            conn.execute(
                sa.update(r)
                .where(r.c.id == deletion)
                .values(params_json=json.dumps({"visit_key": "ZY1"}))
            )
    else:
        deletion = env.command("ip_delete_fees", "ZY1")
    worker.once()
    assert env.request_row(deletion)["status"] == "UNKNOWN"
    return worker, deletion


# --- C2: one unsettled call of a kind per visit ---------------------------------------------


def test_a_charge_is_refused_while_another_charge_of_the_visit_is_unknown(any_env: Env) -> None:
    """C1's reply is lost and the query fails: C1 is UNKNOWN.  C2 of the same visit is refused
    at once (nothing sent) — were it charged, C1 would be judged by the batches after C2's and
    charged twice.  C1 is then resolved (batch 1 adopted) and a new C2 goes as batch 2."""
    env = any_env
    worker = env.worker()
    register(env)
    charge_rows(env, "C1")
    second_charge_rows(env)
    worker.once()
    env.sim.add_faults("reply_lost:function=bizh110105", "drop:function=bizh110103")
    first = charge(env, "C1")
    worker.once()
    assert env.request_row(first)["status"] == "UNKNOWN"

    second = charge(env, "C2")
    worker.once()
    answer = env.request_row(second)
    assert (answer["status"], answer["attempts"], answer["call_id"]) == ("REJECTED", 0, None)
    assert answer["return_code_message"] == SAME_KIND_PENDING_ZH
    assert len(env.calls("bizh110105")) == 1

    env.sim.clear_faults()
    env.clock.advance(600)
    worker.once()
    answer = env.request_row(first)
    assert (answer["status"], answer["bka001"]) == ("DONE", 1)
    assert env.visit("MZ1")["last_batch"] == 1
    again = charge(env, "C2")
    worker.once()
    assert (env.request_row(again)["status"], env.request_row(again)["bka001"]) == ("DONE", 2)
    assert batches(env) == [(1, "42.40"), (2, "5.00")]
    assert len(env.calls("bizh110105")) == 2


def test_a_charge_stops_when_another_charge_of_the_visit_went_in_flight_as_it_started(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another engine commits the intent of a charge of the same visit between our check and
    our own intent: looking again after the intent, ours is refused and not sent."""
    worker = env.worker()
    register(env)
    charge_rows(env, "C1")
    second_charge_rows(env)
    worker.once()
    other = charge(env, "C2")
    r = env.tables.request
    with env.db.begin() as conn:  # not due for us: the other engine's
        conn.execute(
            sa.update(r).where(r.c.id == other).values(next_attempt_at=START + timedelta(days=1))
        )
    ours = charge(env, "C1")

    def other_goes() -> None:
        with env.db.begin() as conn:
            conn.execute(
                sa.update(r)
                .where(r.c.id == other)
                .values(
                    status="IN_FLIGHT",
                    lease_owner="engine-b",
                    lease_until=START + timedelta(days=1),
                )
            )

    requests = worker.store.requests
    monkeypatch.setattr(requests, "mark_in_flight", before(requests.mark_in_flight, other_goes))
    worker.tick_commands()
    answer = env.request_row(ours)
    assert (answer["status"], answer["attempts"]) == ("REJECTED", 0)
    assert answer["return_code_message"] == SAME_KIND_PENDING_ZH
    assert answer["lease_owner"] is None
    assert env.calls("bizh110105") == []


# --- C4: an unsettled command is settled before anything is checked ---------------------------


def test_an_unknown_fee_deletion_is_resolved_after_the_visit_moved_on(env: Env) -> None:
    """The deletion is UNKNOWN, then the stay is discharged: the deletion needs an admitted
    stay, but it is not refused — the query finds it processed and it is adopted (the known
    fee sum is reset), as the platform has it."""
    worker, deletion = unknown_deletion(env)
    discharge(env)
    worker.once()
    assert env.visit("ZY1")["state"] == "DISCHARGED"
    env.sim.clear_faults()
    env.clock.advance(600)
    worker.once()
    answer = env.request_row(deletion)
    assert answer["status"] == "DONE", answer["return_code_message"]
    assert env.business(env.visit("ZY1")["aaz218"])["rows"] == []
    assert Decimal(str(env.visit("ZY1")["fee_amount"])) == Decimal("0")
    assert len(env.calls("bizh120004")) == 1


def test_an_unknown_command_whose_mapping_was_disabled_is_still_resolved(env: Env) -> None:
    """The deletion is UNKNOWN, then its mapping is disabled: it is still resolved by query
    (resolution needs the archived call, not the mapping), found processed, never re-sent."""
    _, deletion = unknown_deletion(env)
    enabled = env.feeds["ip_delete_fees"]
    env.feeds = {**env.feeds, "ip_delete_fees": enabled.model_copy(update={"enabled": False})}
    env.sim.clear_faults()
    env.clock.advance(600)
    env.worker("engine-disabled").once()
    answer = env.request_row(deletion)
    assert answer["status"] == "DONE", answer["return_code_message"]
    assert Decimal(str(env.visit("ZY1")["fee_amount"])) == Decimal("0")
    assert len(env.calls("bizh120004")) == 1


def test_an_unknown_command_whose_mapping_was_deleted_stays_unknown(env: Env) -> None:
    """The deletion is UNKNOWN, then its mapping file is deleted: it stays UNKNOWN with a
    reason for an operator (neither refused nor sent); restored, it is resolved by query."""
    _, deletion = unknown_deletion(env)
    kept = env.feeds
    env.feeds = {name: spec for name, spec in kept.items() if name != "ip_delete_fees"}
    env.sim.clear_faults()
    env.clock.advance(600)
    env.worker("engine-deleted").once()
    answer = env.request_row(deletion)
    assert answer["status"] == "UNKNOWN"
    assert "ip_delete_fees" in answer["return_code_message"]
    assert "人工核对" in answer["return_code_message"] and answer["answered_at"] is None
    assert len(env.calls("bizh120004")) == 1

    env.feeds = kept
    env.clock.advance(3600)
    env.worker("engine-restored").once()
    assert env.request_row(deletion)["status"] == "DONE"
    assert len(env.calls("bizh120004")) == 1


# --- C8: the visit in params_json ----------------------------------------------------------


def test_a_deletion_with_its_visit_in_params_json_holds_the_fee_rows_back(any_env: Env) -> None:
    """The HIS gives the visit only in params_json: the deletion's intent writes it into the
    visit_key column, so the visit's new fee row waits while the deletion is UNKNOWN, and goes
    once it is resolved."""
    env = any_env
    worker, deletion = unknown_deletion(env, visit_in_json=True)
    assert env.request_row(deletion)["visit_key"] == "ZY1"
    fee(env, "F2", "4.00")
    env.clock.advance(5)
    worker.once()
    row = env.status("ip_fee")["F2"]
    assert (row["status"], row["attempts"], row["last_error"]) == ("WAITING", 0, FEES_WAIT)
    assert len(env.calls("bizh120002")) == 1

    env.sim.clear_faults()
    env.clock.advance(600)
    worker.once()  # the fee feed goes first: still waiting; then the deletion is resolved
    assert env.request_row(deletion)["status"] == "DONE"
    env.clock.advance(60)
    worker.once()
    assert env.status("ip_fee")["F2"]["status"] == "SUCCEEDED"
    assert [r["aaz213"] for r in env.business(env.visit("ZY1")["aaz218"])["rows"]] == ["F2"]
    assert Decimal(str(env.visit("ZY1")["fee_amount"])) == Decimal("4.00")


# --- C6: one failing command does not stop the others ----------------------------------------


def failing_children(worker: Worker, bad: str) -> None:
    """The child view refuses the charge number ``bad`` (what ORA-01722 or PostgreSQL 22P02
    does to a numeric charge_no column)."""
    views = worker.commands.children

    class Failing:
        def children(self, dataset: Any, params: Mapping[str, object]) -> list[dict[str, object]]:
            if params.get("charge_no") == bad:
                raise SourceError("HIS database sqlite: statement failed (语句执行失败)")
            return views.children(dataset, params)

    worker.commands.children = Failing()


def test_a_command_whose_child_view_fails_waits_and_the_others_go_on(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    """The first command's child rows cannot be read: it waits (NEW, no attempt, nothing
    sent, the reason written back, due later with a growing backoff) and one ERROR event
    names it by id; the commands behind it are answered in the same tick."""
    worker = env.worker()
    register(env)
    charge_rows(env, "C1")
    worker.once()
    failing_children(worker, "BAD-440101199001011234")
    bad = charge(env, "BAD-440101199001011234", bka893="0")
    good = charge(env, "C1", bka893="0")
    query = env.command("op_business", "MZ1")
    with caplog.at_level(logging.INFO):
        report = worker.tick_commands()
    assert report.results == {"DEFERRED": 1, "DONE": 2}
    assert env.request_row(good)["status"] == "DONE"
    assert env.request_row(query)["status"] == "DONE"
    row = env.request_row(bad)
    assert (row["status"], row["attempts"], row["call_id"]) == ("NEW", 0, None)
    assert (row["last_error"], row["lease_owner"], row["answered_at"]) == (
        CHILD_VIEW_ZH,
        None,
        None,
    )
    first_delay = row["next_attempt_at"] - env.clock.now
    assert first_delay >= timedelta(seconds=8)  # backoff_initial_s 10, jitter 0.2
    errors = [r for r in caplog.records if r.getMessage() == "command.error"]
    assert [r.levelno for r in errors] == [logging.ERROR]
    assert "BAD" not in caplog.text and "440101" not in caplog.text
    assert len(env.calls("bizh110105")) == 1

    assert worker.tick_commands().claimed == 0  # not due yet
    env.clock.advance(first_delay.total_seconds())
    assert worker.tick_commands().results == {"DEFERRED": 1}
    second_delay = env.request_row(bad)["next_attempt_at"] - env.clock.now
    assert second_delay > first_delay


def down(*_args: object, **_kwargs: object) -> Any:
    raise SourceError("HIS database sqlite: unreachable (无法连接)")


@pytest.mark.parametrize("failing", ["visit ledger", "deferral"])
def test_a_database_error_ends_the_tick_and_gives_the_commands_back(
    env: Env, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """Not one command's fault: the database fails — reading the visit ledger, or writing
    the deferral after a child view failed (as when the database goes down).  The tick ends
    with the SourceError (the job backs off); every command is given back untouched and
    nothing is sent."""
    worker = env.worker()
    register(env)
    charge_rows(env, "C1")
    worker.once()
    failing_children(worker, "BAD")
    if failing == "visit ledger":
        monkeypatch.setattr(worker.store.visits, "get", down)
    else:
        monkeypatch.setattr(worker.store.requests, "defer", down)
    bad = charge(env, "BAD", bka893="0")
    good = charge(env, "C1", bka893="0")
    with pytest.raises(SourceError):
        worker.tick_commands()
    for command in (bad, good):
        row = env.request_row(command)
        assert (row["status"], row["lease_owner"], row["last_error"]) == ("NEW", None, None)
    assert env.calls("bizh110105") == []


def test_a_command_sent_before_a_database_error_keeps_its_intent_until_the_window_is_over(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The charge is sent, then writing its answer fails: the tick ends, but the command keeps
    IN_FLIGHT with its intent's lease (given back, another engine would ask the platform at
    once, while it may still be working).  After the window it is resolved by query: the
    batch is adopted, never charged again."""
    worker = env.worker()
    register(env)
    charge_rows(env, "C1")
    worker.once()
    settle = charge(env, "C1")
    store = worker.store
    answer_command = store.command

    def fails_once(*args: Any, **kwargs: Any) -> bool:
        monkeypatch.setattr(store, "command", answer_command)
        return bool(down())

    monkeypatch.setattr(store, "command", fails_once)
    with pytest.raises(SourceError):
        worker.tick_commands()
    row = env.request_row(settle)
    assert (row["status"], row["attempts"], row["lease_owner"]) == ("IN_FLIGHT", 1, "engine-a")
    assert row["lease_until"] >= env.clock.now + timedelta(seconds=120)
    other = env.worker("engine-b")
    assert other.tick_commands().claimed == 0  # its intent's lease still runs

    env.clock.advance(3600)
    other.tick_commands()
    row = env.request_row(settle)
    assert (row["status"], row["bka001"]) == ("DONE", 1), row["return_code_message"]
    assert len(env.calls("bizh110105")) == 1


# --- C9: the last attempt ----------------------------------------------------------------------


def test_a_charge_the_platform_never_processes_ends_failed_saying_so(env: Env) -> None:
    """Every settlement call is lost (delivery.max_attempts 3): each time the query after the
    in-flight window finds it not processed and it is sent again, until the attempts are used
    up; it then ends FAILED, and its message no longer says it will be sent again."""
    worker = env.worker()
    register(env)
    charge_rows(env, "C1")
    worker.once()
    env.sim.add_faults("drop:function=bizh110105,times=3")
    settle = charge(env, "C1")
    seen: list[tuple[str, int]] = []
    for _ in range(12):
        worker.once()
        row = env.request_row(settle)
        seen.append((row["status"], row["attempts"]))
        if row["status"] == "FAILED":
            break
        env.clock.advance(600)
    assert row["status"] == "FAILED", seen
    assert len(env.calls("bizh110105")) == 3 and row["attempts"] == 3
    for text in (row["return_code_message"], row["last_error"]):
        assert "未处理" in text and "3次" in text and "重新发送" not in text, text
    assert row["answered_at"] is not None
    assert env.visit("MZ1")["last_batch"] == 0
