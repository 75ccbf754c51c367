"""Annotated string types of the mapping language, each checked with a clear message + hint.

A failed check raises ``PydanticCustomError("mapping", message, {"hint": ...})``; the loader
reads the hint out of the error context and shows it under the positioned message.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, NoReturn

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from syncd.core.bilingual import zh_en
from syncd.core.records import PERSON_FIELDS
from syncd.core.records import VISIT_KINDS as VISIT_KINDS  # re-exported: one vocabulary
from syncd.core.records import VISIT_STATES as VISIT_STATES
from syncd.mapping import names
from syncd.mapping.formats import date_pattern_problem
from syncd.mapping.transforms import TRANSFORMS

VISIT_FIELDS = ("aaz218", "aac001", "visit_key", "kind", "state")
PersonKind = Literal["aac002", "bka100", "aac001"]  # bka895 of a look-up: PERSON_KEY_KINDS
VisitKindCode = Literal["OUTPATIENT", "INPATIENT"]
VisitStateCode = Literal["NONE", "REGISTERED", "ADMITTED", "DISCHARGED", "SETTLED", "CANCELLED"]

_SETTING = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_PARAM = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
_FUNCTION = re.compile(r"^(bizh\d{6}|[a-z][a-z0-9_]{2,39})$")
_REPLY_PATH = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$")


def fail(message: str, hint: str = "") -> NoReturn:
    """Raise the validation error every mapping check uses; ``message`` and ``hint`` are
    operator lines, Chinese first (:func:`~syncd.core.bilingual.zh_en`)."""
    raise PydanticCustomError("mapping", message, {"hint": hint})


def _identifier(value: str) -> str:
    problem = names.identifier_problem(value)
    if problem:
        zh, en = problem
        fail(
            zh_en(f"视图名 '{value}' {zh}", f"view name '{value}' {en}"),
            zh_en(
                "请 DBA 提供视图并在此写其名称", "ask the DBA for a view and write its name here"
            ),
        )
    return value


def _column(value: str) -> str:
    problem = names.identifier_problem(value, qualified=False)
    if problem:
        zh, en = problem
        fail(
            zh_en(f"列名 '{value}' {zh}", f"column name '{value}' {en}"),
            zh_en("按视图中的列名原样填写", "write the column exactly as the view names it"),
        )
    return value


def _field_code(value: str) -> str:
    if names.looks_secret(value):
        fail(
            zh_en(f"'{value}' 像是密码等机密", f"'{value}' looks like a secret"),
            zh_en("机密不得写入映射文件", "secrets never go into mapping files"),
        )
    if not names.FIELD_CODE.match(value):
        fail(
            zh_en(f"'{value}' 不是平台字段代码", f"'{value}' is not a platform field code"),
            zh_en("代码为小写，如 aac001", "codes are lower case, e.g. aac001"),
        )
    return value


def _setting(value: str) -> str:
    if names.looks_secret(value):
        fail(
            zh_en(f"设置 '{value}' 是机密", f"setting '{value}' is a secret"),
            zh_en("映射文件不得读取机密", "mapping files may not read secrets"),
        )
    if not _SETTING.match(value):
        fail(
            zh_en(f"'{value}' 不是设置路径", f"'{value}' is not a settings path"),
            zh_en("写 节.键，如 hospital.akb020", "write section.key, e.g. hospital.akb020"),
        )
    return value


def _param(value: str) -> str:
    if not _PARAM.match(value):
        fail(
            zh_en(f"'{value}' 不是参数名", f"'{value}' is not a parameter name"),
            zh_en("字母、数字和 '_'，如 bka896", "letters, digits and '_', e.g. bka896"),
        )
    return value


def _visit_field(value: str) -> str:
    if value not in VISIT_FIELDS:
        fail(
            zh_en(f"未知的就诊台账字段 '{value}'", f"unknown visit-ledger field '{value}'"),
            names.did_you_mean(value, VISIT_FIELDS),
        )
    return value


def _person_field(value: str) -> str:
    if value not in PERSON_FIELDS:
        fail(
            zh_en(f"未知的人员字段 '{value}'", f"unknown person field '{value}'"),
            names.did_you_mean(value, PERSON_FIELDS),
        )
    return value


def _transform(value: str) -> str:
    if value not in TRANSFORMS:
        fail(
            zh_en(f"未知的转换 '{value}'", f"unknown transform '{value}'"),
            names.did_you_mean(value, TRANSFORMS),
        )
    return value


def _date_pattern(value: str) -> str:
    problem = date_pattern_problem(value)
    if problem:
        zh, en = problem
        fail(
            zh_en(f"日期格式 '{value}' 无效", f"date pattern '{value}' is not valid"),
            zh_en(f"{zh}；如 yyyyMMdd", f"{en}; e.g. yyyyMMdd"),
        )
    return value


def _function(value: str) -> str:
    if not _FUNCTION.match(value):
        fail(
            zh_en(f"'{value}' 不是交易号", f"'{value}' is not a function id"),
            zh_en(
                "如 bizh120103，或 settlement_slip 这样的名称",
                "e.g. bizh120103, or a name like settlement_slip",
            ),
        )
    return value


def _reply_path(value: str) -> str:
    if not _REPLY_PATH.match(value):
        fail(
            zh_en(f"'{value}' 不是应答字段", f"'{value}' is not a reply field"),
            zh_en("写字段（aaz218）或 数据集.字段", "write a field (aaz218) or dataset.field"),
        )
    return value


FEED_NAME_HINT = zh_en(
    "业务名即文件名：小写字母、数字和 _",
    "feed names are file names: lower-case letters, digits and _",
)


def _feed_name(value: str) -> str:
    if not names.FEED_NAME.match(value):
        fail(zh_en(f"'{value}' 不是业务名", f"'{value}' is not a feed name"), FEED_NAME_HINT)
    return value


def as_tuple(value: Any) -> Any:
    """Allow one item where a list is expected: ``key: ID`` means ``key: [ID]``."""
    return (value,) if isinstance(value, str) else value


def _schema(pattern: str, description: str) -> Any:
    return Field(json_schema_extra={"pattern": pattern}, description=description or None)


_IDENT_RE = names.IDENTIFIER.pattern
_COLUMN_RE = names.COLUMN.pattern
Identifier = Annotated[str, AfterValidator(_identifier), _schema(_IDENT_RE, "[schema.]view")]
ViewColumn = Annotated[str, AfterValidator(_column), _schema(_COLUMN_RE, "a column of the view")]
FieldCode = Annotated[str, AfterValidator(_field_code), _schema(names.FIELD_CODE.pattern, "")]
SettingPath = Annotated[str, AfterValidator(_setting), _schema(_SETTING.pattern, "")]
ParamName = Annotated[str, AfterValidator(_param), _schema(_PARAM.pattern, "")]
VisitField = Annotated[
    str, AfterValidator(_visit_field), Field(json_schema_extra={"enum": list(VISIT_FIELDS)})
]
PersonField = Annotated[
    str, AfterValidator(_person_field), Field(json_schema_extra={"enum": list(PERSON_FIELDS)})
]
TransformName = Annotated[
    str, AfterValidator(_transform), Field(json_schema_extra={"enum": sorted(TRANSFORMS)})
]
DatePattern = Annotated[str, AfterValidator(_date_pattern), _schema(r"^[yMdHms/:. T-]+$", "")]
FunctionRef = Annotated[str, AfterValidator(_function), _schema(_FUNCTION.pattern, "")]
ReplyPath = Annotated[str, AfterValidator(_reply_path), _schema(_REPLY_PATH.pattern, "")]
FeedName = Annotated[str, AfterValidator(_feed_name), _schema(names.FEED_NAME.pattern, "")]
Columns = Annotated[tuple[ViewColumn, ...], BeforeValidator(as_tuple), Field(min_length=1)]
