"""Named value transforms a mapping rule may list under ``transform:``.

Each is a small pure function ``value -> value``.  A transform that cannot handle a value
raises :class:`TransformFailed`; the engine turns that into a MappingError with a Chinese
reason.  Add a transform by writing the function and registering it in :data:`TRANSFORMS`;
the JSON Schema and the "did you mean" hints pick it up from there.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from syncd.core.errors import FormatFailed, TransformFailed
from syncd.mapping.formats import to_decimal

RawValue = object


def text_of(value: RawValue) -> str:
    """The wire text of a plain value (integral floats lose their '.0')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def upper(value: RawValue) -> RawValue:
    return text_of(value).upper()


def lower(value: RawValue) -> RawValue:
    return text_of(value).lower()


def halfwidth(value: RawValue) -> RawValue:
    """Full-width letters, digits and spaces (ＡＢＣ１２３　) to their ASCII forms."""
    return unicodedata.normalize("NFKC", text_of(value))


def no_spaces(value: RawValue) -> RawValue:
    return "".join(text_of(value).split())


def digits_only(value: RawValue) -> RawValue:
    return "".join(ch for ch in text_of(value) if ch.isascii() and ch.isdigit())


def integer(value: RawValue) -> RawValue:
    """An integral number as plain digits (``12.00`` → ``12``); fractions are refused."""
    number = _number(value)
    if number != number.to_integral_value():
        raise TransformFailed("应为整数")
    return format(number.to_integral_value(), "f")


def negate(value: RawValue) -> RawValue:
    """Flip the sign (HIS refund rows stored as positive amounts)."""
    return -_number(value)


def absolute(value: RawValue) -> RawValue:
    return abs(_number(value))


def _number(value: RawValue) -> Decimal:
    try:
        return to_decimal(value)
    except FormatFailed as exc:
        raise TransformFailed("数字格式错误") from exc


@dataclass(frozen=True)
class Transform:
    name: str
    apply: Callable[[RawValue], RawValue]
    doc: str


def _registry(*items: tuple[str, Callable[[RawValue], RawValue], str]) -> dict[str, Transform]:
    return {name: Transform(name, fn, doc) for name, fn, doc in items}


TRANSFORMS: dict[str, Transform] = _registry(
    ("upper", upper, "letters to upper case (e.g. the X of an ID number)"),
    ("lower", lower, "letters to lower case"),
    ("halfwidth", halfwidth, "full-width letters/digits/spaces to half-width"),
    ("no_spaces", no_spaces, "remove every space, tab and newline"),
    ("digits_only", digits_only, "keep only the digits 0-9"),
    ("integer", integer, "an integral number as plain digits (12.00 -> 12)"),
    ("negate", negate, "flip the sign of a number (refund rows kept positive in the HIS)"),
    ("abs", absolute, "the absolute value of a number"),
)
