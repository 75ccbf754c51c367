"""Compute one field's wire value from a rule (the steps listed in :mod:`syncd.mapping.rules`).

Failures raise :class:`FieldFailed` with a Chinese reason naming the field, never its value;
the engine adds the feed and row key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from syncd.core.errors import (
    FieldFailed,
    FormatFailed,
    InexactDecimal,
    PersonPending,
    TransformFailed,
)
from syncd.core.records import PersonKey, PersonRecord, PersonState
from syncd.mapping.formats import format_date, quantize, to_decimal
from syncd.mapping.rules import FieldRule
from syncd.mapping.transforms import TRANSFORMS, text_of

_WHITESPACE = " \t\r\n\u3000"
_SIGN_ZH = {
    "positive": "正数",
    "non_negative": "非负数",
    "negative": "负数",
    "non_positive": "非正数",
}


@dataclass(frozen=True)
class Scope:
    """What a rule may read: the row (columns, case-insensitively) and the render context."""

    row: Mapping[str, object]
    settings: Mapping[str, object] = field(default_factory=dict)
    visit: Mapping[str, object] = field(default_factory=dict)
    params: Mapping[str, object] = field(default_factory=dict)
    code_tables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    persons: Mapping[PersonKey, PersonRecord] = field(default_factory=dict)  # the look-ups

    def column(self, name: str) -> object:
        if name in self.row:
            return self.row[name]
        return self._folded.get(name.casefold())

    @cached_property
    def _folded(self) -> Mapping[str, object]:
        """The row by case-folded column name (the first of equal names wins)."""
        folded: dict[str, object] = {}
        for key, value in self.row.items():
            folded.setdefault(str(key).casefold(), value)
        return folded

    def for_row(self, row: Mapping[str, object]) -> Scope:
        return Scope(row, self.settings, self.visit, self.params, self.code_tables, self.persons)


def render_field(code: str, rule: FieldRule, scope: Scope) -> str | Decimal:
    """The wire value of field ``code``; FieldFailed with a Chinese reason if impossible.

    Called for every field of every row (a 300-row fee call: 2,400 times): the steps a rule
    does not name are skipped, not run as no-ops."""
    value = scope.column(rule.column) if rule.column is not None else _source(rule, scope, code)
    value = _trimmed(rule, value)
    if _empty(value):
        return _when_empty(rule, code)
    if rule.transform:
        for transform in rule.transform:
            value = _apply(transform, value, rule, code)
        if _empty(value):
            return _when_empty(rule, code)
    if rule.codes is not None or rule.codes_table is not None:
        value = _translate(rule, value, scope, code)
    shaped = _shape(rule, value, code)
    if isinstance(shaped, str) and rule.max_length and len(shaped) > rule.max_length:
        raise FieldFailed(f"超过最大长度 {rule.max_length}：{field_name(rule, code)}")
    return shaped


def field_name(rule: FieldRule, code: str) -> str:
    """How a reason names the field: ``label(code)``, or the code (only built on failure)."""
    return f"{rule.label}({code})" if rule.label else code


def _source(rule: FieldRule, scope: Scope, code: str) -> object:
    if rule.column is not None:
        return scope.column(rule.column)
    if rule.const is not None:
        return rule.const
    if rule.setting is not None:
        if rule.setting not in scope.settings:
            raise FieldFailed(f"缺少配置项 {rule.setting}：{field_name(rule, code)}")
        return scope.settings[rule.setting]
    if rule.visit is not None:
        return scope.visit.get(rule.visit)
    if rule.param is not None:
        return scope.params.get(rule.param)
    name = field_name(rule, code)
    if rule.person is not None:
        return _person(rule, scope, name)
    if rule.first is not None:
        return next((v for p in rule.first if (v := render_field(name, p, scope)) != ""), None)
    return "".join(text_of(render_field(name, part, scope)) for part in rule.concat or ())


PERSON_KIND_ZH = {"aac002": "社会保障号码", "bka100": "社保卡号", "aac001": "电脑号"}


def person_key(rule: FieldRule, scope: Scope, name: str) -> PersonKey | None:
    """The look-up key a ``person`` rule asks by, for this row; None when the HIS has no
    value for it (the field is then empty: required → rejected, else its default)."""
    kind, by = rule.person_by or ("", rule)
    value = text_of(render_field(f"{name}.{kind}", by, scope))
    return PersonKey(kind, value) if value else None


def _person(rule: FieldRule, scope: Scope, name: str) -> object:
    key = person_key(rule, scope, name)
    if key is None:
        return None
    answer = scope.persons.get(key)
    if answer is None:
        kind_zh = PERSON_KIND_ZH.get(key.kind, key.kind)
        raise PersonPending(f"等待平台人员信息查询（按{kind_zh}）：{name}")
    if answer.state is PersonState.REFUSED:
        raise FieldFailed(f"人员信息查询被拒绝：{answer.reason_zh}")
    return answer.fields().get(rule.person or "")


def _trimmed(rule: FieldRule, value: object) -> object:
    return value.strip(_WHITESPACE) if rule.trim and isinstance(value, str) else value


def _empty(value: object) -> bool:
    return value is None or value == ""


def _when_empty(rule: FieldRule, code: str) -> str | Decimal:
    if rule.required:
        raise FieldFailed(f"缺少必填项：{field_name(rule, code)}")
    default = rule.default_value
    return "" if default is None else default


def _apply(transform: str, value: object, rule: FieldRule, code: str) -> object:
    try:
        return TRANSFORMS[transform].apply(value)
    except TransformFailed as exc:
        raise FieldFailed(f"{exc.reason_zh}：{field_name(rule, code)}") from None


def _translate(rule: FieldRule, value: object, scope: Scope, code: str) -> object:
    if rule.codes is not None:
        table: Mapping[str, str] = rule.codes
    elif rule.codes_table is not None:
        table = scope.code_tables.get(rule.codes_table.category, {})
    else:
        return value
    translated = table.get(text_of(value))
    if translated is None:
        raise FieldFailed(f"代码无对照：{field_name(rule, code)}")
    if translated == "" and rule.required:  # a translation to blank leaves a required field empty
        raise FieldFailed(f"缺少必填项：{field_name(rule, code)}")
    return translated


def _shape(rule: FieldRule, value: object, code: str) -> str | Decimal:
    if rule.date:
        try:
            return format_date(value, rule.date, rule.date_in)
        except FormatFailed:
            pattern = rule.date_in or rule.date
            raise FieldFailed(f"日期格式错误：{field_name(rule, code)} 应为 {pattern}") from None
    if rule.decimal is not None:
        return _decimal(rule, value, code)
    return text_of(value)


def _decimal(rule: FieldRule, value: object, code: str) -> Decimal:
    places = rule.decimal or 0
    try:
        number = quantize(to_decimal(value), places, half_up=rule.round == "half_up")
    except InexactDecimal:
        raise FieldFailed(f"小数位数超过 {places} 位：{field_name(rule, code)}") from None
    except FormatFailed:
        raise FieldFailed(f"数字格式错误：{field_name(rule, code)}") from None
    if rule.sign != "any" and not _sign_ok(rule.sign, number):
        raise FieldFailed(f"数值应为{_SIGN_ZH[rule.sign]}：{field_name(rule, code)}")
    return number


def _sign_ok(sign: str, number: Decimal) -> bool:
    if sign == "positive":
        return number > 0
    if sign == "non_negative":
        return number >= 0
    if sign == "negative":
        return number < 0
    return number <= 0 if sign == "non_positive" else True
