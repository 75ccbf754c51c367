"""The exchange on the in-memory stores and a scripted platform (no database, no HTTP): the
delivery protocol for a single row, a fee batch and commands, the in-step and the later
resolution of an UNKNOWN, a unit taken over before its intent, and an operator's verdicts."""

from __future__ import annotations

import json

import pytest
from exchange_support import HOLD_S, Engine, admission, fee

from syncd.core.errors import OperatorError
from syncd.rules.resolve.verdict import OPERATOR_PROCESSED_ZH, STILL_RUNNING_ZH
from syncd.rules.visits import Visit

OPERATOR = {"operator_no": "0101", "operator_name": "李四"}


def admitted(engine: Engine) -> str:
    admission(engine)
    engine.tick("ip_admission")
    return str(engine.stores.visits.get("ZY1", "INPATIENT").aaz218)


def test_a_row_is_intended_before_it_is_sent_and_concluded_once() -> None:
    """The platform sees the row IN_FLIGHT under the call id; the reply's aaz218 is written
    back, the visit is ADMITTED, the archived exchange carries the same id."""
    engine = Engine()
    admission(engine)
    report = engine.tick("ip_admission")
    assert (report.discovered, report.claimed, dict(report.results)) == (1, 1, {"SUCCEEDED": 1})
    ((function_id, call_id, intended),) = engine.platform.calls
    assert (function_id, intended) == ("bizh120103", True)
    row = engine.row("ip_admission", "1")
    assert (row.status, row.attempts, row.request_id, row.lease_owner) == (
        "SUCCEEDED",
        1,
        call_id,
        None,
    )
    assert row.extra["aaz218"] == "ZY0001" and row.extra["return_code"] == "1"
    visit = engine.stores.visits.get("ZY1", "INPATIENT")
    assert (visit.state, visit.aaz218) == ("ADMITTED", "ZY0001")
    assert [e.call_id for e in engine.archive.entries] == [call_id]
    assert engine.tick("ip_admission").claimed == 0


def test_a_lost_reply_is_resolved_right_away_and_adopted() -> None:
    """Processed, reply lost: the query right after finds the admission by its 住院号."""
    engine = Engine()
    engine.platform.script("bizh120103", "lost")
    admission(engine)
    engine.tick("ip_admission")
    row = engine.row("ip_admission", "1")
    assert row.status == "SUCCEEDED" and row.extra["aaz218"] == "ZY0001"
    assert json.loads(str(row.extra["result_json"]))["resolved_by_query"] is True
    assert len(engine.platform.business("bizh120103")) == 1


def test_not_processed_right_after_the_call_is_believed_only_after_the_window() -> None:
    """Not processed and reply lost: the query right after finds nothing, which is not
    believed (the platform may still be working); the row stays UNKNOWN until the in-flight
    window is over, is asked again, and only then sent a second time."""
    engine = Engine()
    engine.platform.script("bizh120103", "unseen")
    admission(engine)
    engine.tick("ip_admission")
    row = engine.row("ip_admission", "1")
    assert (row.status, row.last_error) == ("UNKNOWN", STILL_RUNNING_ZH)
    engine.clock.advance(HOLD_S - 1)
    assert engine.tick("ip_admission").claimed == 0
    engine.clock.advance(2)
    assert dict(engine.tick("ip_admission").results) == {"PENDING": 1}  # asked: not processed
    assert len(engine.platform.business("bizh120103")) == 1
    engine.tick("ip_admission")
    assert engine.row("ip_admission", "1").status == "SUCCEEDED"
    assert len(engine.platform.business("bizh120103")) == 2


def test_a_visits_fee_rows_go_in_batches_sharing_their_calls_id() -> None:
    """Five rows, at most three a call: two calls; each row carries its call's id; the visit
    ledger knows the uploaded sum."""
    engine = Engine()
    aaz218 = admitted(engine)
    for i, amount in enumerate(("1.00", "2.00", "3.00", "4.00", "5.50")):
        fee(engine, f"F{i}", amount)
    assert dict(engine.tick("ip_fee").results) == {"SUCCEEDED": 5}
    first, second = engine.platform.business("bizh120002")
    ids = [engine.row("ip_fee", f"F{i}").request_id for i in range(5)]
    assert ids == [first] * 3 + [second] * 2
    assert engine.stores.visits.get("ZY1", "INPATIENT").fee_amount == "15.50"
    assert str(engine.platform.fees[aaz218]) == "15.50"


