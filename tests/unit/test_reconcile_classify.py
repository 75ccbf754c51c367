"""The pure diff of a reconciliation day: one item per business, per differing figure."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from syncd.reconcile.classify import (
    Finding,
    ItemClass,
    Person,
    Settlement,
    classify,
    compare,
    figure_differences,
    totals,
)

D = Decimal


def _s(aaz218: str = "Z1", *, cancelled: bool = False, kind: str = "INPATIENT", batch: int = 0,
       **figures: str) -> Settlement:  # fmt: skip
    return Settlement(kind, aaz218, batch, visit_key="V-" + aaz218, cancelled=cancelled,
                      figures={k: D(v) for k, v in figures.items()})  # fmt: skip


def _classes(his: list[Settlement], platform: list[Settlement]) -> list[str]:
    return [i.item_class.value for i in classify(his, platform, [])]


def test_same_figures_on_both_sides_match() -> None:
    assert _classes([_s(akc264="10.00")], [_s(akc264="10.00")]) == ["MATCHED"]


def test_a_live_settlement_on_one_side_only_is_that_sides_single_entry() -> None:
    assert _classes([_s()], []) == ["HIS_ONLY"]
    assert _classes([], [_s()]) == ["PLATFORM_ONLY"]


def test_a_cancelled_settlement_seen_by_one_side_only_is_not_a_discrepancy() -> None:
    assert _classes([_s(cancelled=True)], []) == []
    assert _classes([], [_s(cancelled=True)]) == []


def test_cancelled_on_both_sides_matches_and_on_one_side_is_reported() -> None:
    both = classify([_s(cancelled=True)], [_s(cancelled=True)], [])
    assert [(i.item_class, i.detail) for i in both] == [(ItemClass.MATCHED, "双方均已取消")]
    assert _classes([_s(cancelled=True)], [_s()]) == ["CANCELLED_HIS_ONLY"]
    assert _classes([_s()], [_s(cancelled=True)]) == ["CANCELLED_PLATFORM_ONLY"]


def test_each_differing_figure_is_one_item_with_both_values() -> None:
    items = classify([_s(akc264="12.00", bka831="2.00", bka832="10.00")],
                     [_s(akc264="12.50", bka831="2.50", bka832="10.00")], [])  # fmt: skip
    got = [(i.item_class, i.figure, i.his_value, i.platform_value) for i in items]
    assert got == [(ItemClass.AMOUNT_DIFF, "akc264", "12.00", "12.50"),
                   (ItemClass.AMOUNT_DIFF, "bka831", "2.00", "2.50")]  # fmt: skip
    assert "-0.50" in items[0].detail and "医疗总费用" in items[0].detail


def test_only_figures_both_sides_carry_are_compared() -> None:
    assert figure_differences({"akc264": D("1"), "ake039": D("1")}, {"akc264": D("1")}) == []


def test_outpatient_batches_of_one_visit_are_separate_businesses() -> None:
    his = [_s("M1", kind="OUTPATIENT", batch=1, akc264="5"),
           _s("M1", kind="OUTPATIENT", batch=2, akc264="6")]  # fmt: skip
    platform = [_s("M1", kind="OUTPATIENT", batch=2, akc264="6")]
    items = classify(his, platform, [])
    assert [(i.item_class.value, i.bka001) for i in items] == [("HIS_ONLY", 1), ("MATCHED", 2)]


def test_a_settlement_cancelled_and_settled_again_counts_as_the_live_one() -> None:
    his = [_s(cancelled=True, akc264="9.00"), _s(akc264="10.00")]
    assert _classes(his, [_s(akc264="10.00")]) == ["MATCHED"]


def test_findings_become_items_after_the_businesses() -> None:
    finding = Finding(ItemClass.STUCK, visit_key="ZY8", feed="ip_settle", detail="结果未知")
    items = classify([_s()], [], [finding])
    assert [i.item_class for i in items] == [ItemClass.HIS_ONLY, ItemClass.STUCK]
    assert items[1].figure == "ip_settle" and items[1].action


def test_person_details_are_taken_from_whichever_side_has_them() -> None:
    his = Settlement("INPATIENT", "Z1", person=Person(aac001="1001"))
    platform = Settlement("INPATIENT", "Z1", person=Person("1001", "440106", "张三"))
    (item,) = compare(his, platform)
    assert item.person == Person("1001", "440106", "张三")


def test_totals_count_and_sum_live_settlements_and_items_per_class() -> None:
    his = [_s("A", akc264="10.00"), _s("B", akc264="5.00"), _s("C", cancelled=True, akc264="7")]
    platform = [_s("A", akc264="10.00")]
    items = classify(his, platform, [])
    t = totals(his, platform, items)
    assert (t.his_count, t.platform_count) == (2, 1)
    assert (t.his_total, t.platform_total) == (D("15.00"), D("10.00"))
    assert t.by_class[ItemClass.HIS_ONLY] == 1 and t.discrepancies == 1


_KEYS = st.sampled_from(["A", "B", "C", "D"])
_SIDE = st.lists(st.builds(lambda k, c, a: _s(k, cancelled=c, akc264=str(a)), _KEYS,
                           st.booleans(), st.integers(0, 3)), max_size=6)  # fmt: skip


@given(_SIDE, _SIDE)
def test_every_key_live_on_a_side_gets_items_and_no_key_appears_twice_unless_amounts(
    his: list[Settlement], platform: list[Settlement]
) -> None:
    items = classify(his, platform, [])
    live = {s.aaz218 for s in [*his, *platform] if not s.cancelled}
    seen = {i.aaz218 for i in items}
    assert live <= seen <= {s.aaz218 for s in [*his, *platform]}
    for key in seen:
        mine = [i for i in items if i.aaz218 == key]
        assert len(mine) == 1 or all(i.item_class is ItemClass.AMOUNT_DIFF for i in mine)


def test_his_rows_nobody_knows_the_aaz218_of_stay_apart_per_visit() -> None:
    his = [
        Settlement("INPATIENT", "", visit_key="ZY1"),
        Settlement("INPATIENT", "", visit_key="ZY2"),
    ]
    items = classify(his, [], [])
    assert [(i.item_class, i.visit_key) for i in items] == [
        (ItemClass.HIS_ONLY, "ZY1"), (ItemClass.HIS_ONLY, "ZY2")]  # fmt: skip
    assert "无就医登记号" in items[0].detail
