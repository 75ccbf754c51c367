"""Value formats of the wire: dates by pattern (``yyyyMMdd``), decimals by places.

The date patterns use the tokens the platform documentation uses (``yyyy MM dd HH mm ss``)
and are turned into ``strftime`` directives here; nothing else in a pattern is allowed
except the separators ``- / : . space T``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from syncd.core.errors import FormatFailed, InexactDecimal

DATE_TOKENS = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_TOKEN = re.compile(r"yyyy|MM|dd|HH|mm|ss|[-/:. T]")
_SPLIT = re.compile(r"(yyyy|MM|dd|HH|mm|ss)")
_ISO_INPUTS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%Y%m%d%H%M%S", "%Y%m%d")


def date_pattern_problem(pattern: str) -> tuple[str, str] | None:
    """Why ``pattern`` is not a usable date pattern (Chinese, English), or None."""
    rest = _TOKEN.sub("", pattern)
    if rest or not pattern:
        return (
            "日期格式只用 yyyy MM dd HH mm ss 和分隔符 - / : . 空格 T",
            "date patterns use yyyy MM dd HH mm ss and the separators - / : . space T",
        )
    if "yyyy" not in pattern:
        return "日期格式须有四位年份 'yyyy'", "a date pattern needs a four-digit year 'yyyy'"
    return None


def strftime_of(pattern: str) -> str:
    """``yyyyMMdd`` → ``%Y%m%d``."""
    return _TOKEN.sub(lambda m: DATE_TOKENS.get(m.group(0), m.group(0)), pattern)


def format_date(value: object, pattern: str, input_pattern: str | None = None) -> str:
    """Format a date, datetime or date text (read with ``input_pattern``) as ``pattern``."""
    if isinstance(value, str):  # the same few dates over and over (a day's fee rows)
        return _format_text(value, pattern, input_pattern or pattern)
    return _format(to_datetime(value, input_pattern or pattern), pattern)


@lru_cache(maxsize=4096)
def _format_text(text: str, pattern: str, input_pattern: str) -> str:
    """A date text reformatted (cached: FormatFailed is raised again, never cached)."""
    return _format(_parse_text(text.strip(), input_pattern), pattern)


def _format(when: dt.datetime, pattern: str) -> str:
    parts = {
        "yyyy": f"{when.year:04d}",
        "MM": f"{when.month:02d}",
        "dd": f"{when.day:02d}",
        "HH": f"{when.hour:02d}",
        "mm": f"{when.minute:02d}",
        "ss": f"{when.second:02d}",
    }
    return "".join(parts.get(token, token) for token in _tokens(pattern))


@lru_cache(maxsize=256)
def _tokens(pattern: str) -> tuple[str, ...]:
    """The pattern cut into tokens and the text between them (kept as is)."""
    return tuple(part for part in _SPLIT.split(pattern) if part)


def to_datetime(value: object, input_pattern: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise FormatFailed("not a date")
    return _parse_text(value.strip(), input_pattern)


def _parse_text(text: str, input_pattern: str) -> dt.datetime:
    for directive in (strftime_of(input_pattern), *_ISO_INPUTS):
        try:
            return dt.datetime.strptime(text, directive)
        except ValueError:
            continue
    raise FormatFailed("not a date")


def to_decimal(value: object) -> Decimal:
    """A finite Decimal from an int, Decimal, float or numeric text; else FormatFailed."""
    if type(value) is Decimal and value.is_finite():  # a view's NUMERIC column (immutable)
        return value
    if isinstance(value, bool):
        raise FormatFailed("not a number")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        value = value.strip()
    if not isinstance(value, int | str | Decimal):
        raise FormatFailed("not a number")
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError) as exc:
        raise FormatFailed("not a number") from exc
    if not number.is_finite():
        raise FormatFailed("not a number")
    return number


@lru_cache(maxsize=64)
def _step(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def quantize(number: Decimal, places: int, *, half_up: bool = False) -> Decimal:
    """``number`` with exactly ``places`` decimals; InexactDecimal if that would lose value."""
    step = _step(places)
    try:
        result = number.quantize(step, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise FormatFailed("out of range") from exc
    if result != number and not half_up:
        raise InexactDecimal("too many decimal places")
    return result.copy_abs() if result.is_zero() else result
