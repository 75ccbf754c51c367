"""Mapping files: each kind of mistake gives the intended message, hint and file:line:column.

The base files below are valid; every test changes one line and asserts exactly what a DBA
would read.  All problems of all files come out of one ``load_mappings`` call.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from syncd.config.mappings import load_mappings
from syncd.core.errors import ConfigError, ConfigProblem
from syncd.protocol import catalogue

CANCEL = """\
source: {view: V_WI_CANCEL, key: CANCEL_ID}
function_id: bizh120109
visit: {column: VISIT_NO}
requires:
  visit: {kind: INPATIENT, state: ADMITTED}
fields:
  akb020: {setting: hospital.akb020}
  aaz218: {visit: aaz218}
"""

FEES = """\
source: {view: V_WI_FEE_VISIT, key: VISIT_NO}
function_id: bizh120002
visit: {column: VISIT_NO}
fields:
  akb020: {setting: hospital.akb020}
  aaz218: {visit: aaz218}
datasets:
  feeinfo:
    view: V_WI_FEE
    join: {VISIT_NO: VISIT_NO}
    order_by: FEE_SEQ
    max_rows: 300
    fields:
      ake005: {column: ITEM_CODE}
      ake006: {column: ITEM_NAME}
      bka056: {column: PRICE, decimal: 4}
      bka057: {column: QTY, decimal: 2}
      bka058: {column: AMOUNT, decimal: 2}
      bka051: {column: FEE_TIME, date: yyyyMMdd}
      aaz213: {column: FEE_SEQ}
"""

LOOKUP = """\
source: {command: person_lookup, params: [bka895, bka896]}
function_id: bizh110001
fields:
  akb020: {setting: hospital.akb020}
  bka895: {param: bka895}
  bka896: {param: bka896}
  bka006: {const: "410"}
writeback:
  personinfo.aac001: AAC001
