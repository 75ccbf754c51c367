"""The diff of a reconciliation period (pure: data in, items out; no I/O, no clock).

Three sides describe the period's settlements: the HIS view (:class:`Settlement` rows from
``V_WI_SETTLEMENT_DAY``), the platform (businesses of the persons seen in the period, with the
settlement slip's or batch's figures) and syncd's own ledger (:class:`Finding`\\ s: what is
stuck, fee rows never uploaded, 病案首页 overdue, calls concluded with a flagged reply).
:func:`classify` turns them into :class:`ReconItem`\\ s, one per business (matched or not, its
differing figures listed) plus one per ledger finding.

A settlement is identified by (kind, aaz218, bka001): an inpatient settlement has bka001 0,
an outpatient charge its batch number.  Amount figures are compared only where both sides
carry them (the HIS view may carry fewer fund parts than the platform).  An item carries the
*live* figures of each side (none for a side that has no settlement or cancelled it), so the
HIS total minus the platform total is the sum of the items' differences.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

# Settlement figures the reconciliation knows, in report order (spec §8.1).
FIGURES = (
    "akc264",
    "bka831",
    "bka832",
    "ake039",
    "ake035",
    "ake026",
    "ake029",
    "bka841",
    "bka842",
    "bka840",
    "bka821",
    "akb067",
    "akb066",
    "bka839",
)
FIGURE_NAMES = {
    "akc264": "医疗总费用",
    "bka831": "个人自付",
    "bka832": "工伤保险支付",
    "ake039": "工伤统筹基金",
    "ake035": "公务员补助",
    "ake026": "企业补充工伤",
    "ake029": "大额补助",
    "bka841": "单位支付",
    "bka842": "医院垫付",
    "bka840": "其他基金",
    "bka821": "民政救助",
    "akb067": "个人现金",
    "akb066": "个人账户",
    "bka839": "其他支付",
}


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
    REPLY_FLAGGED = "REPLY_FLAGGED"
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
    ItemClass.HIS_ONLY: (
        "医院有、平台无（医院单边账）",
        "核实该笔结算是否已在平台办理：未办理的补办结算或在 HIS 作废该结算",
    ),
    ItemClass.PLATFORM_ONLY: (
        "平台有、医院无（平台单边账）",
        "核实 HIS 是否漏记：补记 HIS 结算，或在平台取消该笔结算/退费",
    ),
    ItemClass.AMOUNT_DIFF: (
        "金额不一致",
        "以平台结算单为准核对 HIS 结算金额，必要时取消结算后重新结算",
    ),
    ItemClass.CANCELLED_HIS_ONLY: (
        "仅医院已取消/退费",
        "平台仍为已结算：在平台办理取消结算或退费，或恢复 HIS 结算",
    ),
    ItemClass.CANCELLED_PLATFORM_ONLY: (
        "仅平台已取消/退费",
        "HIS 仍为已结算：在 HIS 作废该结算，或在平台重新结算",
    ),
    ItemClass.STUCK: (
        "syncd 中未完成（结果未知/失败/发送超时）",
        "查看 syncd status：结果未知的由 syncd 查询平台后处理，失败的修正后 syncd retry",
    ),
    ItemClass.FEES_NOT_UPLOADED: (
        "已结算就诊的费用明细未上传",
        "这些费用未进入平台结算：核实后取消结算、补传费用再结算",
    ),
    ItemClass.RECORD_OVERDUE: (
        "出院后病案首页逾期未上传",
        "检查病案首页视图数据是否完整，查看 syncd status 中病案首页的错误",
    ),
    ItemClass.REPLY_FLAGGED: (
        "平台应答已标记（金额恒等式不成立等，已照平台返回办结）",
        "以平台结算单为准核对该笔结算的各项金额；差额属平台舍入时可调大 platform.figure_tolerance",
    ),
    ItemClass.MATCHED: ("一致", ""),
}


@dataclass(frozen=True)
class InsuredPerson:
    """Who a business belongs to (masked in reports unless configured otherwise)."""

    aac001: str = ""
    aac002: str = ""  # 社会保障号码 (ID number)
    aac003: str = ""  # 姓名

    @property
    def complete(self) -> bool:
        return bool(self.aac002 and self.aac003)

    def merged(self, other: InsuredPerson) -> InsuredPerson:
        """This person's values, the gaps filled from ``other``."""
        return InsuredPerson(
            self.aac001 or other.aac001, self.aac002 or other.aac002, self.aac003 or other.aac003
        )


@dataclass(frozen=True)
class Settlement:
    """One settlement as one side sees it."""

    kind: str  # OUTPATIENT / INPATIENT
    aaz218: str
    bka001: int = 0
    visit_key: str = ""
    cancelled: bool = False
    figures: Mapping[str, Decimal] = field(default_factory=dict)
    person: InsuredPerson = InsuredPerson()
    settled_at: datetime | date | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        """(kind, aaz218, batch); a HIS row whose aaz218 nobody knows stands for its visit."""
        return (self.kind, self.aaz218 or f"visit:{self.visit_key}", self.bka001)

    @property
    def settled_on(self) -> date | None:
        at = self.settled_at
        return at.date() if isinstance(at, datetime) else at

    @property
    def live_figures(self) -> Mapping[str, Decimal]:
        return {} if self.cancelled else self.figures


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
class ReconItem:
    """One line of a reconciliation: a business (with each side's live figures) or a finding."""

    item_class: ItemClass
    kind: str = ""
    aaz218: str = ""
    bka001: int = 0
    visit_key: str = ""
    detail: str = ""
    person: InsuredPerson = InsuredPerson()
    settled_on: date | None = None
    his: Mapping[str, Decimal] = field(default_factory=dict)
    platform: Mapping[str, Decimal] = field(default_factory=dict)
    differences: tuple[str, ...] = ()  # the figures that differ (AMOUNT_DIFF)
    feed: str = ""  # ledger findings: the feed or command concerned
    count: int = 0  # FEES_NOT_UPLOADED: rows not uploaded

    @property
    def action(self) -> str:
        return self.item_class.action_zh

    def difference(self, figure: str = "akc264") -> Decimal:
        """HIS minus platform for ``figure`` (a side without it counts 0)."""
        zero = Decimal("0.00")
        return self.his.get(figure, zero) - self.platform.get(figure, zero)


