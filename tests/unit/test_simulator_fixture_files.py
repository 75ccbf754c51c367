"""``syncd simulator --persons FILE --items FILE``: persons from CSV, JSON or YAML, the
covered-items catalogue (covered / partly / self-pay) from a file, and bad files reported at
file:line; settlement figures with a partly covered item keep the §8.1 identities."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from syncd.core.errors import ConfigError
from syncd.simulator.figures import compute
from syncd.simulator.fixtures import load_covered_items, load_persons

CSV = """aac001,aac002,aac003,aac004,insured,frozen,bka042,aae030,aae031
2000000001,440106198503124219,陈大文,1,true,,GS2026009001,20260101,20271231
2000000002,440106199001011234,李小红,2,否,是,,,
"""
JSON = """{
  "persons": [
    {"aac001": "2000000001", "aac002": "440106198503124219", "aac003": "陈大文",
     "injury": {"bka042": "GS2026009001"}},
    {"aac001": "2000000002", "aac002": "440106199001011234", "aac003": "李小红",
     "insured": false}
  ]
}
"""
YAML = """persons:
  - {aac001: "2000000001", aac002: "440106198503124219", aac003: 陈大文,
     injury: {bka042: GS2026009001}}
  - aac001: "2000000002"
    aac002: "440106199001011234"
    aac003: 李小红
    insured: false
"""


@pytest.mark.parametrize(("name", "text"), [("p.csv", CSV), ("p.json", JSON), ("p.yaml", YAML)])
def test_persons_come_from_csv_json_or_yaml(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    first, second = load_persons(path)
    assert (first.aac001, first.fields["aac003"], first.insured) == ("2000000001", "陈大文", True)
    assert first.injury["bka042"] == "GS2026009001"
    assert (second.aac001, second.insured) == ("2000000002", False)


@pytest.mark.parametrize(
    ("name", "text", "where", "what"),
    [
        ("p.csv", CSV.replace("李小红", ""), ":3:", "人员缺少 aac003"),
        ("p.csv", CSV.replace("true", "maybe"), ":2:", "insured 须为 true 或 false"),
        ("p.csv", CSV.replace("aae031", "aae032"), ":2:", "未知的字段 ['aae032']"),
        ("p.yaml", YAML.replace("2000000002", "2000000001"), ":4:", "与第 2 行的人员重复"),
        ("p.yaml", YAML.replace("    aac003: 李小红\n", ""), ":4:", "人员缺少 aac003"),
        ("p.json", JSON.replace('"insured": false', '"insured": false,'), ":6:", "JSON"),
        ("p.json", JSON.replace('"陈大文",', '"陈大文", "x": 1,'), ":3:", "未知的字段 ['x']"),
        ("p.txt", YAML, ":1:", ".csv、.json 或 .yaml"),
    ],
)
def test_a_bad_persons_file_is_reported_at_its_line(
    tmp_path: Path, name: str, text: str, where: str, what: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_persons(path)
    assert f"{path}{where}" in str(raised.value) and what in str(raised.value)
    assert "440106" not in str(raised.value)  # no ID number in the message


ITEMS_YAML = """partly_self_pay: "0.20"
items:
  HIS001: covered
  HIS002: {class: partly, self_pay: "0.30", name: 进口骨科材料}
  HIS003: partly
  HIS004: self-pay
  HIS005: 换药(中)
"""
ITEMS_CSV = "ake005,class,self_pay,name\nHIS001,全额,,\nHIS002,部分,0.30,\nHIS004,自费,,\n"


def test_the_catalogue_says_covered_partly_or_self_pay_and_figures_follow(tmp_path: Path) -> None:
    path = tmp_path / "items.yaml"
    path.write_text(ITEMS_YAML, encoding="utf-8")
    catalogue = load_covered_items(path)
    shares = {code: catalogue.self_pay_share(code) for code in ("HIS001", "HIS002", "HIS003")}
    assert shares == {"HIS001": 0, "HIS002": Decimal("0.30"), "HIS003": Decimal("0.20")}
    assert catalogue.self_pay_share("HIS004") == 1 and catalogue.self_pay_share("NOPE") == 1
    assert "HIS005" in catalogue and "HIS004" not in catalogue  # a name alone: covered
    rows = [
        {"ake005": "HIS001", "bka058": "100.00"},
        {"ake005": "HIS002", "bka058": "33.33"},
        {"ake005": "HIS004", "bka058": "10.00"},
        {"ake005": "HIS001", "bka058": "5.00", "bka061": "1"},  # 因病: self-paid
    ]
    f = compute(rows, catalogue)
    assert (f["akc264"], f["bka826"], f["bka825"]) == (
        Decimal("148.33"),
        Decimal("10.00"),
        Decimal("10.00"),
    )
    assert f["bka831"] == Decimal("25.00") and f["bka832"] == Decimal("123.33")
    assert f["akc264"] == f["bka831"] + f["bka832"] and f["bka831"] == f["akb067"]
    csv_path = tmp_path / "items.csv"
    csv_path.write_text(ITEMS_CSV, encoding="utf-8")
    assert load_covered_items(csv_path).shares == {
        "HIS001": 0,
        "HIS002": Decimal("0.30"),
        "HIS004": 1,
    }


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        (ITEMS_CSV.replace("部分", "半价"), ":3:", "类别须为 covered / partly / self-pay"),
        (ITEMS_CSV.replace("0.30", "1.5"), ":3:", "self_pay 须在 0 与 1 之间"),
        (ITEMS_CSV.replace("HIS004", "HIS001"), ":4:", "项目编码 HIS001 重复"),
    ],
)
def test_a_bad_items_file_is_reported_at_its_line(
    tmp_path: Path, text: str, where: str, what: str
) -> None:
    path = tmp_path / "items.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_covered_items(path)
    assert f"{path}{where}" in str(raised.value) and what in str(raised.value)
