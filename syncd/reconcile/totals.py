"""The headline numbers of a reconciliation (pure): count and per-fund sums of the live
settlements of each side, overall, per kind (门诊 / 住院) and per day, and items per class.

Only live settlements count (one per business, see :func:`~.classify.merge`); a figure is
summed over the settlements that carry it, so a fund part the HIS view does not carry has no
HIS total at all (rather than a misleading 0.00).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from syncd.reconcile.classify import FIGURES, ItemClass, ReconItem, Settlement, merge

ZERO = Decimal("0.00")
KINDS = ("OUTPATIENT", "INPATIENT")
KIND_ZH = {"OUTPATIENT": "门诊", "INPATIENT": "住院"}


@dataclass(frozen=True)
class Side:
    """Live settlements of one side: how many, and the sum of each figure they carry."""

    count: int = 0
    figures: Mapping[str, Decimal] = field(default_factory=dict)
    carried: Mapping[str, int] = field(default_factory=dict)  # settlements with the figure

    @property
    def total(self) -> Decimal:
        """医疗总费用 akc264."""
        return self.figures.get("akc264", ZERO)

    def partial(self, name: str) -> bool:
        """The sum of ``name`` leaves out settlements that do not carry it."""
        return name in self.figures and self.carried.get(name, 0) < self.count


@dataclass(frozen=True)
class Pair:
    """The HIS side and the platform side of the same settlements."""

    his: Side = Side()
    platform: Side = Side()

    @property
    def difference(self) -> Decimal:
        """HIS minus platform, 医疗总费用 akc264."""
        return self.his.total - self.platform.total


@dataclass(frozen=True)
class Totals:
    overall: Pair
    by_kind: Mapping[str, Pair]
    by_day: Mapping[date | None, Pair]
    by_class: Mapping[ItemClass, int]

    @property
    def his_count(self) -> int:
        return self.overall.his.count

    @property
    def platform_count(self) -> int:
        return self.overall.platform.count

    @property
    def his_total(self) -> Decimal:
        return self.overall.his.total

    @property
    def platform_total(self) -> Decimal:
        return self.overall.platform.total

    @property
    def difference(self) -> Decimal:
        return self.overall.difference

    @property
    def discrepancies(self) -> int:
        return sum(n for c, n in self.by_class.items() if c.is_discrepancy)

    def figures(self) -> list[str]:
        """The figures of the report's columns: the three every settlement has, then every
        other fund part either side carries, in :data:`~.classify.FIGURES` order."""
        carried = self.overall.his.figures.keys() | self.overall.platform.figures.keys()
        return [n for n in FIGURES if n in ("akc264", "bka831", "bka832") or n in carried]


def side(rows: Iterable[Settlement]) -> Side:
    count, sums, carried = 0, dict[str, Decimal](), dict[str, int]()
    for row in rows:
        count += 1
        for name, value in row.figures.items():
            sums[name] = sums.get(name, ZERO) + value
            carried[name] = carried.get(name, 0) + 1
    return Side(count, {n: sums[n] for n in FIGURES if n in sums}, carried)


def totals(
    his: Sequence[Settlement], platform: Sequence[Settlement], items: Sequence[ReconItem]
) -> Totals:
    """Counts and sums of the live settlements on each side, and the items per class."""
    live_his = [s for s in merge(his).values() if not s.cancelled]
    live_platform = [s for s in merge(platform).values() if not s.cancelled]
    by_class = dict.fromkeys(ItemClass, 0)
    for item in items:
        by_class[item.item_class] += 1
    kinds = [*KINDS, *sorted({s.kind for s in live_his + live_platform} - set(KINDS))]
    days = sorted({s.settled_on for s in live_his + live_platform}, key=lambda d: d or date.min)
    return Totals(
        overall=Pair(side(live_his), side(live_platform)),
        by_kind={k: _pair(live_his, live_platform, "kind", k) for k in kinds},
        by_day={d: _pair(live_his, live_platform, "settled_on", d) for d in days},
        by_class=by_class,
    )


def _pair(his: list[Settlement], platform: list[Settlement], attribute: str, value: object) -> Pair:
    """The pair of the settlements whose ``attribute`` is ``value``."""
    return Pair(
        side(s for s in his if getattr(s, attribute) == value),
        side(s for s in platform if getattr(s, attribute) == value),
    )
