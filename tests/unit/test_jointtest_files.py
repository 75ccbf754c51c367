"""The joint test's own files and verdicts (pure): the case list and the persons file are
checked like mapping files (every problem with file:line and a hint); a request is masked as
``syncd render --mask`` masks it; a case passes only when its expectation is met."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from mapping_folders import feeds_in

from syncd.config.settings import Settings
from syncd.core.errors import ConfigError
from syncd.jointtest.cases import Expect, load_cases
from syncd.jointtest.evidence import CaseVerdict, EvidenceCall, masked_request
from syncd.jointtest.persons import load_persons
from syncd.jointtest.run import judge
from syncd.jointtest.staging import CaseStanding
from syncd.resources import shipped_mappings
from syncd.rules.replies import flag_zh

SETTINGS = Settings.model_validate(
    {
        "hospital": {"akb020": "SS0001"},
        "database": {"url": "sqlite://"},
        "platform": {"userid": "SS0001"},
    }
)


@pytest.fixture(scope="module")
def feeds() -> dict[str, object]:
    return dict(feeds_in(shipped_mappings()))


def _problems(path: Path, feeds: dict[str, object], persons: int = 2) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_cases(path, feeds, persons, SETTINGS)  # type: ignore[arg-type]
    return [f"{p.line}: {p.message} | {p.hint}" for p in caught.value.problems]


def test_the_shipped_case_list_loads_in_the_joint_test_order(feeds: dict[str, object]) -> None:
    cases = load_cases(None, feeds, 2, SETTINGS).cases  # type: ignore[arg-type]
    sequence = [case.command or case.his for case in cases]
    expected_order = [
        "op_person",
        "outpatient_visit",
        "op_charge",
        "op_refund",
        "op_cancel",
        "admission",
        "admission_change",
        "inpatient_fees",
        "ip_presettle",
        "discharge",
        "ip_settle",
        "ip_settlement_slip",
        "ip_cancel_settlement",
        "ip_cancel_discharge",
        "ip_cancel_admission",
        "ip_delete_fees",
        "record_patient",
        "record_summary",
        "cumulative_query",
        "fund_status_query",
        "code_table_query",
    ]
    assert [sequence.index(step) for step in expected_order] == sorted(
        sequence.index(step) for step in expected_order
    )
    fees = next(case for case in cases if case.id == "Z04").fees
    assert fees is not None and fees.total > 300 and fees.refunds and fees.illness


def test_every_problem_of_a_case_list_is_named_with_its_line(
    tmp_path: Path, feeds: dict[str, object]
) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text(
        """\
cases:
  - {id: A1, title: 挂号, his: outpatient_visit, visit: MZ1, person: 3}
  - {id: A2, title: 收费, command: op_charg, visit: MZ1}
  - {id: A3, title: 退费, command: op_refund, visit: MZ2, params: {bka001: "{bka01}"}}
  - {id: A1, title: 入院, his: admission, visit: MZ1, person: 1}
  - {id: A5, title: 删除, command: ip_delete_fees, visit: MZ1, when: polling.reconcile_at}
