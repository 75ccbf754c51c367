"""A stay whose platform total matches neither "uploaded" nor "not uploaded" (someone else
changed its fees on the platform), where the city allows bizh120004: syncd deletes the stay's
fees itself (a WI_REQUEST command it records, requested_by syncd) and uploads every row of the
visit again — once; a second mismatch is a person's, with the totals in the reason."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from exchange_support import HOLD_S, Engine, admission, fee

from syncd.rules.fee_batches import REFILL_ZH
from syncd.rules.resolve.question import needs_person


def refilling_engine() -> tuple[Engine, str]:
    engine = Engine()
    engine.inputs = replace(
        engine.inputs, settings={**engine.inputs.settings, "city.fee_delete_allowed": True}
    )
    pipeline = engine.pipelines["ip_fee"]
    pipeline.refill_allowed = True
    pipeline.checks.fee_deletes = ("ip_delete_fees",)
    admission(engine)
    engine.tick("ip_admission")
    return engine, str(engine.stores.visits.get("ZY1", "INPATIENT").aaz218)


def test_a_total_matching_neither_case_deletes_and_uploads_the_visit_again_once() -> None:
    engine, aaz218 = refilling_engine()
    fee(engine, "F0", "2.00")
    engine.tick("ip_fee")
    engine.platform.fees[aaz218] += Decimal("99.00")  # uploaded by another client
    engine.platform.script("bizh120002", "lost")
    fee(engine, "F1", "5.00")
    engine.tick("ip_fee")
    row = engine.row("ip_fee", "F1")
    assert row.status == "UNKNOWN" and not needs_person(row.last_error)
    assert "106.00" in row.last_error and "WI_REQUEST" in row.last_error
    (command,) = engine.stores.requests.rows.values()
    assert (command.command, command.columns["requested_by"]) == ("ip_delete_fees", "syncd")

    engine.clock.advance(5)
    engine.tick_commands()
    assert command.status == "DONE", command.return_code_message
    assert engine.row("ip_fee", "F0").status == "PENDING"
    assert engine.row("ip_fee", "F0").last_error == REFILL_ZH
    assert engine.stores.visits.get("ZY1", "INPATIENT").fee_amount == "0"

    engine.clock.advance(HOLD_S + 60)
    engine.tick("ip_fee")  # F1 asked: total 0 = known 0, not processed; F0 waits behind it
    for _ in range(3):
        engine.clock.advance(10)
        engine.tick("ip_fee")
    assert {engine.row("ip_fee", k).status for k in ("F0", "F1")} == {"SUCCEEDED"}
    assert str(engine.platform.fees[aaz218]) == "7.00"
    assert engine.stores.visits.get("ZY1", "INPATIENT").fee_amount == "7.00"
    assert len(engine.platform.business("bizh120004")) == 1

    engine.platform.fees[aaz218] += Decimal("50.00")  # and again: a person's now
    engine.platform.script("bizh120002", "lost")
    fee(engine, "F2", "3.00")
    engine.clock.advance(5)
    engine.tick("ip_fee")
    row = engine.row("ip_fee", "F2")
    assert row.status == "UNKNOWN" and needs_person(row.last_error) and "60.00" in row.last_error
    assert len(engine.stores.requests.rows) == 1


def test_where_the_city_forbids_deletion_the_operator_gets_both_totals() -> None:
    engine, aaz218 = refilling_engine()
    engine.pipelines["ip_fee"].refill_allowed = False
    engine.platform.fees[aaz218] = Decimal("99.00")
    engine.platform.script("bizh120002", "lost")
    fee(engine, "F1", "5.00")
    engine.tick("ip_fee")
    row = engine.row("ip_fee", "F1")
    assert row.status == "UNKNOWN" and needs_person(row.last_error)
    assert "总额104.00与已知上传0及本批5.00" in row.last_error
    assert engine.stores.requests.rows == {}
