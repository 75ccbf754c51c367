"""The diff of one reconciliation day (pure: data in, items out; no I/O, no clock).

Three sides describe the day's settlements: the HIS view (:class:`Settlement` rows from
``V_WI_SETTLEMENT_DAY``), the platform (businesses of the persons seen that day, with the
settlement slip's or batch's figures) and syncd's own ledger (:class:`LedgerFacts`: what is
stuck, fee rows never uploaded, 病案首页 overdue).  :func:`classify` turns them into
:class:`Item`\\ s, one per business (matched or not) plus one per ledger finding.

A settlement is identified by (kind, aaz218, bka001): an inpatient settlement has bka001 0,
an outpatient charge its batch number.  Amount figures are compared only where both sides
carry them (the HIS view may carry fewer fund parts than the platform).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

# Settlement figures the reconciliation knows, in report order (spec §8.1).
FIGURES = ("akc264", "bka831", "bka832", "ake039", "ake035", "ake026", "ake029",
           "bka841", "bka842", "bka840", "bka821", "akb067", "akb066", "bka839")  # fmt: skip
FIGURE_NAMES = {
    "akc264": "医疗总费用", "bka831": "个人自付", "bka832": "工伤保险支付",
    "ake039": "工伤统筹基金", "ake035": "公务员补助", "ake026": "企业补充工伤",
    "ake029": "大额补助", "bka841": "单位支付", "bka842": "医院垫付", "bka840": "其他基金",
    "bka821": "民政救助", "akb067": "个人现金", "akb066": "个人账户", "bka839": "其他支付",
}  # fmt: skip


class ItemClass(enum.StrEnum):
    """What one reconciliation item is; the order is the report's order."""

    HIS_ONLY = "HIS_ONLY"
    PLATFORM_ONLY = "PLATFORM_ONLY"
    AMOUNT_DIFF = "AMOUNT_DIFF"
    CANCELLED_HIS_ONLY = "CANCELLED_HIS_ONLY"
    CANCELLED_PLATFORM_ONLY = "CANCELLED_PLATFORM_ONLY"
    STUCK = "STUCK"
    FEES_NOT_UPLOADED = "FEES_NOT_UPLOADED"
    RECORD_OVERDUE = "RECORD_OVERDUE"
    MATCHED = "MATCHED"

    @property
    def title_zh(self) -> str:
        return _TITLES[self][0]

    @property
    def action_zh(self) -> str:
        return _TITLES[self][1]

    @property
    def is_discrepancy(self) -> bool:
        return self is not ItemClass.MATCHED


_TITLES = {
    ItemClass.HIS_ONLY: ("医院有、平台无（医院单边账）",
                         "核实该笔结算是否已在平台办理：未办理的补办结算或在 HIS 作废该结算"),
    ItemClass.PLATFORM_ONLY: ("平台有、医院无（平台单边账）",
                              "核实 HIS 是否漏记：补记 HIS 结算，或在平台取消该笔结算/退费"),
    ItemClass.AMOUNT_DIFF: ("金额不一致",
                            "以平台结算单为准核对 HIS 结算金额，必要时取消结算后重新结算"),
    ItemClass.CANCELLED_HIS_ONLY: ("仅医院已取消/退费",
                                   "平台仍为已结算：在平台办理取消结算或退费，或恢复 HIS 结算"),
    ItemClass.CANCELLED_PLATFORM_ONLY: ("仅平台已取消/退费",
                                        "HIS 仍为已结算：在 HIS 作废该结算，或在平台重新结算"),
    ItemClass.STUCK: ("syncd 中未完成（结果未知/失败/发送超时）",
                      "查看 syncd status：结果未知的由 syncd 查询平台后处理，"
                      "失败的修正后 syncd retry"),
    ItemClass.FEES_NOT_UPLOADED: ("已结算就诊的费用明细未上传",
                                  "这些费用未进入平台结算：核实后取消结算、补传费用再结算"),
    ItemClass.RECORD_OVERDUE: ("出院后病案首页逾期未上传",
                               "检查病案首页视图数据是否完整，查看 syncd status 中病案首页的错误"),
    ItemClass.MATCHED: ("一致", ""),
}  # fmt: skip


@dataclass(frozen=True)
class Person:
    """Who a business belongs to (masked in reports unless configured otherwise)."""

    aac001: str = ""
    aac002: str = ""  # 社会保障号码 (ID number)
    aac003: str = ""  # 姓名


@dataclass(frozen=True)
class Settlement:
    """One settlement as one side sees it."""

    kind: str  # OUTPATIENT / INPATIENT
    aaz218: str
    bka001: int = 0
    visit_key: str = ""
    cancelled: bool = False
    figures: Mapping[str, Decimal] = field(default_factory=dict)
    person: Person = Person()
    settled_at: datetime | date | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        """(kind, aaz218, batch); a HIS row whose aaz218 nobody knows stands for its visit."""
        return (self.kind, self.aaz218 or f"visit:{self.visit_key}", self.bka001)


@dataclass(frozen=True)
class Finding:
    """A ledger finding: one stuck row, unsent fee rows of a visit, an overdue 病案首页."""

    item_class: ItemClass
    visit_key: str = ""
    aaz218: str = ""
    feed: str = ""
    detail: str = ""
    count: int = 0


@dataclass(frozen=True)
class Item:
    """One line of a reconciliation run (stored in ``recon_item``)."""

    item_class: ItemClass
    kind: str = ""
    aaz218: str = ""
    bka001: int = 0
    visit_key: str = ""
    figure: str = ""
    his_value: str = ""
    platform_value: str = ""
    detail: str = ""
    person: Person = Person()

    @property
    def action(self) -> str:
        return self.item_class.action_zh


