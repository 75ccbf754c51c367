"""The platform catalogue: every transaction of requirements.md, with kinds and field specs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from syncd.config.settings import FunctionIds
from syncd.core.errors import ConfigError
from syncd.protocol import catalogue
from syncd.protocol.catalogue import CallKind

REQUIREMENTS = Path("/work/shared/docs/requirements.md")

# (function_id, kind) for the 30 rows of requirements.md, in order.
EXPECTED = [
    ("bizh110001", CallKind.QUERY),
    ("bizh110102", CallKind.QUERY),
    ("bizh110103", CallKind.QUERY),
    ("bizh110104", CallKind.STATE_CHANGE),
    ("bizh110105", CallKind.MONEY),
    ("bizh110106", CallKind.STATE_CHANGE),
    ("bizh120001", CallKind.QUERY),
    ("bizh120103", CallKind.STATE_CHANGE),
    ("bizh120102", CallKind.QUERY),
    ("bizh120002", CallKind.STATE_CHANGE),
    ("bizh120003", CallKind.QUERY),
    ("bizh120105", CallKind.STATE_CHANGE),
    ("bizh120106", CallKind.MONEY),
    ("bizh120104", CallKind.STATE_CHANGE),
    ("bizh120109", CallKind.STATE_CHANGE),
    ("bizh120108", CallKind.STATE_CHANGE),
    ("bizh120004", CallKind.STATE_CHANGE),
    ("bizh120107", CallKind.MONEY),
    ("bizh120206", CallKind.QUERY),
    ("bizh200101", CallKind.UPLOAD),
    ("bizh200102", CallKind.UPLOAD),
    ("bizh200103", CallKind.UPLOAD),
    ("bizh200104", CallKind.UPLOAD),
    ("bizh200105", CallKind.UPLOAD),
    ("bizh200106", CallKind.UPLOAD),
    ("bizh410004", CallKind.QUERY),
    ("bizh410005", CallKind.QUERY),
    ("bizh120205", CallKind.QUERY),
    (None, CallKind.UPLOAD),
    ("sys0001", CallKind.SESSION),
]


def test_the_catalogue_holds_all_thirty_transactions_with_their_kinds() -> None:
    cat = catalogue.load()
    assert len(cat.all()) == 30
    assert {(s.function_id, s.kind) for s in cat.all()} == set(EXPECTED)


@pytest.mark.skipif(not REQUIREMENTS.exists(), reason="shared requirements not present")
def test_every_function_id_in_requirements_md_is_in_the_catalogue() -> None:
    ids = set(re.findall(r"\| (bizh\d{6}|sys\d{4})", REQUIREMENTS.read_text(encoding="utf-8")))
    cat = catalogue.load()
    assert ids and all(fid in cat for fid in ids)


def test_names_are_unique_snake_case_and_groups_are_the_five_known() -> None:
    specs = catalogue.load().all()
    names = [s.name for s in specs]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names)
    assert {s.group for s in specs} == {
        "outpatient",
        "inpatient",
        "medical_record",
        "other",
        "system",
    }


def test_by_name_and_get_find_the_same_admission_spec() -> None:
    cat = catalogue.load()
    spec = cat.by_name("inpatient_admission")
    assert cat.get("bizh120103") is spec
    assert spec.name_zh == "入院登记"
    assert spec.group == "inpatient"


def test_envelope_fields_are_not_inputs() -> None:
    for spec in catalogue.load().all():
        codes = {f.code for f in spec.inputs}
        assert not codes & {"session_id", "function_id"}, spec.name


def test_fee_rows_carry_places_required_flags_and_the_300_row_limit() -> None:
    spec = catalogue.load().get("bizh120002")
    fee = {f.code: f for f in spec.datasets["feeinfo"]}
    assert (fee["bka056"].type, fee["bka056"].places) == ("decimal", 4)
    assert (fee["bka057"].places, fee["bka058"].places) == (2, 2)
    assert fee["bka051"].type == "date"
    assert fee["ake005"].required and not fee["bka070"].required
    assert spec.max_rows == 300
    assert spec.required_datasets == {"feeinfo"}
    assert spec.required_inputs() == ("akb020", "aaz218")


def test_outpatient_registration_feeinfo_has_the_110105_row_layout() -> None:
    cat = catalogue.load()
    assert cat.get("bizh110104").datasets["feeinfo"] == cat.get("bizh110105").datasets["feeinfo"]
    assert "feeinfo" not in cat.get("bizh110104").required_datasets


def test_reply_layouts_are_catalogued() -> None:
    cat = catalogue.load()
    assert set(cat.get("bizh110001").output_datasets) == {
        "personinfo",
        "freezeinfo",
        "injuryorbirthinfo",
    }
    settle = {f.code: f for f in cat.get("bizh120106").outputs}
    assert settle["akc264"].type == "decimal" and settle["akc264"].places == 2
    assert "payinfo" in cat.get("bizh110105").output_datasets
    assert "codeinfo" in cat.get("bizh120205").output_datasets


def test_unknown_function_id_is_a_clear_config_error() -> None:
    with pytest.raises(ConfigError, match=r"'bizh999999' is not in the platform catalogue"):
        catalogue.load().get("bizh999999")


def test_late_illness_upload_without_an_id_names_the_setting_to_set() -> None:
    cat = catalogue.load()
    late = next(s for s in cat.all() if s.name == "illness_late_upload")
    assert late.function_id is None
    with pytest.raises(ConfigError, match=r"platform\.function_ids\.illness_late_upload"):
        cat.by_name("illness_late_upload")


def test_late_illness_upload_has_the_fee_upload_fields_with_bka061_required() -> None:
    cat = catalogue.load({"illness_late_upload": "bizh120010"})
    late = cat.by_name("illness_late_upload")
    assert cat.get("bizh120010") is late
    fee = {f.code: f for f in late.datasets["feeinfo"]}
    upload = {f.code for f in cat.get("bizh120002").datasets["feeinfo"]}
    assert set(fee) == upload
    assert fee["bka061"].required
    assert late.required_inputs() == ("akb020", "aaz218")
    assert late.max_rows == 300


def test_settings_function_ids_override_the_inferred_ids() -> None:
    ids = FunctionIds(settlement_slip="bizh120999", medical_record_patient="bizh200201")
    cat = catalogue.load(ids.model_dump())
    assert cat.by_name("settlement_slip").function_id == "bizh120999"
    assert cat.get("bizh200201").name == "medical_record_patient"
    assert "bizh120206" not in cat


def test_default_settings_give_the_spec_ids() -> None:
    cat = catalogue.load(FunctionIds().model_dump())
    assert cat.by_name("settlement_slip").function_id == "bizh120206"
    assert cat.by_name("medical_record_patient").function_id == "bizh200101"


def test_an_override_may_not_reuse_another_transactions_id() -> None:
    with pytest.raises(ConfigError, match="used by both"):
        catalogue.load({"illness_late_upload": "bizh120002"})


def test_an_unknown_override_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown key"):
        catalogue.load({"settlement_slipp": "bizh120206"})


def test_decimal_places_by_code_give_4_for_unit_price_and_2_for_money() -> None:
    places = catalogue.load().decimal_places()
    assert places["bka056"] == 4
    assert places["bka058"] == 2
    assert places["akc264"] == 2
    assert "aaz218" not in places
