"""Settlement figures computed from fee rows, keeping the identities of spec §8.1.

Rows with ``bka061=1`` (因病) and rows whose item ``ake005`` the covered-items catalogue does
not cover are self-paid (bka831, all of it personal cash akb067; not covered: bka825 全自费); a
partly covered item's self-paid share (to the cent) is self-paid too (bka826 部分自费) and the
rest fund-paid; every other row is fund-paid (bka832, all of it 工伤统筹基金 ake039).  So,
exactly, with Decimal and two places:

* akc264 = bka831 + bka832
* bka831 = akb067 + akb066 + bka839
* bka832 = ake039 + ake035 + ake026 + ake029 + bka841 + bka842 + bka840 + bka821
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from syncd.core.errors import SimulatedRejection
from syncd.simulator.fixtures import ItemCatalogue
from syncd.simulator.wire import ParsedRow

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

FIGURE_FIELDS = (
    "akc264",
    "bka831",
    "bka832",
    "bka825",
    "bka826",
    "aka151",
    "bka838",
    "akb067",
    "akb066",
    "bka821",
    "bka839",
    "ake039",
    "ake035",
    "ake026",
    "ake029",
    "bka841",
    "bka842",
    "bka840",
)

Figures = dict[str, Decimal]


def money(text: str, field: str) -> Decimal:
    """A wire amount as Decimal; a rejection names the field when it is not a number."""
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise SimulatedRejection(f"{field}不是合法的数值") from exc
    if not value.is_finite():
        raise SimulatedRejection(f"{field}不是合法的数值")
    return value


def is_self_paid(row: Mapping[str, str], covered: ItemCatalogue) -> bool:
    return row.get("bka061") == "1" or row.get("ake005", "") not in covered


def compute(rows: Iterable[ParsedRow], covered: ItemCatalogue) -> Figures:
    """The figures of one settlement over ``rows`` (negative rows offset positive ones)."""
    self_paid = fund = not_covered = partly = ZERO
    for row in rows:
        amount = money(row.get("bka058", ""), "bka058")
        share = covered.self_pay_share(row.get("ake005", ""))
        if row.get("bka061") == "1":
            self_paid += amount
        elif share >= 1:
            self_paid += amount
            not_covered += amount
        elif share > 0:
            own = (amount * share).quantize(CENT, rounding=ROUND_HALF_UP)
            self_paid, partly, fund = self_paid + own, partly + own, fund + amount - own
        else:
            fund += amount
    figures = dict.fromkeys(FIGURE_FIELDS, ZERO)
    figures.update(bka831=self_paid, akb067=self_paid, bka832=fund, ake039=fund)
    figures.update(akc264=self_paid + fund, bka825=not_covered, bka826=partly)
    return {k: v.quantize(CENT, rounding=ROUND_HALF_UP) for k, v in figures.items()}


def negate(figures: Figures) -> Figures:
    return {k: ZERO - v for k, v in figures.items()}


def as_wire(figures: Mapping[str, Decimal]) -> dict[str, str]:
    return {k: f"{figures[k]:.2f}" for k in FIGURE_FIELDS}


def from_wire(stored: Mapping[str, str]) -> Figures:
    return {k: Decimal(stored[k]) for k in FIGURE_FIELDS}
