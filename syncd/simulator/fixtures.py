"""Fixtures of the platform simulator: insured persons, covered items, code tables.

The shipped files live in ``syncd/simulator/data/`` and are read with
:mod:`importlib.resources`; ``--persons FILE`` and ``--items FILE`` replace the persons and
the covered-items files (CSV, JSON or YAML: :mod:`syncd.simulator.fixture_files`; README).
All people are synthetic (Chinese names, ID numbers of valid format and check digit, not real
people).

Persons file (YAML)::

    persons:
      - aac001: "1000010001"          # 电脑号 (required, unique)
        aac002: "440106198503124219"  # 社会保障号码 (required)
        bka100: "K44000001"           # 社保卡号
        aac003: 张伟明                 # 姓名 (required)
        aac004: "1"                   # personinfo columns, copied as strings:
        aac006: "19850312"            #   aac004 aac006 aac013 bka004 bka005 aae005
        baa027: "440100"              #   baa027 aaa027 aab001 bka008
        insured: true                 # false -> every person call is rejected (未参保)
        frozen: false                 # true -> bka888=1 and freezeinfo rows
        injury:                       # 工伤认定 (injuryorbirthinfo; merged for inpatient)
          bka042: GS2026000101        #   工伤凭证号
          aaz267: SQ2026000101        #   申请号
          bka026: S52.501             #   疾病编码
          aae030: "20260101"          #   entitlement valid from
          aae031: "20271231"          #   entitlement valid to
        freezes:                      # freezeinfo rows (aac031 aad006 aaa157 bka408)
          - {aac031: "1", aad006: 工伤医疗费, aaa157: "410101", bka408: 单位欠费}
        cumulative:                   # 累计查询 extra rows; the fund-paid total is added
          - {aka036: 工伤医疗费累计, ake053: "1200.00", limit: "500000.00"}
        in_hospital_elsewhere:        # seeded as an ADMITTED business at another hospital
          {akb020: SS0999, aaz218: ZY20261101900001, bka017: "20261101"}

Covered items file: ``items: {ake005: name, ...}``.  Code tables file:
``aaa027: "440000"`` and ``categories: {aaa100: {name: aaa101, values: {aaa102: aaa103}}}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from syncd.core.errors import ConfigError
from syncd.simulator.fixture_files import bad, item_records, person_records

PERSON_COLUMNS = (
    "aac001",
    "aac003",
    "aac004",
    "bka004",
    "aac013",
    "bka005",
    "aac002",
    "bka100",
    "aae005",
    "aac006",
    "baa027",
    "aaa027",
    "aab001",
    "bka008",
)
_REQUIRED = ("aac001", "aac002", "aac003")


@dataclass(frozen=True)
class FixturePerson:
    """One insured (or not insured) person of the fixture."""

    fields: dict[str, str]
    insured: bool = True
    frozen: bool = False
    injury: dict[str, str] = field(default_factory=dict)
    freezes: list[dict[str, str]] = field(default_factory=list)
    cumulative: list[dict[str, str]] = field(default_factory=list)
    in_hospital_elsewhere: dict[str, str] | None = None

    @property
    def aac001(self) -> str:
        return self.fields["aac001"]

    def matches(self, key_type: str, value: str) -> bool:
        return bool(value) and self.fields.get(key_type) == value


@dataclass(frozen=True)
class CodeTables:
    aaa027: str
    categories: dict[str, tuple[str, dict[str, str]]]


def _read(path: Path | None, default_name: str) -> Any:
    try:
        if path is None:
            text = resources.files(__package__).joinpath("data", default_name).read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        return yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path or default_name}: cannot read simulator fixture: {exc}") from exc


def _strings(mapping: Any) -> dict[str, str]:
    return {str(k): "" if v is None else str(v) for k, v in dict(mapping or {}).items()}


_INJURY = ("bka042", "aaz267", "bka026", "aae030", "aae031")  # a CSV row's injury columns
_NESTED = ("injury", "freezes", "cumulative", "in_hospital_elsewhere")
_KNOWN = frozenset((*PERSON_COLUMNS, *_INJURY, *_NESTED, "insured", "frozen"))
_TRUTH = {"true": True, "1": True, "yes": True, "是": True, "false": False, "0": False}
_TRUTH |= {"no": False, "否": False}


def _flag(path: Path, line: int, raw: dict[str, Any], name: str, default: bool) -> bool:
    value = raw.get(name, default)
    if isinstance(value, bool):
        return value
    found = _TRUTH.get(str(value).strip().lower())
    if found is None:
        raise bad(path, line, f"{name} 须为 true 或 false", f"{name} must be true or false")
    return found


def _person(path: Path, line: int, raw: dict[str, Any]) -> FixturePerson:
    missing = [k for k in _REQUIRED if not raw.get(k)]
    if missing:
        zh, en = f"人员缺少 {'、'.join(missing)}", f"a person needs {', '.join(missing)}"
        raise bad(path, line, zh, en)
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise bad(path, line, f"未知的字段 {unknown}", f"unknown fields {unknown}")
    fields = {k: str(raw[k]) for k in PERSON_COLUMNS if raw.get(k) is not None}
    injury = _strings(raw.get("injury")) | {k: str(raw[k]) for k in _INJURY if k in raw}
    elsewhere = raw.get("in_hospital_elsewhere")
    return FixturePerson(
        fields=fields,
        insured=_flag(path, line, raw, "insured", True),
        frozen=_flag(path, line, raw, "frozen", False),
        injury=injury,
        freezes=[_strings(r) for r in raw.get("freezes") or []],
        cumulative=[_strings(r) for r in raw.get("cumulative") or []],
        in_hospital_elsewhere=_strings(elsewhere) if elsewhere else None,
    )


def _shipped(name: str) -> Path:
    return Path(str(resources.files(__package__).joinpath("data", name)))


def load_persons(path: Path | None = None) -> list[FixturePerson]:
    """The persons fixture: the shipped one, or ``path`` (CSV, JSON or YAML: see
    :mod:`syncd.simulator.fixture_files`); a bad record is a ConfigError at its file:line."""
    where = Path(path) if path is not None else _shipped("persons.yaml")
    persons: list[FixturePerson] = []
    seen: dict[str, int] = {}
    for line, raw in person_records(where):
        person = _person(where, line, raw)
        if person.aac001 in seen:
            zh = f"电脑号 aac001 与第 {seen[person.aac001]} 行的人员重复"
            raise bad(where, line, zh, f"aac001 repeats the person of line {seen[person.aac001]}")
        seen[person.aac001] = line
        persons.append(person)
    return persons


@dataclass(frozen=True)
class ItemCatalogue:
    """The simulated catalogue of covered items: item code → the share of its amount the
    person pays (0 covered, 1 self-pay, between: partly).  An item not listed is self-pay;
    ``code in catalogue``: the fund pays for it (covered or partly)."""

    shares: dict[str, Decimal]

    def self_pay_share(self, code: str) -> Decimal:
        return self.shares.get(code, Decimal(1))

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.self_pay_share(code) < 1


def load_covered_items(path: Path | None = None) -> ItemCatalogue:
    """The covered-items catalogue: the shipped one (every item covered), or ``path``."""
    where = Path(path) if path is not None else _shipped("covered_items.yaml")
    shares: dict[str, Decimal] = {}
    for item in item_records(where):
        if item.code in shares:
            raise bad(where, item.line, f"项目编码 {item.code} 重复", f"{item.code} repeats")
        shares[item.code] = item.share
    return ItemCatalogue(shares)


def load_code_tables(path: Path | None = None) -> CodeTables:
    doc = _read(path, "code_tables.yaml")
    categories = {
        str(code): (str(spec["name"]), _strings(spec["values"]))
        for code, spec in dict(doc["categories"]).items()
    }
    return CodeTables(aaa027=str(doc.get("aaa027", "")), categories=categories)