"""


def english(text: str) -> str:
    """The English half of a bilingual line; the Chinese half must come first."""
    zh, separator, en = text.partition(" / ")
    assert separator and re.search("[\u4e00-\u9fff]", zh), text
    return en


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def problems(folder: Path, files: dict[str, str]) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as info:
        load_mappings(write(folder, files), catalogue.load())
    return list(info.value.problems)


def only(folder: Path, name: str, text: str) -> ConfigProblem:
    found = problems(folder, {name: text})
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def where(problem: ConfigProblem) -> tuple[int, int]:
    return (problem.line, problem.column)


def test_the_base_files_are_valid(tmp_path: Path) -> None:
    """Guards the tests below: each of them breaks exactly one thing in a valid file."""
    folder = write(tmp_path, {"cancel.yaml": CANCEL, "fees.yaml": FEES, "lookup.yaml": LOOKUP})
    feeds = load_mappings(folder, catalogue.load())
    assert sorted(feeds) == ["cancel", "fees", "lookup"]


def test_misspelt_key_is_reported_where_it_stands_with_did_you_mean(tmp_path: Path) -> None:
    text = CANCEL.replace("{visit: aaz218}", "{visit: aaz218, requird: true}")
    problem = only(tmp_path, "cancel.yaml", text)
    assert problem.file == str(tmp_path / "cancel.yaml")
    assert where(problem) == (8, 27)
    assert problem.message.endswith(" / unknown key 'fields.aaz218.requird'")
    assert problem.hint.endswith(" / did you mean 'required'?")


def test_misspelt_key_inside_a_concat_part_gets_a_hint_too(tmp_path: Path) -> None:
    text = CANCEL.replace("{visit: aaz218}", "{concat: [{visit: aaz218}, {konst: x}]}")
    problem = only(tmp_path, "cancel.yaml", text)
    assert where(problem) == (8, 39)
    assert problem.message.endswith(" / unknown key 'fields.aaz218.concat.1.konst'")
    assert problem.hint.endswith(" / did you mean 'const'?")


def test_unknown_transform_suggests_the_nearest_name(tmp_path: Path) -> None:
    text = CANCEL.replace("{visit: aaz218}", "{visit: aaz218, transform: uper}")
    problem = only(tmp_path, "cancel.yaml", text)
    assert where(problem) == (8, 27)
    assert (
        problem.message
        == "'fields.aaz218.transform.0': 未知的转换 'uper' / unknown transform 'uper'"
    )
    assert problem.hint.endswith(" / did you mean 'upper'?")


def test_wrong_type_names_the_key_and_the_expected_type(tmp_path: Path) -> None:
    text = CANCEL.replace("{visit: aaz218}", "{visit: aaz218, max_length: many}")
    problem = only(tmp_path, "cancel.yaml", text)
    assert where(problem) == (8, 27)
    assert problem.message.startswith(
        "'fields.aaz218.max_length': 须为整数 / Input should be a valid integer"
    )


def test_sql_text_in_a_view_name_is_refused(tmp_path: Path) -> None:
    text = CANCEL.replace("V_WI_CANCEL", '"V_WI_CANCEL; DROP TABLE PATIENT"')
    problem = only(tmp_path, "cancel.yaml", text)
    assert where(problem) == (1, 10)
    assert "must be a view or column name, not SQL text" in problem.message
    assert (
        problem.hint
        == "请 DBA 提供视图并在此写其名称 / ask the DBA for a view and write its name here"
    )


def test_bad_column_name_is_refused(tmp_path: Path) -> None:
    text = CANCEL.replace("key: CANCEL_ID", "key: 1CANCEL")
    problem = only(tmp_path, "cancel.yaml", text)
    assert where(problem) == (1, 29)
    assert "column name '1CANCEL' must be a column name of letters" in problem.message


def test_missing_required_platform_field_points_at_fields_and_names_it(tmp_path: Path) -> None:
    text = CANCEL.replace("  aaz218: {visit: aaz218}\n", "")
    problem = only(tmp_path, "cancel.yaml", text)
    assert where(problem) == (6, 1)
    assert problem.message == (
        "bizh120109 取消入院登记 的必填字段 'aaz218'（就医登记号）没有映射 / "
        "required platform field 'aaz218' (就医登记号) is not mapped for bizh120109 取消入院登记"
    )
    assert english(problem.hint) == "add 'aaz218: {column: ...}' (就医登记号) under fields"


def test_missing_required_dataset_field_points_at_the_dataset_fields(tmp_path: Path) -> None:
    text = FEES.replace("      aaz213: {column: FEE_SEQ}\n", "")
    problem = only(tmp_path, "fees.yaml", text)
    assert where(problem) == (13, 5)
    assert "required platform field 'aaz213' (费用序列号" in problem.message


def test_unknown_function_id_suggests_the_nearest_id(tmp_path: Path) -> None:
    problem = only(tmp_path, "cancel.yaml", CANCEL.replace("bizh120109", "bizh120190"))
    assert where(problem) == (2, 1)
    assert english(problem.message) == "unknown function id 'bizh120190'"
    assert problem.hint.endswith(" / did you mean 'bizh120109'?")


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    text = CANCEL + "  akb020: {const: SS0001}\n"
    problem = only(tmp_path, "cancel.yaml", text)
    assert where(problem) == (9, 3)
    assert problem.message.endswith(" / duplicate key 'akb020' (first at line 7)")


def test_errors_of_two_files_come_out_together_in_file_order(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {
            "b_cancel.yaml": CANCEL.replace("ADMITTED", "ADMITED"),
            "a_lookup.yaml": LOOKUP.replace('"410"', "410"),
        },
    )
    assert [(Path(p.file).name, p.line, p.column) for p in found] == [
        ("a_lookup.yaml", 7, 12),
        ("b_cancel.yaml", 5, 28),
    ]
    assert found[0].hint.startswith("put the value in quotes")
    assert found[1].hint.endswith(" / did you mean 'ADMITTED'?")
    with pytest.raises(ConfigError) as info:
        load_mappings(tmp_path, catalogue.load())
    assert str(info.value).count("hint:") == 2


def test_secret_like_keys_are_refused_anywhere(tmp_path: Path) -> None:
    text = CANCEL + "  password: {const: hunter2}\n"
    problem = only(tmp_path, "cancel.yaml", text)
    assert where(problem) == (9, 3)
    assert english(problem.message) == "'password' looks like a secret"
    assert "never hold secrets" in problem.hint
    assert "hunter2" not in str(problem)


def test_secret_settings_cannot_be_read(tmp_path: Path) -> None:
    text = CANCEL.replace("hospital.akb020", "platform.password")
    problem = only(tmp_path, "cancel.yaml", text)
    assert where(problem) == (7, 12)
    assert "setting 'platform.password' is a secret" in problem.message


def test_dataset_batch_size_over_300_is_refused(tmp_path: Path) -> None:
    problem = only(tmp_path, "fees.yaml", FEES.replace("max_rows: 300", "max_rows: 500"))
    assert where(problem) == (12, 5)
    assert problem.message.startswith(
        "'datasets.feeinfo.max_rows': 须小于等于 300 / Input should be less than or equal to 300"
    )


def test_unknown_visit_state_lists_the_nearest(tmp_path: Path) -> None:
    problem = only(tmp_path, "cancel.yaml", CANCEL.replace("ADMITTED", "DISCHARGE"))
    assert where(problem) == (5, 28)
    assert problem.message.startswith("'requires.visit.state.0': 须为 'NONE', ")
    assert " / Input should be 'NONE', " in problem.message
    assert problem.hint.endswith(" / did you mean 'DISCHARGED'?")


def test_plain_string_rule_is_refused_with_the_two_readings(tmp_path: Path) -> None:
    problem = only(tmp_path, "lookup.yaml", LOOKUP.replace('{const: "410"}', '"410"'))
    assert where(problem) == (7, 3)
    assert problem.message == (
        "'fields.bka006': 字段规则须为键值映射，不能是纯文本 / "
        "a field rule must be a mapping, not plain text"
    )
    assert problem.hint == (
        '视图的列写 {column: 列名}，固定值写 {const: "文本"} / '
        'write {column: NAME} for a view column or {const: "text"} for a fixed value'
    )


def test_two_sources_in_one_rule_are_refused(tmp_path: Path) -> None:
    text = CANCEL.replace("{visit: aaz218}", "{visit: aaz218, column: AAZ218}")
    problem = only(tmp_path, "cancel.yaml", text)
    assert where(problem) == (8, 3)
    assert "needs exactly one source; found 2 (column, visit)" in problem.message


def test_unknown_setting_path_suggests_the_nearest(tmp_path: Path) -> None:
    problem = only(tmp_path, "cancel.yaml", CANCEL.replace("hospital.akb020", "hospital.akb02"))
    assert where(problem) == (7, 12)
    assert problem.message == "unknown setting 'hospital.akb02'"
    assert problem.hint.endswith(" / did you mean 'akb020' or 'akb026'?")


def test_undeclared_command_parameter_is_refused(tmp_path: Path) -> None:
    problem = only(tmp_path, "lookup.yaml", LOOKUP.replace("{param: bka896}", "{param: bka869}"))
    assert where(problem) == (6, 12)
    assert english(problem.message) == "'bka869' is not a parameter of this command"
    assert problem.hint.endswith(" / did you mean 'bka896'?")


def test_amount_without_its_decimal_places_is_refused(tmp_path: Path) -> None:
    text = FEES.replace("{column: AMOUNT, decimal: 2}", "{column: AMOUNT}")
    problem = only(tmp_path, "fees.yaml", text)
    assert where(problem) == (18, 7)
    assert english(problem.message) == "'bka058' (金额) has 2 decimal places on the platform"
    assert english(problem.hint) == "write decimal: 2 in this rule"


def test_date_field_without_a_pattern_is_refused(tmp_path: Path) -> None:
    text = FEES.replace("{column: FEE_TIME, date: yyyyMMdd}", "{column: FEE_TIME}")
    problem = only(tmp_path, "fees.yaml", text)
    assert where(problem) == (19, 7)
    assert "is a date on the platform" in problem.message


def test_bad_date_pattern_is_refused(tmp_path: Path) -> None:
    text = FEES.replace("date: yyyyMMdd", "date: YYYY-MM-DD")
    problem = only(tmp_path, "fees.yaml", text)
    assert where(problem) == (19, 34)
    assert "date pattern 'YYYY-MM-DD' is not valid" in problem.message


def test_unknown_reply_field_in_writeback_suggests_the_nearest(tmp_path: Path) -> None:
    text = LOOKUP.replace("personinfo.aac001", "personifo.aac001")
    problem = only(tmp_path, "lookup.yaml", text)
    assert where(problem) == (9, 3)
    assert english(problem.message).startswith(
        "'personifo.aac001' is not in the reply of bizh110001"
    )
    assert problem.hint.endswith(" / did you mean 'personinfo.aac001'?")


def test_field_the_transaction_does_not_have_suggests_the_nearest(tmp_path: Path) -> None:
    found = problems(tmp_path, {"lookup.yaml": LOOKUP.replace("bka006: {", "bka060: {")})
    missing, problem = found
    assert english(missing.message).startswith("required platform field 'bka006' (医疗待遇类型)")
    assert where(problem) == (7, 3)
    assert english(problem.message) == "'bka060' is not a field of bizh110001 门诊挂号时取人员信息"
    assert problem.hint.endswith(" / did you mean 'bka006'?")


def test_waiting_on_an_unknown_feed_suggests_the_nearest(tmp_path: Path) -> None:
    text = CANCEL.replace("state: ADMITTED}", "state: ADMITTED}\n  after: [fess]")
    found = problems(tmp_path, {"cancel.yaml": text, "fees.yaml": FEES})
    assert len(found) == 1
    assert where(found[0]) == (6, 11)
    assert english(found[0].message) == "unknown feed 'fess'"
    assert found[0].hint.endswith(" / did you mean 'fees'?")


def test_unquoted_code_values_are_refused_because_yaml_drops_leading_zeros(
    tmp_path: Path,
) -> None:
    text = CANCEL.replace("{visit: aaz218}", '{visit: aaz218, codes: {"A": 01}}')
    problem = only(tmp_path, "cancel.yaml", text)
    assert where(problem) == (8, 35)
    assert problem.hint.startswith("put the value in quotes")


def test_yaml_syntax_error_in_one_file_does_not_hide_the_others(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {"a.yaml": "source: {view: V\n", "b.yaml": CANCEL.replace("bizh120109", "bizh1")},
    )
    assert [Path(p.file).name for p in found] == ["a.yaml", "b.yaml"]
    assert (
        found[0].message.startswith("YAML 语法错误") and "/ YAML syntax error" in found[0].message
    )


def test_same_feed_name_in_two_folders_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, {"a/cancel.yaml": CANCEL, "b/cancel.yaml": CANCEL})
    assert len(found) == 1
    assert found[0].file == str(tmp_path / "b" / "cancel.yaml")
    assert english(found[0].message).startswith("feed 'cancel' is defined twice")


def test_login_is_not_a_feed(tmp_path: Path) -> None:
    problem = only(tmp_path, "cancel.yaml", CANCEL.replace("bizh120109", "sys0001"))
    assert english(problem.message) == "login (sys0001) is not a feed"


def test_unset_configurable_function_id_says_which_setting_to_set(tmp_path: Path) -> None:
    problem = only(tmp_path, "late.yaml", CANCEL.replace("bizh120109", "illness_late_upload"))
    assert where(problem) == (2, 1)
    assert "set platform.function_ids.illness_late_upload" in problem.message


def test_missing_platform_fields_are_reported_even_when_the_file_has_other_errors(
    tmp_path: Path,
) -> None:
    text = CANCEL.replace("V_WI_CANCEL", '"V;"').replace("  aaz218: {visit: aaz218}\n", "")
    found = problems(tmp_path, {"cancel.yaml": text})
    assert [(p.line, p.column) for p in found] == [(1, 10), (6, 1)]
    assert "not SQL text" in found[0].message
    assert english(found[1].message).startswith("required platform field 'aaz218' (就医登记号)")


def test_dataset_join_on_an_undeclared_command_parameter_is_refused(tmp_path: Path) -> None:
    text = FEES.replace(
        "source: {view: V_WI_FEE_VISIT, key: VISIT_NO}",
        "source: {command: upload_fees, params: [visit_no]}",
    )
    text = text.replace("visit: {column: VISIT_NO}", "visit: {param: visit_no}")
    text = text.replace("join: {VISIT_NO: VISIT_NO}", "join: {VISIT_NO: visit_nr}")
    problem = only(tmp_path, "fees.yaml", text)
    assert where(problem) == (10, 12)
    assert english(problem.message) == "'visit_nr' is not a parameter of this command"
    assert problem.hint.endswith(" / did you mean 'visit_no'?")


def test_a_code_table_entry_named_param_is_data_not_a_parameter(tmp_path: Path) -> None:
    text = LOOKUP.replace('{const: "410"}', '{const: "410", codes: {param: "410", "410": "410"}}')
    assert "lookup" in load_mappings(write(tmp_path, {"lookup.yaml": text}), catalogue.load())


DISCHARGE = """\
source: {view: V_WI_IP_DISCHARGE, key: STAY_NO}
function_id: bizh120105
visit: {column: STAY_NO}
fields:
  akb020: {setting: hospital.akb020}
  aaz218: {visit: aaz218}
  bka032: {column: DISCHARGE_TIME, date: yyyyMMdd}
  bka033: {column: CLERK_NO}
  bka034: {column: CLERK_NAME}
  bka006: {const: "420"}
