"""Which platform fields are personal data, and how they are shown masked (pure).

The console shows viewers — and operators until they reveal a value, an audited action — ID
numbers, names, phone numbers and addresses masked; ``syncd show`` does the same unless
``--reveal``.  Fields are known by their platform code (the spec's vocabulary: ``aac002``
社会保障号码, ``aac003`` 姓名, ``aae005`` 联系电话, ``aac010`` 户口地址 …); any text shaped like a
resident ID number is masked wherever it appears (:func:`mask_id_numbers`).

* :func:`mask_id` ``440102199001011234`` → ``4401**********1234``;
* :func:`mask_name` ``张伟明`` → ``张*明``;
* :func:`mask_phone` ``13812345678`` → ``138****5678``;
* :func:`mask_address` ``广东省深圳市南山区…`` → ``广东省***``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any


class Personal(enum.StrEnum):
    ID_NUMBER = "id_number"
    NAME = "name"
    PHONE = "phone"
    ADDRESS = "address"


FIELDS: Mapping[str, Personal] = {
    **dict.fromkeys(("aac002", "aac044", "yzy011", "bka100"), Personal.ID_NUMBER),
    **dict.fromkeys(
        ("aac003", "aae004", "bka015", "bka034", "bka064", "bka075", "yzy220", "yzy222"),
        Personal.NAME,
    ),
    **dict.fromkeys(("aae005", "yzy021", "yzy028", "yzy090"), Personal.PHONE),
    **dict.fromkeys(("aac010", "yzy020", "yzy027", "yzy089"), Personal.ADDRESS),
}
# A field the catalogue names a telephone number or an address is one, whatever its code.
_CONTACT_WORDS: Mapping[str, Personal] = {
    "电话": Personal.PHONE,
    "手机": Personal.PHONE,
    "地址": Personal.ADDRESS,
    "住址": Personal.ADDRESS,
    "邮编": Personal.ADDRESS,
}
_MOBILE = re.compile(r"^1[3-9]\d{9}$")  # a mobile number, in any field
LOOKUP_KIND = "bka895"  # a person look-up's kind of key: aac001 电脑号, aac002 …, bka100 …
LOOKUP_VALUE = "bka896"  # … and the key itself: personal unless it is the person number
_ID_LOOKUPS = frozenset({"aac002", "bka100", "身份证号"})
SESSION_FIELD = "session_id"  # never shown, masked or not
SESSION_HIDDEN = "********"  # how a session id is shown (syncd.protocol.codec.SESSION_MASK)

# The resident ID number (aac002, aac044): region(6) + birth date yyyyMMdd + 3 digits + check
# digit or X.  The birth-date shape keeps most other 18-digit numbers (aaz218 business numbers)
# readable.  syncd.logs masks the same shape in every log line.
ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])(\d{6})(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]"
    r"(?![0-9A-Za-z])"
)


def mask_id(value: str) -> str:
    """``440102199001011234`` → ``4401**********1234``."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: str) -> str:
    """``张伟明`` → ``张*明``, ``李娜`` → ``李*``."""
    if len(value) <= 2:
        return value[:1] + "*" * (len(value) - 1)
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``; short numbers keep only their last two digits."""
    if len(value) <= 7:
        return "*" * max(len(value) - 2, 0) + value[-2:]
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str) -> str:
    """Only the first three characters (a province or city) stay."""
    return value[:3] + "***" if value else ""


_MASKS = {
    Personal.ID_NUMBER: mask_id,
    Personal.NAME: mask_name,
    Personal.PHONE: mask_phone,
    Personal.ADDRESS: mask_address,
}


def mask_id_numbers(text: str) -> str:
    """Every ID-number-shaped token in ``text`` masked as :func:`mask_id` does."""
    return ID_NUMBER.sub(lambda m: mask_id(m.group(0)), text)


def kind_of(code: str, values: Mapping[str, Any] | None = None) -> Personal | None:
    """What personal data field ``code`` holds (None: none); ``values`` are its siblings
    (a look-up value is an ID number when its kind says so)."""
    code = code.lower()
    if code == LOOKUP_VALUE and values is not None:
        kind = str(values.get(LOOKUP_KIND) or values.get(LOOKUP_KIND.upper()) or "")
        return Personal.ID_NUMBER if kind in _ID_LOOKUPS else None
    return FIELDS.get(code) or _contacts().get(code)


@cache
def _contacts() -> Mapping[str, Personal]:
    """Every field the catalogue names a telephone number or an address (read when first
    needed: syncd.logs imports this module for :data:`ID_NUMBER` alone)."""
    from syncd.protocol import catalogue

    found: dict[str, Personal] = {}
    for function in catalogue.load().all():
        rows = (f for fields in function.datasets.values() for f in fields)
        for spec in (*function.inputs, *rows):
            kind = next((k for w, k in _CONTACT_WORDS.items() if w in spec.name_zh), None)
            if kind is not None:
                found.setdefault(spec.code.lower(), kind)
    return found


def mask_value(code: str, value: str, values: Mapping[str, Any] | None = None) -> str:
    """``value`` of field ``code`` as a viewer sees it."""
    kind = kind_of(code, values)
    if kind is not None and value:
        return _MASKS[kind](value)
    if _MOBILE.match(value):
        return mask_phone(value)
    return mask_id_numbers(value)


def shown(reveal: bool) -> Callable[[str, str, Mapping[str, str]], str]:
    """How a document's values are shown (:func:`syncd.protocol.codec.pretty`'s mask): masked
    unless ``reveal``; the session id never."""

    def one(code: str, value: str, siblings: Mapping[str, str]) -> str:
        if code.lower() == SESSION_FIELD:
            return SESSION_HIDDEN if value else ""
        return value if reveal else mask_value(code, value, siblings)

    return one


def masked(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``values`` (field code → value; nested mappings and lists of them, as in
    ``result_json``) with every personal value masked."""
    out: dict[str, Any] = {}
    for code, value in values.items():
        if isinstance(value, Mapping):
            out[code] = masked(value)
        elif isinstance(value, list | tuple):
            out[code] = [
                masked(v) if isinstance(v, Mapping) else _scalar(code, v, values) for v in value
            ]
        else:
            out[code] = _scalar(code, value, values)
    return out


def _scalar(code: str, value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return mask_value(code, value, values)
    return value