""",
        encoding="utf-8",
    )
    problems = _problems(path, feeds)
    assert problems == [
        "2: 用例 A1 用第 3 名测试人员，测试人员文件只有 2 名 / case A1 names test person 3, the "
        "persons file has 2 | 在测试人员文件中加人，或改用其他人员 / add persons to the file or "
        "name another one",
        "3: 没有映射的命令是 'op_charg' / no mapping has command 'op_charg' | 是否应为 "
        "'op_charge'？ / did you mean 'op_charge'?",
        "4: 就诊 MZ2 没有由前面的用例建立 / visit MZ2 is not opened by an earlier case | 在前面加 "
        "his: outpatient_visit 或 admission 的用例建立它 / an earlier case with his: "
        "outpatient_visit or admission opens it",
        "4: 未知的占位符 {bka01} / unknown placeholder {bka01} | 是否应为 'bka001'？ / did you "
        "mean 'bka001'?",
        "5: 用例编号 'A1' 重复 / case id 'A1' is used twice | ",
        "5: 就诊 MZ1 被建立两次 / visit MZ1 is opened twice | 换一个新标签 / use a new label",
        "6: 'polling.reconcile_at' 不是 true/false 设置 / 'polling.reconcile_at' is not a "
        "true/false setting | 例如 when: city.fee_delete_allowed / e.g. when: "
        "city.fee_delete_allowed",
    ]


def test_a_case_of_the_wrong_shape_is_refused_with_its_line(
    tmp_path: Path, feeds: dict[str, object]
) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text(
        "cases:\n  - id: A1\n    title: 费用\n    his: inpatient_fee\n    visit: ZY1\n",
        encoding="utf-8",
    )
    [problem] = _problems(path, feeds)
    assert problem.startswith("4: 'cases.0.his': 须为 'outpatient_visit', 'outpatient_charge'")


def test_a_persons_file_with_a_bad_id_number_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "persons.yaml"
    path.write_text(
        "persons:\n  - aac001: '1000010001'\n    aac002: '44010619850312421'\n"
        "    aac003: 张伟明\n  - {aac001: '1000010001', aac002: '440106198503124219',"
        " aac003: 李*}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_persons(path)
    [problem] = caught.value.problems
    assert (problem.line, problem.file) == (3, str(path))
    assert "18 位身份证号" in problem.message and "18-digit ID number" in problem.message


def test_the_shipped_persons_derive_sex_and_birth_from_the_id_number() -> None:
    first, second = load_persons().persons
    assert (first.aac001, first.birth, first.sex) == ("1000010001", dt.date(1985, 3, 12), "1")
    assert second.birth == dt.date(1995, 5, 20)


def test_a_request_is_masked_and_laid_out_one_row_per_line() -> None:
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><program><session_id>********</session_id>'
        "<function_id>bizh200101</function_id><bka895>aac002</bka895>"
        "<bka896>440106198503124219</bka896><aac003>张伟明</aac003>"
        "<detail><row><yzy201>S52.501</yzy201><aac044>440106198503124219</aac044></row>"
        "<row><yzy201>S60.201</yzy201></row></detail></program>"
    )
    assert masked_request(xml).splitlines() == [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<program>",
        "  <session_id>********</session_id>",
        "  <function_id>bizh200101</function_id>",
        "  <bka895>aac002</bka895>",
        "  <bka896>4401**********4219</bka896>",
        "  <aac003>张*明</aac003>",
        "  <detail>",
        "    <row><yzy201>S52.501</yzy201><aac044>4401**********4219</aac044></row>",
        "    <row><yzy201>S60.201</yzy201></row>",
        "  </detail>",
        "</program>",
    ]


def _call(function_id: str) -> EvidenceCall:
    return EvidenceCall(dt.datetime(2026, 12, 2, 9), function_id, "REJECTED", "-1", "已退费", "", 3)


def test_a_refusal_of_the_first_step_counts_as_the_cases_call() -> None:
    """A second refund is refused by its 110103 step: the case expects a rejection, and the
    110103 call is one of its own; a rejection nobody asked for fails."""
    rejected = [CaseStanding("REJECTED", "已经办理过退费")]
    functions = ("bizh110105", "bizh110103")
    assert judge(
        Expect(status="rejected"), rejected, True, [_call("bizh110103")], functions, 60
    ) == (CaseVerdict.PASSED, "")
    assert judge(Expect(), rejected, True, [_call("bizh110103")], functions, 60) == (
        CaseVerdict.FAILED,
        "期望成功，实际被拒绝（已经办理过退费）",
    )
    assert (
        judge(Expect(calls=2), [CaseStanding("DONE")], True, [_call("bizh110105")], functions, 60)[
            1
        ]
        == "期望至少 2 次 bizh110105/bizh110103 调用，实际 1 次"
    )
    assert judge(Expect(), [CaseStanding("WAITING", "等待入院登记")], False, [], functions, 60) == (
        CaseVerdict.FAILED,
        "60 秒内未完成：等待（等待入院登记）",
    )


def test_a_flagged_reply_passes_and_says_why_it_was_flagged() -> None:
    """The joint test is where a hospital learns the real platform's figures break the
    inferred identities: the case passes (concluded as returned) and says so."""
    doc = json.dumps(
        {
            "fields": {},
            "reply_flag": {
                "identities": ["akc264 40.01 != bka831+bka832 40.00"],
                "tolerance": "0.00",
                "payinfo_rows": 2,
            },
        }
    )
    flagged = CaseStanding("DONE", "成功", flag=flag_zh(doc))
    assert judge(Expect(), [flagged], True, [_call("bizh120106")], ("bizh120106",), 60) == (
        CaseVerdict.PASSED,
        "应答已标记（照平台返回办结）：金额不满足规范 §8.1 恒等式：akc264 40.01 "
        "!= bka831+bka832 40.00；payinfo 有 2 行，取第 1 行",
    )
    assert flag_zh(json.dumps({"fields": {}})) == "" and flag_zh(None) == ""
