"""UNKNOWN outcomes the platform's totals alone cannot tell, through the reference views and
the simulator (so that test_sql_versions compiles what syncd issues for them): a stay whose
total matches neither case is deleted and uploaded again by syncd itself; a row waiting behind
it reads its reason; the cases for a person are read for their alert."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from scenario_support import LI, Hospital

from syncd.db.person_cases import read_person_cases
from syncd.db.schema import staging_tables
from syncd.engine.exchange import Where
from syncd.protocol import catalogue
from syncd.protocol.messages import Request
from syncd.reference.people import ITEMS
from syncd.reference.rows import ip_fee_row


def _fee(hospital: Hospital, qty: int) -> str:
    """One more fee row of Li's stay (the HIS side); its key."""
    (top,) = hospital.sql("SELECT MAX(FEE_ID) AS id, MAX(FEE_SEQ) AS seq FROM HIS_IP_FEE")
    (stay,) = hospital.sql("SELECT ADMIT_TIME AS at FROM HIS_IP_STAY WHERE STAY_NO = :s", s=LI)
    row = ip_fee_row(
        int(top["id"]) + 1, LI, int(top["seq"]) + 1, ITEMS[1], Decimal(qty), stay["at"]
    )
    values = {k: str(v) if isinstance(v, Decimal) else v for k, v in row.items()}
    names, marks = ", ".join(values), ", ".join(f":{k}" for k in values)
    hospital.sql(f"INSERT INTO HIS_IP_FEE ({names}) VALUES ({marks})", **values)
    return str(row["FEE_ID"])


def _elsewhere(hospital: Hospital, like: str) -> None:
    """Another client uploads a row to Li's stay (syncd's call ``like``, renumbered)."""
    calls = hospital.worker.calls
    sent = calls.archived(like, "bizh120002", Where())
    assert sent is not None
    row = {**sent.datasets["feeinfo"][0], "aaz213": "990001", "bka071": "990001"}
    request = Request.build(catalogue.load(), "bizh120002", dict(sent.params), {"feeinfo": [row]})
    assert calls.client.call(request).succeeded


@pytest.mark.slow
def test_a_total_matching_neither_case_is_deleted_and_uploaded_again(hospital: Hospital) -> None:
    hospital.sql("UPDATE HIS_IP_STAY SET DISCHARGE_TIME = NULL WHERE STAY_NO = :s", s=LI)
    hospital.run()
    first = hospital.sync("ip_fee", LI)
    assert {r["status"] for r in first} == {"SUCCEEDED"}
    _elsewhere(hospital, str(first[0]["request_id"]))
    hospital.sim.add_faults("reply_lost:function=bizh120002")
    lost = _fee(hospital, 2)
    hospital.worker.once()
    (row,) = [r for r in hospital.sync("ip_fee", LI) if r["source_key"] == lost]
    assert row["status"] == "UNKNOWN" and "WI_REQUEST" in row["return_code_message"]
    hospital.sim.clear_faults()
    behind = _fee(hospital, 1)
    for _ in range(12):
        hospital.clock.now += timedelta(seconds=600)
        hospital.worker.once()
    rows = {r["source_key"]: r["status"] for r in hospital.sync("ip_fee", LI)}
    assert rows[lost] == rows[behind] == "SUCCEEDED" and set(rows.values()) == {"SUCCEEDED"}
    (refill,) = hospital.sql("SELECT status, requested_by FROM WI_REQUEST")
    assert (refill["status"], refill["requested_by"]) == ("DONE", "syncd")
    business = hospital.business(str(hospital.visit(LI)["aaz218"]))
    assert len(business["rows"]) == len(rows)
    assert read_person_cases(hospital.worker.engine, staging_tables()) == (0, ())
