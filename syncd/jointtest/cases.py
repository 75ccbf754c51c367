"""The joint test's case list: what each case makes the HIS do and what it expects back.

The shipped list (``data/cases.yaml``) runs in the order an insurer's joint test does; a
hospital copies and edits it (``syncd jointtest --cases FILE``).  A case is one of

* ``his:`` — the HIS writes rows its views show (a registration, an admission, fees, a
  discharge, a 病案 …: :data:`HIS_ACTIONS`), and the engine sends them as in production;
* ``command:`` — a row in ``WI_REQUEST`` (the command names of ``mappings/``), with
  ``params`` whose ``{placeholders}`` (:data:`PLACEHOLDERS`) are filled at run time;
* both — the HIS writes first (a charge's fee lines), then the command (the charge).

``visit:`` labels a visit (``MZ1``, ``ZY1``) that an earlier case registered or admitted;
``person:`` is the n-th test person; ``when:`` a true/false setting the case needs (else it is
not applicable); ``expect:`` what passes (default: done, at least one platform call).
Every problem is reported with ``file:line:column`` (a ConfigError).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from syncd.config.settings import Settings
from syncd.config.yamlfile import Located, load_yaml, validation_problems
from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError, ConfigProblem
from syncd.core.records import VisitKind
from syncd.mapping import FeedSpec
from syncd.mapping.names import did_you_mean

SHIPPED = Path(__file__).resolve().parent / "data" / "cases.yaml"
PLACEHOLDERS = {
    "aac001": "测试人员的电脑号",
    "aac002": "测试人员的社会保障号码",
    "aac003": "测试人员的姓名",
    "today": "今天 yyyyMMdd",
    "year": "今年 yyyy",
    "charge_no": "该就诊最近一张收费单的单号",
    "bka001": "该就诊最近一次结算的批次号",
}


@dataclass(frozen=True)
class HisAction:
    """What the HIS does for a ``his:`` case: the feed that sends it (None: nothing is sent
    on its own, the case's command reads it) and the kind of visit it acts on."""

    feed: str | None
    kind: VisitKind
    title_zh: str
    opens_visit: bool = False  # registers or admits a new visit (needs person:)
    takes_fees: bool = False  # writes fee lines (needs fees:)


_OP, _IP = VisitKind.OUTPATIENT, VisitKind.INPATIENT
HIS_ACTIONS: Mapping[str, HisAction] = {
    "outpatient_visit": HisAction("op_registration", _OP, "门诊挂号", opens_visit=True),
    "outpatient_charge": HisAction(None, _OP, "门诊收费单", takes_fees=True),
    "admission": HisAction("ip_admission", _IP, "入院登记", opens_visit=True),
    "admission_change": HisAction("ip_admission_change", _IP, "转床"),
    "inpatient_fees": HisAction("ip_fee", _IP, "住院记账", takes_fees=True),
    "discharge": HisAction("ip_discharge", _IP, "出院"),
    "record_patient": HisAction("mr_patient", _IP, "病案首页"),
    "record_diagnosis": HisAction("mr_diagnosis", _IP, "出院诊断"),
    "record_operation": HisAction("mr_operation", _IP, "手术记录"),
    "record_birth": HisAction("mr_birth", _IP, "分娩记录"),
    "record_tumour": HisAction("mr_tumour", _IP, "肿瘤治疗记录"),
    "record_summary": HisAction("mr_summary", _IP, "出院小结"),
}
HisName = Literal[
    "outpatient_visit",
    "outpatient_charge",
    "admission",
    "admission_change",
    "inpatient_fees",
    "discharge",
    "record_patient",
    "record_diagnosis",
    "record_operation",
    "record_birth",
    "record_tumour",
    "record_summary",
]


class _CaseModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Fees(_CaseModel):
    """Fee lines the HIS writes: ``rows`` ordinary lines, then ``refunds`` negative lines
    refunding the first ones, then ``illness`` 因病 lines (bka061=1)."""

    rows: int = Field(ge=1, le=3000)
    refunds: int = Field(default=0, ge=0)
    illness: int = Field(default=0, ge=0, le=1000)

    @model_validator(mode="after")
    def _refunds_of_rows(self) -> Fees:
        if self.refunds > self.rows:
            raise ValueError(
                zh_en("退费行不能多于被退的行", "refunds cannot outnumber the rows they refund")
            )
        return self

    @property
    def total(self) -> int:
        return self.rows + self.refunds + self.illness


class Expect(_CaseModel):
    """What passes: every row or command ends ``status`` (done: sent and accepted;
    rejected: refused), its message contains ``message``, and the case made at least
    ``calls`` platform calls of its transaction."""

    status: Literal["done", "rejected"] = "done"
    message: str = Field(default="", max_length=200)
    calls: int = Field(default=1, ge=0, le=100)


class Case(_CaseModel):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,11}$")
    title: str = Field(min_length=1, max_length=80)
    his: HisName | None = None
    command: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,63}$")
    visit: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9]{0,3}$")
    person: int | None = Field(default=None, ge=1, le=50)
    fees: Fees | None = None
    params: dict[str, str] = {}
    when: str | None = Field(default=None, pattern=r"^[a-z_]+(\.[a-z_0-9]+)+$")
    expect: Expect = Expect()

    @model_validator(mode="after")
    def _shape(self) -> Case:
        if self.his is None and self.command is None:
            raise ValueError(
                zh_en("用例须有 his:、command: 或两者", "a case needs 'his:', 'command:' or both")
            )
        if self.his is not None:
            action = HIS_ACTIONS[self.his]
            if self.visit is None:
                raise ValueError(
                    zh_en(
                        f"his: {self.his} 须有 visit:（就诊标签，如 MZ1、ZY1）",
                        f"his: {self.his} needs 'visit:' (a label: MZ1, ZY1)",
                    )
                )
            if action.opens_visit and self.person is None:
                raise ValueError(
                    zh_en(
                        f"his: {self.his} 须有 person:（第几名测试人员）",
                        f"his: {self.his} needs 'person:' (the n-th test person)",
                    )
                )
            if action.takes_fees != (self.fees is not None):
                need = ("须有", "needs") if action.takes_fees else ("不用", "takes no")
                raise ValueError(
                    zh_en(f"his: {self.his} {need[0]} fees:", f"his: {self.his} {need[1]} 'fees:'")
                )
        elif self.fees is not None:
            raise ValueError(
                zh_en(
                    "fees: 只用于 his: outpatient_charge 或 inpatient_fees",
                    "'fees:' belongs to his: outpatient_charge or inpatient_fees",
                )
            )
        if self.params and self.command is None:
            raise ValueError(
                zh_en("params: 只用于命令（command:）", "'params:' belongs to a command")
            )
        return self

    @property
    def action(self) -> HisAction | None:
        return HIS_ACTIONS[self.his] if self.his else None


