"""One field rule: where a platform field's value comes from and how it is shaped.

Compact YAML a DBA can read::

    aac001: {column: PERSON_NO, required: true}
    bka006: {const: "420"}
    akb020: {setting: hospital.akb020}
    aaz218: {visit: aaz218}
    bka896: {param: bka896}
    bka017: {column: ADMIT_TIME, date: yyyyMMdd}
    bka058: {column: AMOUNT, decimal: 2}
    bka061: {column: ILLNESS_FLAG, codes: {"Y": "1", "N": "0"}, default: "0"}
    bka020: {column: DEPT_CODE, codes_table: {category: bka020}}
    bka022: {column: WARD_NAME, max_length: 50, trim: true}
    bka043: {concat: [{column: A}, {const: "-"}, {column: B}]}
    bka896: {first: [{param: bka896}, {visit: aaz218}]}
    bka071: {column: FEE_ID, inferred: true}
    aac001: {person: aac001, by: {aac002: {column: SFZH}}}

Exactly one source (column, const, setting, visit, param, concat, first, person) per rule:
``concat`` joins its parts as text, ``first`` takes the first part that is not empty, ``person``
takes a field of the platform's person look-up (110001 / 120001, asked by syncd itself and kept
in the person table) for the HIS's key ``by`` — 社会保障号码 ``aac002``, 社保卡号 ``bka100``
or 电脑号 ``aac001`` — given by a rule of its own.  ``inferred: true``
marks a field no public hospital client is known to send: the setting
``platform.send_inferred_fields: false`` leaves every such field out of the request.  The steps run
in a fixed order: source → trim → empty? (default / required) → transform → codes →
date or decimal (+ sign) → max_length.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from syncd.core.bilingual import zh_en
from syncd.core.errors import FormatFailed
from syncd.mapping.formats import quantize, to_decimal
from syncd.mapping.types import (
    DatePattern,
    ParamName,
    PersonField,
    PersonKind,
    SettingPath,
    TransformName,
    ViewColumn,
    VisitField,
    as_tuple,
    fail,
)

SOURCES = ("column", "const", "setting", "visit", "param", "concat", "first", "person")
SEND_INFERRED_SETTING = "platform.send_inferred_fields"
_SHORTHAND_HINT = zh_en(
    '视图的列写 {column: 列名}，固定值写 {const: "文本"}',
    'write {column: NAME} for a view column or {const: "text"} for a fixed value',
)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CodesTable(Model):
    """Translate through the code staging table (codes synchronised from 码表服务)."""

    category: Annotated[str, Field(min_length=1, max_length=40, description="code category")]


Sign = Literal["any", "positive", "non_negative", "negative", "non_positive"]


class FieldRule(Model):
    """How one platform field is filled from a row (see the module docstring)."""

    column: ViewColumn | None = Field(None, description="read this column of the view")
    const: str | None = Field(None, description='a fixed text, always quoted: "420"')
    setting: SettingPath | None = Field(None, description="a settings value: hospital.akb020")
    visit: VisitField | None = Field(None, description="a visit-ledger field, e.g. aaz218")
    param: ParamName | None = Field(None, description="a parameter of the command row")
    concat: tuple[FieldRule, ...] | None = Field(None, description="join several parts as text")
    first: tuple[FieldRule, ...] | None = Field(
        None, description="the first of several parts that is not empty"
    )
    person: PersonField | None = Field(
        None, description="a field of the platform's person look-up, e.g. aac001 or bka042"
    )
    by: dict[PersonKind, FieldRule] | None = Field(
        None, description="the HIS's key of the person look-up: {aac002: {column: SFZH}}"
    )
    inferred: bool = Field(
        False, description="no public client sends it: left out when send_inferred_fields is off"
    )
    label: str | None = Field(None, description="Chinese name in messages (catalogue default)")
    required: bool = Field(False, description="an empty value rejects the row")
    default: str | None = Field(None, description="sent as written when the value is empty")
    trim: bool = Field(False, description="strip spaces (also full-width) at both ends")
    transform: Annotated[tuple[TransformName, ...], BeforeValidator(as_tuple)] = Field(
        (), description="named transforms applied in order"
    )
    codes: dict[str, str] | None = Field(None, description="HIS code → platform code")
    codes_table: CodesTable | None = None
    date: DatePattern | None = Field(None, description="output date pattern, e.g. yyyyMMdd")
    date_in: DatePattern | None = Field(None, description="pattern of date text in the view")
    decimal: int | None = Field(None, ge=0, le=8, description="exact decimal places")
    round: Literal["half_up"] | None = Field(None, description="allow rounding to the places")
    sign: Sign = Field("any", description="which signs a number may have")
    max_length: int | None = Field(None, ge=1, le=4000, description="characters at most")

    @model_validator(mode="before")
    @classmethod
    def _no_plain_text(cls, data: Any) -> Any:
        if isinstance(data, str | int | float):
            fail(
                zh_en(
                    "字段规则须为键值映射，不能是纯文本",
                    "a field rule must be a mapping, not plain text",
                ),
                _SHORTHAND_HINT,
            )
        return data

    @model_validator(mode="after")
    def _consistent(self) -> FieldRule:
        given = [name for name in SOURCES if getattr(self, name) is not None]
        if len(given) != 1:
            found = f"{len(given)} ({', '.join(given)})" if given else "0"
            fail(
                zh_en(
                    f"字段规则须恰有一个来源，现有 {found}",
                    f"a field rule needs exactly one source; found {found}",
                ),
                _SHORTHAND_HINT,
            )
        self._check_pairs()
        self._check_person()
        self._check_default()
        return self

    def _check_person(self) -> None:
        if self.person is not None and (self.by is None or len(self.by) != 1):
            fail(
                zh_en("'person' 须带恰有一个键的 'by'", "'person' needs 'by' with exactly one key"),
                zh_en("例如", "e.g.") + " by: {aac002: {column: SFZH}}",
            )
        if self.by is not None and self.person is None:
            fail(
                zh_en("'by' 只用于 'person' 规则", "'by' belongs to a 'person' rule"),
                zh_en("例如", "e.g.") + " {person: aac001, by: {aac002: …}}",
            )

    def _check_pairs(self) -> None:
        if self.date and self.decimal is not None:
            fail(
                zh_en(
                    "一个字段不能同时用 'date' 和 'decimal'",
                    "'date' and 'decimal' cannot both shape one field",
                ),
                zh_en("保留合适的一个", "keep the one that fits"),
            )
        if self.codes is not None and self.codes_table is not None:
            fail(
                zh_en(
                    "'codes' 与 'codes_table' 只能用一个",
                    "use either 'codes' or 'codes_table', not both",
                )
            )
        if self.decimal is None and (self.round or self.sign != "any"):
            fail(
                zh_en("'round' 和 'sign' 需要 'decimal'", "'round' and 'sign' need 'decimal'"),
                zh_en("加上 decimal: 2（小数位数）", "add decimal: 2 (the places)"),
            )
        if self.date_in and not self.date:
            fail(
                zh_en(
                    "'date_in' 需要 'date'（输出格式）",
                    "'date_in' needs 'date' (the output pattern)",
                ),
                zh_en("加上", "add") + " date: yyyyMMdd",
            )
        if self.concat is not None and not self.concat:
            fail(zh_en("'concat' 至少需要一部分", "'concat' needs at least one part"))
        if self.first is not None and len(self.first) < 2:
            fail(
                zh_en("'first' 至少需要两部分", "'first' needs at least two parts"),
                zh_en("例如", "e.g.") + " first: [{param: A}, {visit: aaz218}]",
            )

    def _check_default(self) -> None:
        if self.default is None:
            return
        if self.required:
            fail(
                zh_en("必填字段不能有默认值", "a required field cannot have a default"),
                zh_en("去掉 'required' 或 'default'", "remove 'required' or 'default'"),
            )
        if self.max_length and len(self.default) > self.max_length:
            fail(
                zh_en(
                    f"默认值超过 max_length {self.max_length}",
                    f"the default is longer than max_length {self.max_length}",
                )
            )
        if self.decimal is not None:
            try:
                quantize(to_decimal(self.default), self.decimal)
            except FormatFailed:
                fail(
                    zh_en(
                        f"默认值不是 {self.decimal} 位小数的数字",
                        f"the default is not a number with {self.decimal} places",
                    )
                )

    @property
    def default_value(self) -> str | Decimal | None:
        """The default as it goes on the wire (a Decimal for decimal fields)."""
        if self.default is None or self.decimal is None:
            return self.default
        return quantize(to_decimal(self.default), self.decimal)

    @property
    def parts(self) -> tuple[FieldRule, ...]:
        """The rules a ``concat`` or ``first`` rule is made of (none for the other sources)."""
        return self.concat or self.first or tuple((self.by or {}).values())

    @property
    def person_by(self) -> tuple[str, FieldRule] | None:
        """The look-up key of a ``person`` rule: its kind (aac002 / bka100 / aac001), its rule."""
        return next(iter(self.by.items())) if self.person is not None and self.by else None

    def columns(self) -> frozenset[str]:
        """Every view column this rule reads (concat/first parts included)."""
        own = {self.column} if self.column else set()
        return frozenset(own).union(*(part.columns() for part in self.parts))

    def params(self) -> frozenset[str]:
        own = {self.param} if self.param else set()
        return frozenset(own).union(*(part.params() for part in self.parts))

    def settings(self) -> frozenset[str]:
        own = {self.setting} if self.setting else set()
        return frozenset(own).union(*(part.settings() for part in self.parts))

    def code_categories(self) -> frozenset[str]:
        own = {self.codes_table.category} if self.codes_table else set()
        return frozenset(own).union(*(p.code_categories() for p in self.parts))

    def with_label(self, label: str) -> FieldRule:
        return self if self.label else self.model_copy(update={"label": label})
