"""The reference day with the person look-up as the source of the person number: the DBA's
mappings take aac001 (and the registration's 工伤凭证号) from bizh110001 / bizh120001 by the
ID number instead of the HIS's own PERSON_NO column.  The platform must then see the very
person numbers the HIS holds, and syncd's statements on the person table are compiled for
every supported database version (test_sql_versions)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CallCollector
from scenario_support import LI_AAC001, NOT_INSURED_AAC001, Hospital, open_hospital

BY_ID = "{aac002: {column: ID_NO, trim: true, transform: upper}}"
EDITS = {
    "outpatient/op_registration.yaml": {
        "  aac001: {column: PERSON_NO, trim: true}": f"  aac001: {{person: aac001, by: {BY_ID}}}",
        "  bka042: {column: INJURY_NO, trim: true}": (
            f"  bka042: {{first: [{{column: INJURY_NO}}, {{person: bka042, by: {BY_ID}}}]}}"
        ),
    },
    "inpatient/ip_admission.yaml": {
        "  aac001: {column: PERSON_NO, trim: true}": f"  aac001: {{person: aac001, by: {BY_ID}}}",
    },
}


REFUSED: dict[str | None, str] = {
    None: "人员信息查询被拒绝：未查询到该人员",  # a patient the platform does not know
    NOT_INSURED_AAC001: "人员信息查询被拒绝：该人员未参加工伤保险",
    LI_AAC001: "人员信息查询被拒绝：人员工伤保险基金冻结：",
}


def by_id_number(mappings: Path) -> None:
    for name, changes in EDITS.items():
        path = mappings / name
        text = path.read_text(encoding="utf-8")
        for old, new in changes.items():
            assert old in text, f"{name} no longer has {old!r}"
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")


@pytest.fixture(params=["sqlite", "postgresql"])
def looked_up(
    request: pytest.FixtureRequest, tmp_path: Path, call_log: CallCollector
) -> Iterator[Hospital]:
    url = str(request.getfixturevalue(f"{request.param}_url"))
    yield from open_hospital(url, tmp_path, call_log, edit=by_id_number)


def test_the_platform_sees_the_person_numbers_the_his_holds_without_reading_them(
    looked_up: Hospital,
) -> None:
    hospital = looked_up
    hospital.run()
    for feed, view, key, function in (
        ("op_registration", "V_WI_OP_REGISTRATION", "VISIT_NO", "bizh110104"),
        ("ip_admission", "V_WI_IP_ADMISSION", "STAY_NO", "bizh120103"),
    ):
        held = {
            r["visit"]: r["person"]
            for r in hospital.sql(f"SELECT {key} AS visit, PERSON_NO AS person FROM {view}")
        }
        for row in hospital.sync(feed):
            person = held[row["visit_key"]]
            if person in REFUSED:  # refused by the look-up (frozen: persons.frozen reject)
                assert row["status"] == "REJECTED"
                assert row["last_error"].startswith(REFUSED[person])
                continue
            sent = hospital.sql(
                "SELECT request_xml FROM WI_MESSAGE WHERE feed = :f AND source_key = :k"
                " AND function_id = :fn",
                f=feed,
                k=row["source_key"],
                fn=function,
            )
            assert sent, f"{feed} {row['source_key']}: {row['last_error']}"
            assert all(f"<aac001>{person}</aac001>" in m["request_xml"] for m in sent)
            assert row["status"] == "SUCCEEDED" or not row["last_error"].startswith("人员信息")
    persons = hospital.sql("SELECT key_kind, state, aac001 FROM WI_PERSON")
    assert persons and {p["key_kind"] for p in persons} == {"aac002"}
    known = {p["aac001"] for p in persons if p["state"] == "KNOWN"}
    assert known and not known & set(REFUSED)
    looks = hospital.calls("bizh110001") + hospital.calls("bizh120001")
    visits = len(hospital.sync("op_registration")) + len(hospital.sync("ip_admission"))
    assert len(looks) == visits  # one look-up per new visit, none per later pass
