"""Fixtures of the platform simulator: insured persons, covered items, code tables.

The shipped files live in ``syncd/simulator/data/`` and are read with
:mod:`importlib.resources`; ``--persons FILE`` replaces the persons file.  All people are
synthetic (Chinese names, ID numbers of valid format and check digit, not real people).

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
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from syncd.core.errors import ConfigError

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


def _person(raw: Any, where: str) -> FixturePerson:
    if not isinstance(raw, dict) or any(not raw.get(k) for k in _REQUIRED):
        raise ConfigError(f"{where}: a person needs {', '.join(_REQUIRED)}")
    fields = {k: str(raw[k]) for k in PERSON_COLUMNS if raw.get(k) is not None}
    elsewhere = raw.get("in_hospital_elsewhere")
    return FixturePerson(
        fields=fields,
        insured=bool(raw.get("insured", True)),
        frozen=bool(raw.get("frozen", False)),
        injury=_strings(raw.get("injury")),
        freezes=[_strings(r) for r in raw.get("freezes") or []],
        cumulative=[_strings(r) for r in raw.get("cumulative") or []],
        in_hospital_elsewhere=_strings(elsewhere) if elsewhere else None,
    )


def load_persons(path: Path | None = None) -> list[FixturePerson]:
    """The persons fixture: the shipped one, or ``path``."""
    doc = _read(path, "persons.yaml")
    where = str(path or "persons.yaml")
    if not isinstance(doc, dict) or not isinstance(doc.get("persons"), list):
        raise ConfigError(f"{where}: expected a top-level 'persons:' list")
    persons = [_person(raw, f"{where} person #{i + 1}") for i, raw in enumerate(doc["persons"])]
    ids = [p.aac001 for p in persons]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{where}: aac001 values must be unique")
    return persons


def load_covered_items(path: Path | None = None) -> frozenset[str]:
    """Item codes (ake005) the simulated catalogue pays for."""
    doc = _read(path, "covered_items.yaml")
    return frozenset(str(k) for k in dict(doc.get("items") or {}))


def load_code_tables(path: Path | None = None) -> CodeTables:
    doc = _read(path, "code_tables.yaml")
    categories = {
        str(code): (str(spec["name"]), _strings(spec["values"]))
        for code, spec in dict(doc["categories"]).items()
    }
    return CodeTables(aaa027=str(doc.get("aaa027", "")), categories=categories)