"""


def test_writeback_into_a_column_the_staging_table_lacks_is_refused(tmp_path: Path) -> None:
    """A view feed writes into WI_SYNC_STATUS: a figure written back there would be dropped
    unseen, so the file is refused at the line that names it."""
    text = DISCHARGE + "writeback:\n  aaz218: aaz218\n  akc264: akc264\n"
    problem = only(tmp_path, "discharge.yaml", text)
    assert where(problem) == (13, 3)
    assert problem.message.startswith(
        "staging table WI_SYNC_STATUS has no column 'akc264' to write 'akc264' into"
    )
    assert "result_json" in problem.hint


def test_writeback_of_a_command_names_a_reply_column_of_wi_request(tmp_path: Path) -> None:
    """WI_REQUEST's bookkeeping columns (status …) are no write-back target; its reply
    columns are, whatever the case."""
    text = LOOKUP.replace(
        "personinfo.aac001: AAC001", "personinfo.aac001: AAC001\n  personinfo.aac003: status"
    )
    problem = only(tmp_path, "lookup.yaml", text)
    assert where(problem) == (10, 3)
    assert "WI_REQUEST has no column 'status'" in problem.message


def test_a_required_field_cannot_be_marked_inferred(tmp_path: Path) -> None:
    """Leaving out an [inferred] field must keep the call valid."""
    text = CANCEL.replace("aaz218: {visit: aaz218}", "aaz218: {visit: aaz218, inferred: true}")
    problem = only(tmp_path, "cancel.yaml", text)
    assert where(problem) == (8, 27)
    assert "cannot be left out as 'inferred'" in problem.message


def test_first_needs_two_parts(tmp_path: Path) -> None:
    text = CANCEL.replace("aaz218: {visit: aaz218}", "aaz218: {first: [{visit: aaz218}]}")
    problem = only(tmp_path, "cancel.yaml", text)
    assert where(problem) == (8, 3)
    assert "'first' needs at least two parts" in problem.message