def classify(
    his: Sequence[Settlement], platform: Sequence[Settlement], findings: Iterable[Finding]
) -> list[ReconItem]:
    """Every business of either side, then the ledger findings, as items."""
    his_by_key = merge(his)
    platform_by_key = merge(platform)
    items = [
        item
        for key in sorted(his_by_key.keys() | platform_by_key.keys())
        if (item := compare(his_by_key.get(key), platform_by_key.get(key))) is not None
    ]
    return items + [_finding_item(f) for f in findings]


def merge(rows: Sequence[Settlement]) -> dict[tuple[str, str, int], Settlement]:
    """One settlement per key: a live one wins over cancelled ones (settled, cancelled,
    settled again on the same day is one live settlement)."""
    out: dict[tuple[str, str, int], Settlement] = {}
    for row in rows:
        known = out.get(row.key)
        if known is None or (known.cancelled and not row.cancelled):
            out[row.key] = row
    return out


def compare(his: Settlement | None, platform: Settlement | None) -> ReconItem | None:
    """The item of one business seen by the HIS, the platform, or both (None: nothing to
    say, a settlement only one side saw and that side cancelled)."""
    if his is None or platform is None:
        only = his or platform
        if only is None or only.cancelled:
            return None
        cls = ItemClass.HIS_ONLY if his is not None else ItemClass.PLATFORM_ONLY
        return _item(cls, his, platform)
    if his.cancelled != platform.cancelled:
        cls = ItemClass.CANCELLED_HIS_ONLY if his.cancelled else ItemClass.CANCELLED_PLATFORM_ONLY
        return _item(cls, his, platform)
    if his.cancelled:
        return _item(ItemClass.MATCHED, his, platform, detail="双方均已取消")
    diffs = figure_differences(his.figures, platform.figures)
    if not diffs:
        return _item(ItemClass.MATCHED, his, platform)
    detail = "；".join(difference_text(name, h, p) for name, h, p in diffs)
    return _item(ItemClass.AMOUNT_DIFF, his, platform, tuple(n for n, _, _ in diffs), detail)


def figure_differences(
    his: Mapping[str, Decimal], platform: Mapping[str, Decimal]
) -> list[tuple[str, Decimal, Decimal]]:
    """(figure, HIS value, platform value) of every figure both sides carry that differs."""
    return [
        (name, his[name], platform[name])
        for name in FIGURES
        if name in his and name in platform and his[name] != platform[name]
    ]


def difference_text(name: str, his: Decimal, platform: Decimal) -> str:
    return f"{FIGURE_NAMES[name]}（{name}）相差 {his - platform:+.2f}"


def _item(
    cls: ItemClass,
    his: Settlement | None,
    platform: Settlement | None,
    differences: tuple[str, ...] = (),
    detail: str = "",
) -> ReconItem:
    first = his or platform
    assert first is not None
    second = platform or first
    return ReconItem(
        item_class=cls,
        kind=first.kind,
        aaz218=first.aaz218 or second.aaz218,
        bka001=first.bka001,
        visit_key=first.visit_key or second.visit_key,
        detail=detail or _describe(his, platform),
        person=first.person.merged(second.person),
        settled_on=first.settled_on or second.settled_on,
        his=dict(his.live_figures) if his else {},
        platform=dict(platform.live_figures) if platform else {},
        differences=differences,
    )


def _describe(his: Settlement | None, platform: Settlement | None) -> str:
    s = his or platform
    assert s is not None
    kind = "门诊" if s.kind == "OUTPATIENT" else "住院"
    batch = f"第{s.bka001}批次" if s.kind == "OUTPATIENT" else "出院结算"
    cancelled = [side for side, x in (("医院", his), ("平台", platform)) if x and x.cancelled]
    state = f"（{'、'.join(cancelled)}已取消/退费）" if cancelled else ""
    unknown = "" if s.aaz218 else "；HIS 与 syncd 台账均无就医登记号，未经 syncd 办理"
    return f"{kind}{batch}{state}{unknown}"


def _finding_item(finding: Finding) -> ReconItem:
    return ReconItem(
        item_class=finding.item_class,
        aaz218=finding.aaz218,
        visit_key=finding.visit_key,
        feed=finding.feed,
        detail=finding.detail,
        count=finding.count,
    )


def with_persons(items: Iterable[ReconItem], known: Mapping[str, InsuredPerson]) -> list[ReconItem]:
    """Items whose person has gaps, filled from ``known`` (by 电脑号 aac001)."""
    out = []
    for item in items:
        found = known.get(item.person.aac001)
        if found is not None and not item.person.complete:
            item = replace(item, person=item.person.merged(found))
        out.append(item)
    return out


def persons_of(rows: Iterable[Settlement]) -> dict[str, InsuredPerson]:
    """aac001 → what the settlements tell of that person, gaps filled across them."""
    known: dict[str, InsuredPerson] = {}
    for row in rows:
        if row.person.aac001:
            known[row.person.aac001] = known.get(row.person.aac001, InsuredPerson()).merged(
                row.person
            )
    return known
