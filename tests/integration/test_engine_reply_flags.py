"""Replies read as the real platform may answer (issue 15.2), engine against the simulator.

* A settlement whose figures are a cent off their §8.1 identities is concluded with the
  figures as returned and flagged (``result_json.reply_flag`` and one WARNING event with no
  person in it); within ``platform.figure_tolerance`` it is not flagged.
* A discharge (a view feed) with such figures is flagged the same way in WI_SYNC_STATUS.
* An outpatient charge answered with two ``payinfo`` rows is concluded with the first (as the
  public clients read it), both rows kept, flagged.
* The reconciliation of the day lists every flagged call (a command and a feed's row) as a
  REPLY_FLAGGED finding, on SQLite, PostgreSQL and MariaDB; the next day's does not.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from engine_support import Env, admit, any_env, discharge, env, fee
from test_engine_outpatient import charge_rows, register

from syncd.db.recon_source import LedgerReader
from syncd.reconcile import ItemClass
from syncd.reconcile.gather import flagged_findings
from syncd.reconcile.period import Period

__all__ = ["any_env", "env"]
OPERATOR = {"operator_no": "0101", "operator_name": "李四"}


def _discharged(env: Env, amount: str = "40.00") -> None:
    admit(env)
    fee(env, "F1", amount)
    discharge(env)
    worker = env.worker()
    worker.once()
    env.clock.advance(60)
    worker.once()
    assert env.visit("ZY1")["state"] == "DISCHARGED"


def _flag_events(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [
        dict(r.syncd_fields)
        for r in caplog.records  # type: ignore[attr-defined]
        if r.getMessage() == "delivery.reply_flagged"
    ]


def test_a_cent_off_settlement_is_concluded_as_returned_and_flagged(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    _discharged(env)
    env.sim.add_faults("cent_off:function=bizh120106")
    settle = env.command("ip_settle", "ZY1", **OPERATOR)
    with caplog.at_level(logging.INFO):
        env.worker().once()
    answer = env.request_row(settle)
    assert (answer["status"], answer["return_code"]) == ("DONE", "1")
    assert answer["akc264"] == Decimal("40.01")  # the platform's figure, not a corrected one
    assert answer["bka831"] + answer["bka832"] == Decimal("40.00")
    assert env.visit("ZY1")["state"] == "SETTLED"
    doc = json.loads(answer["result_json"])
    assert doc["reply_flag"] == {
        "identities": ["akc264 40.01 != bka831+bka832 40.00"],
        "tolerance": "0.00",
    }
    assert len(env.calls("bizh120106")) == 1 and not env.calls("bizh120102")  # nothing asked
    [flagged] = _flag_events(caplog)
    assert flagged["identities"] == "akc264" and flagged["function_id"] == "bizh120106"
    assert "张伟明" not in caplog.text and "440106198503124219" not in caplog.text


def test_within_the_tolerance_a_cent_off_settlement_is_not_flagged(env: Env) -> None:
    platform = env.settings.platform.model_copy(update={"figure_tolerance": Decimal("0.01")})
    env.settings = env.settings.model_copy(update={"platform": platform})
    _discharged(env)
    env.sim.add_faults("cent_off:function=bizh120106")
    settle = env.command("ip_settle", "ZY1", **OPERATOR)
    env.worker().once()
    answer = env.request_row(settle)
    assert answer["status"] == "DONE" and answer["akc264"] == Decimal("40.01")
    assert "reply_flag" not in json.loads(answer["result_json"])


def test_a_discharge_with_cent_off_figures_is_flagged_in_the_sync_status(env: Env) -> None:
    admit(env)
    fee(env, "F1", "25.00")
    env.sim.add_faults("cent_off:function=bizh120105")
    discharge(env)
    worker = env.worker()
    worker.once()
    env.clock.advance(60)
    worker.once()
    row = env.status("ip_discharge")["ZY1@1"]
    assert row["status"] == "SUCCEEDED" and env.visit("ZY1")["state"] == "DISCHARGED"
    flag = json.loads(row["result_json"])["reply_flag"]
    assert flag["identities"] == ["akc264 25.01 != bka831+bka832 25.00"]


def test_a_charge_answered_with_two_payinfo_rows_is_concluded_with_the_first(env: Env) -> None:
    register(env)
    charge_rows(env)
    worker = env.worker()
    worker.once()
    env.sim.add_faults("payinfo_twice:function=bizh110105")
    charge = env.command("op_charge", "MZ1", charge_no="C1", bka893="1", **OPERATOR)
    worker.once()
    answer = env.request_row(charge)
    assert answer["status"] == "DONE"
    assert (answer["bka001"], answer["akc264"]) == (1, Decimal("42.40"))
    assert env.visit("MZ1")["last_batch"] == 1
    assert json.loads(answer["result_json"])["reply_flag"] == {"payinfo_rows": 2}
    pay = [r for r in env.reply_rows(charge) if r["dataset"] == "payinfo"]
    assert [(r["row_no"], json.loads(r["row_json"])["akc264"]) for r in pay] == [
        (1, "42.40"),
        (2, "0.00"),
    ]  # both rows kept as they came


def test_the_days_reconciliation_lists_the_calls_concluded_with_a_flagged_reply(
    any_env: Env,
) -> None:
    env = any_env
    admit(env)
    fee(env, "F1", "40.00")
    env.sim.add_faults("cent_off:function=bizh120105", "cent_off:function=bizh120106")
    discharge(env)
    worker = env.worker()
    worker.once()
    env.clock.advance(60)
    worker.once()
    settle = env.command("ip_settle", "ZY1", **OPERATOR)
    worker.once()
    assert env.request_row(settle)["status"] == "DONE"
    aaz218 = env.visit("ZY1")["aaz218"]
    ledger = LedgerReader(env.db, env.tables)
    today = Period.day(env.clock.now.date())
    found = flagged_findings(ledger, *today.bounds())
    assert [(f.item_class, f.feed, f.visit_key, f.aaz218) for f in found] == [
        (ItemClass.REPLY_FLAGGED, "ip_discharge", "ZY1", aaz218),
        (ItemClass.REPLY_FLAGGED, "ip_settle", "ZY1", aaz218),
    ]
    assert found[0].detail.startswith("ip_discharge ZY1（bizh120105），")
    assert found[1].detail.startswith(f"ip_settle {settle}，")
    assert "金额不满足规范 §8.1 恒等式：akc264 40.01 != bka831+bka832 40.00" in found[1].detail
    assert ItemClass.REPLY_FLAGGED.is_discrepancy
    tomorrow = Period.day(env.clock.now.date() + timedelta(days=1))
    assert flagged_findings(ledger, *tomorrow.bounds()) == []
