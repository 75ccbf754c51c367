"""The joint test's persons (and optionally fee items): a YAML file the hospital writes from
what the insurer hands out, or the shipped file of the simulator's persons.

::

    persons:                      # 用例中的 person: 1、2 … 按此顺序
      - {aac001: "1000010001", aac002: "440106198503124219", aac003: 张伟明}
    items:                        # 可选：经办机构已对照的收费项目（默认用参考 HIS 的项目）
      - {ake005: "X0101", ake006: 头孢呋辛钠注射液, bka056: "12.5000", bka055: 支}

The sex and birth date of a person come from the 社会保障号码 (aac002).  Every problem is
reported with ``file:line:column`` (a ConfigError), as the mapping files' are.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from syncd.config.yamlfile import load_yaml, validation_problems
from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError, ConfigProblem
from syncd.reference.people import ITEMS

SHIPPED = Path(__file__).resolve().parent / "data" / "simulator-persons.yaml"
_ID_18 = re.compile(r"^\d{17}[\dX]$")
_ID_15 = re.compile(r"^\d{15}$")
Text = Annotated[str, Field(min_length=1, max_length=50)]


class _PersonsModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TestPerson(_PersonsModel):
    """One test person: 电脑号, 社会保障号码 (18 or 15 digits), 姓名."""

    aac001: str = Field(pattern=r"^[0-9A-Za-z]{1,20}$", description="电脑号")
    aac002: str = Field(description="社会保障号码（身份证号）")
    aac003: Text = Field(description="姓名")

    @field_validator("aac002")
    @classmethod
    def _id_number(cls, value: str) -> str:
        value = value.strip().upper()
        if not (_ID_18.match(value) or _ID_15.match(value)):
            raise ValueError(
                zh_en(
                    "须为 18 位身份证号（末位 0-9 或 X）或 15 位",
                    "must be an 18-digit ID number (last digit 0-9 or X) or 15 digits",
                )
            )
        if birth_of(value) is None:
            raise ValueError(
                zh_en(
                    "其中的出生日期（第 7-14 位）不是日期",
                    "its birth date (digits 7-14) is not a date",
                )
            )
        return value

    @property
    def birth(self) -> dt.date:
        born = birth_of(self.aac002)
        assert born is not None  # checked by the validator
        return born

    @property
    def sex(self) -> str:
        """``1`` 男 / ``2`` 女, from the ID number's sequence digit."""
        digit = self.aac002[16] if len(self.aac002) == 18 else self.aac002[14]
        return "1" if int(digit) % 2 else "2"


class CatalogueItem(_PersonsModel):
    """A fee item the insurer's catalogue knows (目录对照)."""

    ake005: Text = Field(description="医院项目编码")
    ake006: Text = Field(description="医院项目名称")
    aka063: str = Field(default="11", max_length=4, description="收费类别")
    bka052: str = Field(default="", max_length=20, description="剂型")
    bka054: str = Field(default="", max_length=50, description="规格")
    bka055: str = Field(default="次", max_length=10, description="单位")
    bka056: Decimal = Field(gt=0, max_digits=12, decimal_places=4, description="单价")

    def as_tuple(self) -> tuple[str, ...]:
        """The reference HIS's item form: (code, name, class, form, spec, unit, price)."""
        return (
            self.ake005,
            self.ake006,
            self.aka063,
            self.bka052,
            self.bka054,
            self.bka055,
            f"{self.bka056:.4f}",
        )


class PersonsFile(_PersonsModel):
    persons: list[TestPerson] = Field(min_length=1)
    items: list[CatalogueItem] = []


@dataclass(frozen=True)
class Persons:
    """What the cases run with: the persons in order and the fee items to charge."""

    file: str
    persons: tuple[TestPerson, ...]
    items: tuple[tuple[str, ...], ...]

    def person(self, number: int) -> TestPerson:
        """Person ``number`` (1-based, as the cases name them)."""
        return self.persons[number - 1]


def birth_of(aac002: str) -> dt.date | None:
    text = aac002[6:14] if len(aac002) == 18 else "19" + aac002[6:12]
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def load_persons(path: Path | None = None) -> Persons:
    """The persons file at ``path`` (default: the simulator's persons); ConfigError with
    ``file:line:column`` for each problem."""
    path = path or SHIPPED
    located = load_yaml(path)
    problems: list[ConfigProblem] = list(located.problems)
    if not isinstance(located.data, dict):
        message = zh_en(
            "测试人员文件须以 persons: 开始", "a persons file is a mapping: 'persons:' …"
        )
        raise ConfigError([located.problem((), message)])
    try:
        parsed = PersonsFile.model_validate(located.data)
    except ValidationError as exc:
        raise ConfigError(problems + validation_problems(exc, located, PersonsFile)) from None
    seen: dict[str, int] = {}
    for index, person in enumerate(parsed.persons):
        if person.aac001 in seen:
            first = seen[person.aac001] + 1
            message = zh_en(
                f"第 {index + 1} 名人员的 aac001 与第 {first} 名相同",
                f"person {index + 1} repeats person {first}'s aac001",
            )
            problems.append(located.problem(("persons", index, "aac001"), message))
        seen.setdefault(person.aac001, index)
    if problems:
        raise ConfigError(problems)
    items = tuple(i.as_tuple() for i in parsed.items) or COVERED_ITEMS
    return Persons(str(path), tuple(parsed.persons), items)


# The reference HIS's items the simulator's fund covers (X/Z codes), when the file names none.
COVERED_ITEMS = tuple(item for item in ITEMS if item[0][0] in "XZ")
