"""The visit state machines of spec §7 as data: ready, wait (no attempt) or refuse in Chinese,
and the effect of a success on the visit."""

from __future__ import annotations

import pytest

from syncd.rules import visits
from syncd.rules.visits import Visit, VisitVerdict, after_feeds_pending, check, effect


def visit(state: str, kind: str = "INPATIENT") -> Visit:
    return Visit("V1", kind, state, aaz218="Z1" if state != "NONE" else "")


@pytest.mark.parametrize(
    ("state", "needs", "verdict"),
    [
        ("ADMITTED", ("ADMITTED",), VisitVerdict.READY),
        ("NONE", ("ADMITTED",), VisitVerdict.WAIT),  # a fee row before its admission
        ("ADMITTED", ("DISCHARGED", "SETTLED"), VisitVerdict.WAIT),  # 病案 before discharge
        ("DISCHARGED", ("ADMITTED",), VisitVerdict.REFUSE),  # a fee row after discharge
        ("ADMITTED", ("NONE",), VisitVerdict.REFUSE),  # a second admission
        ("CANCELLED", ("ADMITTED",), VisitVerdict.REFUSE),
    ],
)
def test_fact_rows_wait_for_a_reachable_state_and_are_refused_otherwise(
    state: str, needs: tuple[str, ...], verdict: VisitVerdict
) -> None:
    assert check("INPATIENT", needs, visit(state), can_wait=True).verdict is verdict


def test_commands_never_wait_and_the_reason_is_chinese() -> None:
    """The HIS user is waiting for the answer: an unmet state is refused at once."""
    result = check("INPATIENT", ("DISCHARGED",), visit("ADMITTED"), can_wait=False)
    assert result.verdict is VisitVerdict.REFUSE
    assert result.reason_zh == "就诊状态为在院，此交易需要已出院登记"


def test_a_visit_of_the_other_kind_is_refused() -> None:
    result = check("OUTPATIENT", ("REGISTERED",), visit("ADMITTED"), can_wait=True)
    assert result.verdict is VisitVerdict.REFUSE and "门诊" in result.reason_zh


def test_after_feeds_wait_until_every_row_is_sent_or_refused() -> None:
    """requires.after: discharge waits while a fee row of the visit is not final, and while
    one FAILED (it never reached the platform: an operator re-queues it)."""
    assert after_feeds_pending(["SUCCEEDED", "PENDING"]).verdict is VisitVerdict.WAIT
    assert after_feeds_pending(["SUCCEEDED", "REJECTED"]).verdict is VisitVerdict.READY
    failed = after_feeds_pending(["SUCCEEDED", "FAILED"])
    assert failed.verdict is VisitVerdict.WAIT and "syncd retry" in failed.reason_zh


@pytest.mark.parametrize(
    ("function_id", "state"),
    [
        ("bizh110104", "REGISTERED"),
        ("bizh110106", "CANCELLED"),
        ("bizh120103", "ADMITTED"),
        ("bizh120105", "DISCHARGED"),
        ("bizh120106", "SETTLED"),
        ("bizh120107", "DISCHARGED"),
        ("bizh120108", "ADMITTED"),
        ("bizh120109", "CANCELLED"),
        ("bizh120003", None),
    ],
)
def test_effects_follow_the_feeds_contract(function_id: str, state: str | None) -> None:
    assert effect(function_id, {}, {"aaz218": "Z9"}).state == state


def test_registration_takes_aaz218_and_settled_charge_records_the_batch() -> None:
    assert effect("bizh120103", {}, {"aaz218": "Z9"}).aaz218 == "Z9"
    assert effect("bizh120106", {}, {"aaz218": "Z9"}).aaz218 == ""
    assert effect("bizh110105", {"bka893": "1"}, {"payinfo.bka001": "2"}).last_batch == 2
    assert effect("bizh110105", {"bka893": "0"}, {"payinfo.bka001": "2"}).last_batch is None
    assert effect("bizh120002", {}, {"feeinfo.sum": "12.50"}).fee_delta == "12.50"
    assert effect("bizh120004", {}, {}).fee_reset


def test_a_fee_batch_waits_while_another_call_of_the_visit_is_unsettled() -> None:
    assert visits.unsettled_calls_pending(["SUCCEEDED", "PENDING", "WAITING"]) == visits.READY
    for unsettled in ("IN_FLIGHT", "UNKNOWN"):
        found = visits.unsettled_calls_pending(["SUCCEEDED", unsettled])
        assert found.verdict is VisitVerdict.WAIT and "结果待确认" in found.reason_zh
