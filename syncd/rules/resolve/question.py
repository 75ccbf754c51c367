"""The question an UNKNOWN outcome raises, and the answers a strategy gives (pure).

:class:`Question` is the call whose outcome is unknown (as archived, or rebuilt from its
source) with the visit as the ledger knows it; a strategy asks the platform with ``ask`` and
answers a :class:`Resolution`: PROCESSED (with the reply values to adopt), NOT_PROCESSED or
UNDECIDED (with a Chinese reason).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from syncd.protocol.decoded import Program
from syncd.rules.visits import Visit

Ask = Callable[[str, Mapping[str, str]], Program | None]
PERSON_MARK = "请人工核对"  # in every reason of an UNKNOWN that only a person can decide
UNDECIDED_ZH = "结果未知：无法通过查询确认平台是否已处理，" + PERSON_MARK
QUERY_FAILED_ZH = (
    "结果未知：查询确认未成功（平台未应答或应答无法读取），稍后自动再查询确认，不会重发"
)


class Found(StrEnum):
    PROCESSED = "PROCESSED"
    NOT_PROCESSED = "NOT_PROCESSED"
    UNDECIDED = "UNDECIDED"


@dataclass(frozen=True)
class Resolution:
    found: Found
    fields: Mapping[str, str] = field(default_factory=dict)  # adopted reply values
    reason_zh: str = ""
    remedy: str = ""  # "refill": a delete and upload of the stay's fees again would tell
    mismatch_zh: str = ""  # what the platform's figures showed (with remedy)


@dataclass(frozen=True)
class Question:
    """The call whose outcome is unknown (as archived, or re-rendered from its source), and
    the visit.

    ``hints``: the wire fields of the call that prepared this one (a refund's 110103 step: the
    batch ``bka001`` it gives back, which the refund itself does not carry).
    """

    function_id: str
    params: Mapping[str, object]
    datasets: Mapping[str, Sequence[Mapping[str, object]]]
    visit: Visit | None
    akb020: str
    slip_function: str = "bizh120206"  # 结算信息提取: platform.function_ids.settlement_slip
    hints: Mapping[str, object] = field(default_factory=dict)

    def text(self, code: str) -> str:
        value = self.params.get(code)
        return "" if value is None else str(value)

    @property
    def aaz218(self) -> str:
        return self.text("aaz218") or (self.visit.aaz218 if self.visit else "")


NOT_PROCESSED = Resolution(Found.NOT_PROCESSED)


def undecided(reason_zh: str = UNDECIDED_ZH) -> Resolution:
    return Resolution(Found.UNDECIDED, reason_zh=reason_zh)


def query_failed() -> Resolution:
    """The query itself failed: undecided now, asked again later by itself (no person)."""
    return Resolution(Found.UNDECIDED, reason_zh=QUERY_FAILED_ZH)


def needs_person(reason_zh: str) -> bool:
    """An UNKNOWN whose reason says only a person can decide it (the alert, the rows that
    wait behind it)."""
    return PERSON_MARK in (reason_zh or "")


def processed(**fields: str) -> Resolution:
    return Resolution(Found.PROCESSED, fields)


def hinted_batch(hints: Mapping[str, object]) -> str:
    """The batch a refund's first step (110103) named, "" when none (0 = every batch)."""
    hinted = str(hints.get("bka001") or "").strip()
    return "" if hinted == "0" else hinted


def decimal_of(text: object) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


def is_negative(value: object) -> bool:
    number = decimal_of(value)
    return number is not None and number < 0


def negated(text: str) -> str:
    number = decimal_of(text)
    return "" if number is None else str(Decimal(0) - number)  # 0 - 0.00 is 0.00, not -0.00


def batch_sum(rows: Sequence[Mapping[str, object]]) -> Decimal:
    """The sum of ``bka058`` over the rows of a fee batch."""
    return sum((decimal_of(r.get("bka058")) or Decimal(0) for r in rows), Decimal(0))