class CaseFile(_CaseModel):
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True)
class CaseList:
    file: str
    cases: tuple[Case, ...]


def load_cases(
    path: Path | None, feeds: Mapping[str, FeedSpec], persons: int, settings: Settings
) -> CaseList:
    """The case list at ``path`` (default: the shipped one), checked against the mappings
    (command and feed names), the number of test persons and the settings (``when:``)."""
    path = path or SHIPPED
    located = load_yaml(path)
    if not isinstance(located.data, dict):
        message = zh_en("用例文件须以 cases: 开始", "a case list is a mapping: 'cases:' …")
        raise ConfigError([located.problem((), message)])
    try:
        parsed = CaseFile.model_validate(located.data)
    except ValidationError as exc:
        problems = list(located.problems) + validation_problems(exc, located, CaseFile)
        raise ConfigError(problems) from None
    problems = list(located.problems) + _Checks(located, feeds, persons, settings).all(parsed)
    if problems:
        raise ConfigError(problems)
    return CaseList(str(path), tuple(parsed.cases))


class _Checks:
    """What a case list must agree with besides its own shape."""

    def __init__(
        self, located: Located, feeds: Mapping[str, FeedSpec], persons: int, settings: Settings
    ) -> None:
        self.located, self.feeds, self.persons, self.settings = located, feeds, persons, settings
        self.commands = {s.source.command for s in feeds.values() if s.source.command}
        self.visits: dict[str, VisitKind] = {}
        self.ids: set[str] = set()

    def all(self, parsed: CaseFile) -> list[ConfigProblem]:
        problems: list[ConfigProblem] = []
        for index, case in enumerate(parsed.cases):
            problems += self.case(("cases", index), case)
        return problems

    def case(self, at: tuple[str | int, ...], case: Case) -> list[ConfigProblem]:
        found = []
        if case.id in self.ids:
            found.append(
                self._at(
                    at,
                    "id",
                    zh_en(f"用例编号 '{case.id}' 重复", f"case id '{case.id}' is used twice"),
                    "",
                )
            )
        self.ids.add(case.id)
        if case.person is not None and case.person > self.persons:
            message = zh_en(
                f"用例 {case.id} 用第 {case.person} 名测试人员，测试人员文件只有 {self.persons} 名",
                f"case {case.id} names test person {case.person}, the persons file has "
                f"{self.persons}",
            )
            hint = zh_en(
                "在测试人员文件中加人，或改用其他人员",
                "add persons to the file or name another one",
            )
            found.append(self._at(at, "person", message, hint))
        found += self._visit(at, case) + self._command(at, case) + self._when(at, case)
        return found

    def _visit(self, at: tuple[str | int, ...], case: Case) -> list[ConfigProblem]:
        action, label = case.action, case.visit
        if label is None:
            return []
        if action is not None and action.opens_visit:
            if label in self.visits:
                return [
                    self._at(
                        at,
                        "visit",
                        zh_en(f"就诊 {label} 被建立两次", f"visit {label} is opened twice"),
                        zh_en("换一个新标签", "use a new label"),
                    )
                ]
            self.visits[label] = action.kind
            return self._feed(at, action)
        if label not in self.visits:
            hint = zh_en(
                "在前面加 his: outpatient_visit 或 admission 的用例建立它",
                "an earlier case with his: outpatient_visit or admission opens it",
            )
            message = zh_en(
                f"就诊 {label} 没有由前面的用例建立",
                f"visit {label} is not opened by an earlier case",
            )
            return [self._at(at, "visit", message, hint)]
        if action is not None and action.kind is not self.visits[label]:
            kind = (
                ("门诊", "an outpatient") if self.visits[label] is _OP else ("住院", "an inpatient")
            )
            return [
                self._at(
                    at,
                    "his",
                    zh_en(
                        f"his: {case.his} 不适用于{kind[0]}就诊 {label}",
                        f"his: {case.his} does not apply to {label}, {kind[1]} visit",
                    ),
                    "",
                )
            ]
        return self._feed(at, action) if action else []

    def _feed(self, at: tuple[str | int, ...], action: HisAction) -> list[ConfigProblem]:
        spec = self.feeds.get(action.feed) if action.feed else None
        if action.feed is None or (spec is not None and spec.enabled):
            return []
        message = zh_en(
            f"发送它的映射 '{action.feed}' 不存在或已停用",
            f"the mapping '{action.feed}' that sends this is missing or disabled",
        )
        hint = zh_en("在映射目录中恢复它", "restore it in the mappings folder")
        return [self._at(at, "his", message, hint)]

    def _command(self, at: tuple[str | int, ...], case: Case) -> list[ConfigProblem]:
        found = []
        if case.command is not None and case.command not in self.commands:
            found.append(
                self._at(
                    at,
                    "command",
                    zh_en(
                        f"没有映射的命令是 '{case.command}'",
                        f"no mapping has command '{case.command}'",
                    ),
                    did_you_mean(case.command, self.commands),
                )
            )
        for key, value in case.params.items():
            for name in _placeholders(value):
                if name not in PLACEHOLDERS:
                    found.append(
                        self._at(
                            (*at, "params"),
                            key,
                            zh_en(f"未知的占位符 {{{name}}}", f"unknown placeholder {{{name}}}"),
                            did_you_mean(name, PLACEHOLDERS),
                        )
                    )
        return found

    def _when(self, at: tuple[str | int, ...], case: Case) -> list[ConfigProblem]:
        if case.when is None or isinstance(setting_value(self.settings, case.when), bool):
            return []
        return [
            self._at(
                at,
                "when",
                zh_en(
                    f"'{case.when}' 不是 true/false 设置",
                    f"'{case.when}' is not a true/false setting",
                ),
                zh_en("例如 when: city.fee_delete_allowed", "e.g. when: city.fee_delete_allowed"),
            )
        ]

    def _at(self, at: tuple[str | int, ...], key: str, message: str, hint: str) -> ConfigProblem:
        return self.located.problem((*at, key), message, hint)


def _placeholders(text: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return ["(unbalanced braces)"]


def setting_value(settings: Settings, path: str) -> object:
    """The value at a dotted settings path (None when there is none)."""
    value: object = settings
    for part in path.split("."):
        value = getattr(value, part, None)
    return value


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its placeholders replaced (a missing value: KeyError naming it)."""
    return text.format_map(values)
