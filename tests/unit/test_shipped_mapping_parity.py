"""The shipped mappings send what the public hospital clients send (docs/platform-fields.md):
the defects issue 15 names are fixed, and an [inferred] field can be switched off."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from mapping_folders import feeds_in

from syncd.mapping import FeedSpec, RenderContext, render
from syncd.mapping.engine import render_batch

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
AAZ218 = "ZY20261202000001"
PERSON = "1000010001"


@pytest.fixture(scope="module")
def feeds() -> dict[str, FeedSpec]:
    return feeds_in(MAPPINGS)


def context(**changes: Any) -> RenderContext:
    base: dict[str, Any] = {"settings": {"hospital.akb020": "SS0001"}, "visit": {"aaz218": AAZ218}}
    base.update(changes)
    return RenderContext(**base)


def command(feed: FeedSpec, **params: Any) -> dict[str, Any]:
    rendered = render(feed, {}, context(key="7", params=params))
    return dict(rendered.params)


def test_business_look_up_by_person_does_not_glue_the_visits_aaz218_on(
    feeds: dict[str, FeedSpec],
) -> None:
    """A command carrying both a visit and a person key asks by the person key alone
    (it used to send bka896 = person key + aaz218: 未查询到该人员)."""
    for name in ("ip_business", "op_business"):
        by_person = command(feeds[name], visit_key="V1", bka895="aac001", bka896=PERSON)
        assert (by_person["bka895"], by_person["bka896"]) == ("aac001", PERSON), name
        by_visit = command(feeds[name], visit_key="V1")
        assert (by_visit["bka895"], by_visit["bka896"]) == ("aaz218", AAZ218), name


def test_inpatient_business_look_up_carries_the_date_range(feeds: dict[str, FeedSpec]) -> None:
    sent = command(feeds["ip_business"], visit_key="V1", aae030="2026-01-01", aae031="20271231")
    assert (sent["aae030"], sent["aae031"]) == ("20260101", "20271231")
    assert (sent["aka130"], sent["bka891"]) == ("42", "0")


def test_pre_settlement_stage_defaults_to_1_as_the_dongguan_client(
    feeds: dict[str, FeedSpec],
) -> None:
    assert command(feeds["ip_presettle"], visit_key="V1")["bka438"] == "1"
    assert command(feeds["ip_presettle"], visit_key="V1", bka438="3")["bka438"] == "3"


def registration_row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "VISIT_NO": "MZ1",
        "PERSON_NO": PERSON,
        "ID_NO": "44030419920708362x",
        "VISIT_TIME": dt.datetime(2026, 12, 2, 8, 10),
        "CLERK_NO": "S001",
        "CLERK_NAME": "陈静",
        "DEPT_CODE": "D01",
        "DEPT_NAME": "急诊外科",
        "DIAG_CODE": "S62.001",
        "INJURY_NO": "GS2026000101",
        "APPLY_NO": "SQ2026000101",
    }
    row.update(changes)
    return row


def test_outpatient_registration_carries_ward_settle_flag_and_application_no(
    feeds: dict[str, FeedSpec],
) -> None:
    sent = render(feeds["op_registration"], registration_row(), context(visit={})).params
    assert (sent["bka021"], sent["bka022"]) == ("D01", "急诊外科")  # no ward: the dept
    assert sent["bka893"] == "0"  # registration only
    assert (sent["aaz267"], sent["bka042"]) == ("SQ2026000101", "GS2026000101")
    assert (sent["bka895"], sent["bka896"]) == ("aac002", "44030419920708362X")
    gap = render(
        feeds["op_registration"], registration_row(INJURY_NO=None, APPLY_NO=None), context(visit={})
    ).params
    assert (gap["aaz267"], gap["bka042"]) == ("", "")  # what the HIS holds: nothing yet


def fee_row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "FEE_ID": 501,
        "STAY_NO": "ZY1",
        "FEE_SEQ": 1,
        "CHARGE_NO": "SF1",
        "ITEM_CODE": "X001",
        "ITEM_NAME": "头孢呋辛钠注射液",
        "PRICE": Decimal("12.5"),
        "QTY": Decimal("2"),
        "AMOUNT": Decimal("25.00"),
        "FEE_TIME": dt.datetime(2026, 12, 2),
        "ENTRY_NO": "H001",
        "ENTRY_NAME": "刘芳",
        "LIMITED_FLAG": "1",
        "LIMIT_MET": "1",
        "ILLNESS_FLAG": "0",
    }
    row.update(changes)
    return row


def test_fee_rows_carry_aaz267_only_when_the_restriction_is_met(
    feeds: dict[str, FeedSpec],
) -> None:
    batch = render_batch(
        feeds["ip_fee"], [fee_row(), fee_row(FEE_ID=502, LIMIT_MET="0")], context()
    )
    (call,) = batch.calls
    met, unmet = call.request.datasets["feeinfo"]
    assert (met["aka036"], met["aaz267"]) == ("1", "1")
    assert (unmet["aka036"], unmet["aaz267"]) == ("1", "")
    charge = render(
        feeds["op_charge"],
        {},
        context(
            params={
                "visit_key": "V1",
                "charge_no": "SF1",
                "bka893": "1",
                "operator_no": "S004",
                "operator_name": "邓海燕",
            },
            datasets={"feeinfo": [fee_row()]},
        ),
    )
    (row,) = charge.datasets["feeinfo"]
    assert (row["aaz213"], row["aaz267"], row["bka071"]) == ("", "1", "501")


def test_inferred_fee_id_is_left_out_when_the_switch_is_off(feeds: dict[str, FeedSpec]) -> None:
    """bka071 in bizh120002 is sent by no public client: marked inferred, the setting
    platform.send_inferred_fields: false leaves it out (not even an empty element)."""
    spec = feeds["ip_fee"]
    assert spec.batch is not None and spec.batch.fields["bka071"].inferred
    sent = render_batch(spec, [fee_row()], context()).calls[0].request.datasets["feeinfo"][0]
    assert sent["bka071"] == "501"
    off = context(settings={"hospital.akb020": "SS0001", "platform.send_inferred_fields": False})
    left_out = render_batch(spec, [fee_row()], off).calls[0].request.datasets["feeinfo"][0]
    assert "bka071" not in left_out and left_out["aaz213"] == "501"


def test_maternity_fields_go_out_empty_where_the_spec_says_send_empty(
    feeds: dict[str, FeedSpec],
) -> None:
    person = command(feeds["ip_person"], bka895="aac001", bka896=PERSON, bka017="20261202")
    assert {k: person[k] for k in ("amc050", "bka912", "amc029")} == dict.fromkeys(
        ("amc050", "bka912", "amc029"), ""
    )
    discharge = feeds["ip_discharge"]
    blanks = ("amc050", "amc029", "amc031", *(f"bka9{n}" for n in range(11, 18)))
    assert all(discharge.fields[code].const == "" for code in blanks)
    assert discharge.writeback == {}  # WI_SYNC_STATUS has no columns for the figures
