"""A decoded ``<program>`` as values (pure): :class:`Program` with its scalars and datasets,
:class:`Row` for one ``<row>``, and :class:`Fields`, the typed accessors both share — text as the
platform sent it, read as Decimal, date (``yyyyMMdd``) or integer, or
:class:`PlatformProtocolError` for text that is not one.  :mod:`syncd.protocol.codec` builds them
from the wire."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from syncd.core.errors import PlatformProtocolError

_DECIMAL_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_DATE_TEXT = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:[ T]?\d{2}:?\d{2}:?\d{2})?")
_INT_TEXT = re.compile(r"[+-]?\d+")
_T = TypeVar("_T")


@dataclass(frozen=True, repr=False)
class Fields:
    """Element code -> text, with typed accessors (empty or missing -> None).

    The repr names no values: a decoded reply may carry ID numbers and names.
    """

    values: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(fields={sorted(self.values)})"

    def get(self, code: str) -> str | None:
        """The text of ``code``; None when the element is missing or empty."""
        return self.values.get(code) or None

    def text(self, code: str, default: str = "") -> str:
        return self.values.get(code) or default

    def decimal(self, code: str) -> Decimal | None:
        return self._typed(code, "decimal", _parse_decimal)

    def date(self, code: str) -> dt.date | None:
        return self._typed(code, "date (yyyyMMdd)", _parse_date)

    def integer(self, code: str) -> int | None:
        return self._typed(code, "integer", _parse_int)

    def require_decimal(self, code: str) -> Decimal:
        return _required(code, self.decimal(code))

    def require_text(self, code: str) -> str:
        return _required(code, self.get(code))

    def _typed(self, code: str, what: str, parse: Callable[[str], _T | None]) -> _T | None:
        text = self.get(code)
        if text is None:
            return None
        value = parse(text)
        if value is None:
            raise PlatformProtocolError(f"element <{code}> is not a valid {what}")
        return value


@dataclass(frozen=True, repr=False)
class Row(Fields):
    """One ``<row>`` of a dataset."""


@dataclass(frozen=True, repr=False)
class Program(Fields):
    """A decoded ``<program>``: scalars, datasets by name (a repeated one adds its rows)."""

    datasets: Mapping[str, tuple[Row, ...]] = field(default_factory=dict)
    repeated: tuple[str, ...] = ()  # codes (``dataset.code`` in a row) repeated with other values

    def __repr__(self) -> str:
        sets = {name: len(rows) for name, rows in self.datasets.items()}
        return f"Program(fields={sorted(self.values)}, datasets={sets})"

    def rows(self, name: str) -> tuple[Row, ...]:
        """The rows of dataset ``name``; empty when the reply has no such dataset."""
        return self.datasets.get(name, ())

    @property
    def return_code(self) -> str | None:
        return self.get("return_code")

    @property
    def return_code_message(self) -> str:
        return self.text("return_code_message")


def _required(code: str, value: _T | None) -> _T:
    if value is None:
        raise PlatformProtocolError(f"element <{code}> is missing or empty")
    return value


def _parse_decimal(text: str) -> Decimal | None:
    return Decimal(text) if _DECIMAL_TEXT.fullmatch(text) else None


def _parse_int(text: str) -> int | None:
    return int(text) if _INT_TEXT.fullmatch(text) else None


def _parse_date(text: str) -> dt.date | None:
    match = _DATE_TEXT.fullmatch(text)
    try:
        return dt.date(*(int(part) for part in match.groups())) if match else None
    except ValueError:
        return None