@dataclass(frozen=True)
class Totals:
    """The day's headline numbers (live settlements only)."""

    his_count: int
    platform_count: int
    his_total: Decimal
    platform_total: Decimal
    by_class: Mapping[ItemClass, int]

    @property
    def discrepancies(self) -> int:
        return sum(n for c, n in self.by_class.items() if c.is_discrepancy)


def classify(
    his: Sequence[Settlement], platform: Sequence[Settlement], findings: Iterable[Finding]
) -> list[Item]:
    """Every business of either side, then the ledger findings, as items."""
    his_by_key = _merge(his)
    platform_by_key = _merge(platform)
    items: list[Item] = []
    for key in sorted(his_by_key.keys() | platform_by_key.keys()):
        items += compare(his_by_key.get(key), platform_by_key.get(key))
    items += [_finding_item(f) for f in findings]
    return items


def _merge(rows: Sequence[Settlement]) -> dict[tuple[str, str, int], Settlement]:
    """One settlement per key: a live one wins over cancelled ones (settled, cancelled,
    settled again on the same day is one live settlement)."""
    out: dict[tuple[str, str, int], Settlement] = {}
    for row in rows:
        known = out.get(row.key)
        if known is None or (known.cancelled and not row.cancelled):
            out[row.key] = row
    return out


def compare(his: Settlement | None, platform: Settlement | None) -> list[Item]:
    """The items of one business seen by the HIS, the platform, or both."""
    if his is None and platform is None:
        return []
    if his is None:
        assert platform is not None
        return [] if platform.cancelled else [_item(ItemClass.PLATFORM_ONLY, platform)]
    if platform is None:
        return [] if his.cancelled else [_item(ItemClass.HIS_ONLY, his)]
    if his.cancelled != platform.cancelled:
        cls = ItemClass.CANCELLED_HIS_ONLY if his.cancelled else ItemClass.CANCELLED_PLATFORM_ONLY
        return [_item(cls, his, platform)]
    if his.cancelled:
        return [_item(ItemClass.MATCHED, his, platform, "双方均已取消")]
    diffs = figure_differences(his.figures, platform.figures)
    if not diffs:
        return [_item(ItemClass.MATCHED, his, platform)]
    return [_amount_item(his, platform, name, h, p) for name, h, p in diffs]


def figure_differences(
    his: Mapping[str, Decimal], platform: Mapping[str, Decimal]
) -> list[tuple[str, Decimal, Decimal]]:
    """(figure, HIS value, platform value) of every figure both sides carry that differs."""
    return [
        (name, his[name], platform[name])
        for name in FIGURES
        if name in his and name in platform and his[name] != platform[name]
    ]


def _item(
    cls: ItemClass, his: Settlement, platform: Settlement | None = None, detail: str = ""
) -> Item:
    both = platform or his
    return Item(
        item_class=cls, kind=his.kind, aaz218=his.aaz218, bka001=his.bka001,
        visit_key=his.visit_key or both.visit_key, detail=detail or _describe(his),
        person=_person(his.person, both.person),
    )  # fmt: skip


def _amount_item(his: Settlement, platform: Settlement, name: str, h: Decimal, p: Decimal) -> Item:
    return Item(
        item_class=ItemClass.AMOUNT_DIFF, kind=his.kind, aaz218=his.aaz218, bka001=his.bka001,
        visit_key=his.visit_key or platform.visit_key, figure=name,
        his_value=f"{h:.2f}", platform_value=f"{p:.2f}",
        detail=f"{FIGURE_NAMES[name]}（{name}）相差 {h - p:+.2f}",
        person=_person(his.person, platform.person),
    )  # fmt: skip


def _person(first: Person, second: Person) -> Person:
    return Person(
        aac001=first.aac001 or second.aac001,
        aac002=first.aac002 or second.aac002,
        aac003=first.aac003 or second.aac003,
    )


def _describe(s: Settlement) -> str:
    kind = "门诊" if s.kind == "OUTPATIENT" else "住院"
    batch = f"第{s.bka001}批次" if s.kind == "OUTPATIENT" else "出院结算"
    total = s.figures.get("akc264")
    amount = f"，总费用 {total:.2f}" if total is not None else ""
    state = "（已取消）" if s.cancelled else ""
    unknown = "" if s.aaz218 else "；HIS 与 syncd 台账均无就医登记号，未经 syncd 办理"
    return f"{kind}{batch}{amount}{state}{unknown}"


def _finding_item(finding: Finding) -> Item:
    return Item(
        item_class=finding.item_class, aaz218=finding.aaz218, visit_key=finding.visit_key,
        figure=finding.feed, detail=finding.detail,
        his_value=str(finding.count) if finding.count else "",
    )  # fmt: skip


def totals(
    his: Sequence[Settlement], platform: Sequence[Settlement], items: Sequence[Item]
) -> Totals:
    """Counts and sums of the live settlements on each side, and the items per class."""
    live_his = [s for s in _merge(his).values() if not s.cancelled]
    live_platform = [s for s in _merge(platform).values() if not s.cancelled]
    by_class = {cls: 0 for cls in ItemClass}
    for item in items:
        by_class[item.item_class] += 1
    return Totals(
        his_count=len(live_his), platform_count=len(live_platform),
        his_total=_sum(live_his), platform_total=_sum(live_platform), by_class=by_class,
    )  # fmt: skip


def _sum(rows: Iterable[Settlement]) -> Decimal:
    return sum((s.figures.get("akc264", Decimal("0")) for s in rows), Decimal("0.00"))