def test_a_unit_taken_over_before_its_intent_sends_nothing() -> None:
    """Another engine took the row between our claim and our intent: nothing is sent, the
    row is left to it as it was."""
    engine = Engine()
    admission(engine)
    pipeline = engine.pipelines["ip_admission"]
    real = pipeline.store.outbox.mark_in_flight

    def taken_over(*args: object, **kwargs: object) -> bool:
        for row in engine.stores.outbox.rows.values():
            row.lease_owner = "engine-b"
        return real(*args, **kwargs)  # type: ignore[arg-type]

    pipeline.store.outbox.mark_in_flight = taken_over  # type: ignore[method-assign]
    report = engine.tick("ip_admission")
    assert (report.claimed, sum(report.results.values())) == (1, 0)
    assert engine.platform.calls == []
    row = engine.row("ip_admission", "1")
    assert (row.status, row.attempts, row.lease_owner) == ("PENDING", 0, "engine-b")


def test_an_unknown_settlement_command_is_settled_by_query_with_the_slips_figures() -> None:
    """A settlement whose reply was lost and whose in-step query failed stays UNKNOWN; taken
    over after the window, it is asked again and adopted with the settlement slip's figures;
    it is never sent twice."""
    engine = Engine()
    admitted(engine)
    engine.stores.visits.rows[("ZY1", "INPATIENT")] = Visit(
        "ZY1", "INPATIENT", "DISCHARGED", aaz218="ZY0001"
    )
    command = engine.stores.requests.insert("ip_settle", engine.clock(), "ZY1", **OPERATOR)
    engine.platform.script("bizh120106", "lost")
    engine.platform.script("bizh120102", "down")
    assert dict(engine.tick_commands().results) == {"UNKNOWN": 1}
    engine.clock.advance(HOLD_S + 1)
    assert dict(engine.tick_commands().results) == {"DONE": 1}
    row = engine.stores.requests.rows[command]
    assert (row.status, row.flat["akc264"], row.flat["bka832"]) == ("DONE", "80.00", "70.00")
    assert len(engine.platform.business("bizh120106")) == 1
    assert engine.stores.visits.get("ZY1", "INPATIENT").state == "SETTLED"


def test_a_refused_command_is_answered_at_once_without_a_call() -> None:
    """A settlement before discharge: REJECTED with the Chinese reason, nothing sent."""
    engine = Engine()
    admitted(engine)
    command = engine.stores.requests.insert("ip_settle", engine.clock(), "ZY1", **OPERATOR)
    assert dict(engine.tick_commands().results) == {"REJECTED": 1}
    row = engine.stores.requests.rows[command]
    assert "出院" in str(row.return_code_message) and row.attempts == 0
    assert engine.platform.business("bizh120106") == []


def test_an_operators_verdicts_go_through_the_exchange() -> None:
    """Reply lost and every query failing: UNKNOWN.  "Not processed" on another row, or
    "processed" without the aaz218, is refused with the reason; "processed" with it concludes
    the row and the visit, marked as the operator's."""
    engine = Engine()
    engine.platform.script("bizh120103", "lost")
    engine.platform.script("bizh120102", "down")
    admission(engine)
    engine.tick("ip_admission")
    assert engine.row("ip_admission", "1").status == "UNKNOWN"
    operator = engine.operator()
    with pytest.raises(OperatorError, match="--aaz218"):
        operator.processed("ip_admission", "1", {})
    with pytest.raises(OperatorError, match="has no row 2"):
        operator.not_processed("ip_admission", "2")
    assert operator.processed("ip_admission", "1", {"aaz218": "ZY0001"}) == 1
    row = engine.row("ip_admission", "1")
    assert (row.status, row.extra["return_code_message"]) == ("SUCCEEDED", OPERATOR_PROCESSED_ZH)
    assert json.loads(str(row.extra["result_json"]))["resolved_by_operator"] is True
    assert engine.stores.visits.get("ZY1", "INPATIENT").aaz218 == "ZY0001"
    with pytest.raises(OperatorError, match="not UNKNOWN or IN_FLIGHT"):
        operator.processed("ip_admission", "1", {"aaz218": "ZY0001"})
    audited = [
        (e.username, e.action, e.source_key, e.row_count, e.status_before, e.status_after)
        for e in reversed(engine.audit.recent())
    ]
    assert audited == [  # every verdict, refused or done, once, as who gave it
        ("wang", "processed", "1", 0, "UNKNOWN", "refused"),
        ("wang", "not_processed", "2", 0, None, "refused"),
        ("wang", "processed", "1", 1, "UNKNOWN", "SUCCEEDED"),
        ("wang", "processed", "1", 0, "SUCCEEDED", "refused"),
    ]
    done = engine.audit.recent()[1]
    assert done.detail == "aaz218=ZY0001" and done.client == "10.0.0.7"
    assert "未执行：" in str(engine.audit.recent()[0].detail)
