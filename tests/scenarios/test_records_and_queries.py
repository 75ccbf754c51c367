"""病案首页 uploads after discharge and the 其他 queries (累计查询, 基金状态查询, 码表服务),
driven through the reference views and WI_REQUEST, against the simulator."""

from __future__ import annotations

from scenario_support import CHEN, LI, LI_AAC001, LIU, ZHANG, ZHANG_AAC001, Hospital

RECORD_FEEDS = {
    "mr_patient": "bizh200101",
    "mr_diagnosis": "bizh200102",
    "mr_operation": "bizh200103",
    "mr_birth": "bizh200104",
    "mr_tumour": "bizh200105",
    "mr_summary": "bizh200106",
}
ONLY_WITH_DATA = {"mr_operation": ZHANG, "mr_birth": LI, "mr_tumour": LIU}


def _uploaded(hospital: Hospital, stay: str) -> set[str]:
    return set(hospital.business(hospital.visit(stay)["aaz218"])["records"])


def test_six_record_uploads_after_discharge_and_special_pages_only_with_data(
    hospital: Hospital,
) -> None:
    """Every discharged stay sends 200101/200102/200106; surgery (200103), birth (200104)
    and tumour (200105) pages only for the stay that has such data; nothing for a stay that
    is not discharged."""
    hospital.run()
    for feed, stay in ONLY_WITH_DATA.items():
        rows = hospital.sync(feed)
        assert [(r["visit_key"], r["status"]) for r in rows] == [(stay, "SUCCEEDED")]
    common = {"mr_patient", "mr_diagnosis", "mr_summary"}
    for stay in (ZHANG, LI, LIU):
        assert all(hospital.sync_statuses(feed, stay) == {"SUCCEEDED"} for feed in common)
        special = {f for f, s in ONLY_WITH_DATA.items() if s == stay}
        expected = {RECORD_FEEDS[f] for f in common | special}
        assert _uploaded(hospital, stay) == expected
    assert not any(hospital.sync(feed, CHEN) for feed in RECORD_FEEDS)


def test_record_pages_wait_for_the_discharge(hospital: Hospital) -> None:
    """In the pass before bizh120105 succeeds the pages are WAITING (no attempt used) with a
    Chinese reason; they are sent once the stay is discharged."""
    hospital.run()
    first = {tick.feed: tick.results for tick in hospital.reports[0].feeds}
    assert set(first["mr_patient"]) == {"WAITING"} and set(first["ip_discharge"]) == {"WAITING"}
    (row,) = hospital.sync("mr_patient", ZHANG)
    assert (row["status"], row["attempts"]) == ("SUCCEEDED", 1)
    assert _uploaded(hospital, ZHANG) >= {"bizh200101"}


def test_cumulative_fund_status_and_code_table_queries(hospital: Hospital) -> None:
    """bizh410004, bizh410005 and bizh120205 answered in WI_REQUEST / WI_REQUEST_ROW."""
    totals = hospital.request("cumulative_query", aac001=ZHANG_AAC001, aae001="2026")
    funds = hospital.request(
        "fund_status_query", aac001=LI_AAC001, aae030="20260101", aae031="20261231"
    )
    codes = hospital.request("code_table_query", aaa100="bka006")
    hospital.run()
    for asked in (totals, funds, codes):
        answer = hospital.answer(asked)
        assert (answer["status"], answer["return_code"]) == ("DONE", "1"), answer
    assert hospital.sql("SELECT * FROM WI_REQUEST_ROW WHERE request_id = :r", r=totals)
    assert hospital.sql("SELECT * FROM WI_REQUEST_ROW WHERE request_id = :r", r=funds)
    names = {
        r["aaa102"]: r["aaa103"]
        for r in hospital.sql(
            "SELECT aaa102, aaa103 FROM WI_REQUEST_ROW WHERE request_id = :r", r=codes
        )
    }
    assert names.get("420") and all(r is not None for r in names.values())
