"""Fee calls the platform can always judge (the engine on its fakes): a charge and its refund
found in one upload window go in two calls, so a lost reply of either is decided by the
stay's total; a lone 0.00 item waits (bounded) for the next non-zero row to join it."""

from __future__ import annotations

from decimal import Decimal

from exchange_support import Engine, admission, fee

from syncd.rules.fee_batches import ZERO_WAIT_ZH


def admitted(engine: Engine) -> str:
    admission(engine)
    engine.tick("ip_admission")
    return str(engine.stores.visits.get("ZY1", "INPATIENT").aaz218)


def test_a_charge_and_its_refund_in_one_window_are_two_calls_each_decided() -> None:
    """Both replies lost: each call moves the total by its own non-zero sum, so each is
    found processed by the query right after it; nothing is UNKNOWN, nothing sent twice."""
    engine = Engine()
    aaz218 = admitted(engine)
    engine.platform.script("bizh120002", "lost", "lost")
    fee(engine, "F1", "22.00")
    fee(engine, "F2", "-22.00")
    assert dict(engine.tick("ip_fee").results) == {"SUCCEEDED": 2}
    first, second = engine.platform.business("bizh120002")
    assert (engine.row("ip_fee", "F1").request_id, engine.row("ip_fee", "F2").request_id) == (
        first,
        second,
    )
    assert str(engine.platform.fees[aaz218]) == "0.00"
    assert engine.stores.visits.get("ZY1", "INPATIENT").fee_amount == "0.00"


def test_a_lone_zero_item_waits_and_joins_the_next_non_zero_row() -> None:
    engine = Engine()
    admitted(engine)
    engine.pipelines["ip_fee"].zero_fee_wait_s = 600
    fee(engine, "F1", "0.00")
    assert dict(engine.tick("ip_fee").results) == {"WAITING": 1}
    row = engine.row("ip_fee", "F1")
    assert row.last_error == ZERO_WAIT_ZH.format(600)
    assert engine.platform.business("bizh120002") == []
    engine.clock.advance(30)
    fee(engine, "F2", "8.00")
    engine.platform.script("bizh120002", "lost")
    assert dict(engine.tick("ip_fee").results) == {"SUCCEEDED": 2}
    (call,) = engine.platform.business("bizh120002")
    assert {engine.row("ip_fee", k).request_id for k in ("F1", "F2")} == {call}


def test_a_lone_zero_item_goes_alone_once_its_wait_is_over() -> None:
    engine = Engine()
    admitted(engine)
    engine.pipelines["ip_fee"].zero_fee_wait_s = 600
    fee(engine, "F1", "0.00")
    engine.tick("ip_fee")
    engine.clock.advance(599)
    assert dict(engine.tick("ip_fee").results) == {"WAITING": 1}
    engine.clock.advance(2)
    assert dict(engine.tick("ip_fee").results) == {"SUCCEEDED": 1}


def test_every_settled_unknown_is_told_to_the_resolution_metric() -> None:
    """PlatformCalls.resolved (the daemon wires syncd_unknown_resolutions_total to it) hears
    each resolution's verdict: here a lost fee reply found processed by query."""
    engine = Engine()
    admitted(engine)
    heard: list[tuple[str, str]] = []
    engine.exchange.calls.resolved = lambda verdict, by: heard.append((verdict, by))
    engine.platform.script("bizh120002", "lost")
    fee(engine, "F1", "5.00")
    engine.tick("ip_fee")
    assert heard == [("PROCESSED", "query")]


def test_rows_waiting_behind_an_unknown_for_a_person_name_it() -> None:
    """The platform's total matches neither case (someone uploaded 99.00 outside syncd): the
    batch stays UNKNOWN with both totals for a person, and the visit's next fee row says it
    waits for that check, naming the row."""
    engine = Engine()
    aaz218 = admitted(engine)
    engine.platform.fees[aaz218] = Decimal("99.00")
    engine.platform.script("bizh120002", "lost")
    fee(engine, "F1", "5.00")
    engine.tick("ip_fee")
    first = engine.row("ip_fee", "F1")
    assert first.status == "UNKNOWN"
    assert "104.00" in first.last_error and "人工核对" in first.last_error
    fee(engine, "F2", "3.00")
    assert dict(engine.tick("ip_fee").results) == {"WAITING": 1}
    waiting = engine.row("ip_fee", "F2").last_error
    assert waiting.startswith("等待人工核对：本次就诊的 ip_fee F1 结果未知") and "104.00" in waiting
