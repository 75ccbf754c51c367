"""The pure diff of a reconciliation period: one item per business (its differing figures
listed, each side's live figures carried), the totals per side, kind and day."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from syncd.reconcile.classify import (
    Finding,
    InsuredPerson,
    ItemClass,
    ReconItem,
    Settlement,
    classify,
    compare,
    figure_differences,
    persons_of,
    with_persons,
)
from syncd.reconcile.period import Period, is_month_end
from syncd.reconcile.totals import totals

D = Decimal


def _s(
    aaz218: str = "Z1",
    *,
    cancelled: bool = False,
    kind: str = "INPATIENT",
    batch: int = 0,
    on: date | None = None,
    **figures: str,
) -> Settlement:
    return Settlement(
        kind,
        aaz218,
        batch,
        visit_key="V-" + aaz218,
        cancelled=cancelled,
        figures={k: D(v) for k, v in figures.items()},
        settled_at=on,
    )


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


def test_a_business_whose_figures_differ_is_one_item_naming_each_difference() -> None:
    items = classify(
        [_s(akc264="12.00", bka831="2.00", bka832="10.00")],
        [_s(akc264="12.50", bka831="2.50", bka832="10.00")],
        [],
    )
    (item,) = items
    assert (item.item_class, item.differences) == (ItemClass.AMOUNT_DIFF, ("akc264", "bka831"))
    assert item.his == {"akc264": D("12.00"), "bka831": D("2.00"), "bka832": D("10.00")}
    assert item.platform["akc264"] == D("12.50") and item.difference() == D("-0.50")
    assert item.detail == "医疗总费用（akc264）相差 -0.50；个人自付（bka831）相差 -0.50"


def test_matched_items_carry_both_sides_figures_and_a_cancelled_side_carries_none() -> None:
    (matched,) = classify([_s(akc264="10.00")], [_s(akc264="10.00")], [])
    assert matched.his == matched.platform == {"akc264": D("10.00")}
    (cancelled,) = classify([_s(cancelled=True, akc264="9.00")], [_s(akc264="9.00")], [])
    assert cancelled.his == {} and cancelled.platform == {"akc264": D("9.00")}
    assert cancelled.difference() == D("-9.00") and "医院已取消" in cancelled.detail


def test_only_figures_both_sides_carry_are_compared() -> None:
    assert figure_differences({"akc264": D("1"), "ake039": D("1")}, {"akc264": D("1")}) == []


def test_outpatient_batches_of_one_visit_are_separate_businesses() -> None:
    his = [
        _s("M1", kind="OUTPATIENT", batch=1, akc264="5"),
        _s("M1", kind="OUTPATIENT", batch=2, akc264="6"),
    ]
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
    assert items[1].feed == "ip_settle" and items[1].action and items[1].his == {}


def test_person_details_are_taken_from_whichever_side_has_them() -> None:
    his = Settlement("INPATIENT", "Z1", person=InsuredPerson(aac001="1001"))
    platform = Settlement("INPATIENT", "Z1", person=InsuredPerson("1001", "440106", "张三"))
    item = compare(his, platform)
    assert item is not None and item.person == InsuredPerson("1001", "440106", "张三")


def test_a_persons_gaps_are_filled_from_their_other_settlements() -> None:
    named = Settlement("INPATIENT", "Z1", person=InsuredPerson("1001", "440106", "张三"))
    bare = Settlement("OUTPATIENT", "M1", 1, person=InsuredPerson("1001"))
    known = persons_of([bare, named])
    assert known == {"1001": InsuredPerson("1001", "440106", "张三")}
    items = with_persons(
        [
            ReconItem(ItemClass.HIS_ONLY, person=InsuredPerson("1001")),
            ReconItem(ItemClass.HIS_ONLY, person=InsuredPerson("1002")),
        ],
        known,
    )
    assert [i.person for i in items] == [
        InsuredPerson("1001", "440106", "张三"),
        InsuredPerson("1002"),
    ]


def test_totals_count_and_sum_live_settlements_and_items_per_class() -> None:
    his = [_s("A", akc264="10.00"), _s("B", akc264="5.00"), _s("C", cancelled=True, akc264="7")]
    platform = [_s("A", akc264="10.00")]
    items = classify(his, platform, [])
    t = totals(his, platform, items)
    assert (t.his_count, t.platform_count) == (2, 1)
    assert (t.his_total, t.platform_total, t.difference) == (D("15.00"), D("10.00"), D("5.00"))
    assert t.by_class[ItemClass.HIS_ONLY] == 1 and t.discrepancies == 1


def test_totals_per_fund_kind_and_day_and_a_fund_part_only_some_carry_is_partial() -> None:
    d1, d2 = date(2026, 11, 2), date(2026, 11, 3)
    his = [
        _s("A", on=d1, akc264="10.00", bka832="8.00", ake039="8.00"),
        _s("M", kind="OUTPATIENT", batch=1, on=d2, akc264="3.00", bka832="3.00", ake039="3.00"),
    ]
    platform = [
        _s("A", on=d1, akc264="10.00", bka832="8.00", ake039="8.00"),
        _s("M", kind="OUTPATIENT", batch=1, on=d2, akc264="3.00", bka832="3.00"),
    ]
    t = totals(his, platform, classify(his, platform, []))
    assert t.overall.his.figures == {
        "akc264": D("13.00"),
        "bka832": D("11.00"),
        "ake039": D("11.00"),
    }
    assert t.by_kind["OUTPATIENT"].platform.figures == {"akc264": D("3.00"), "bka832": D("3.00")}
    assert t.by_kind["INPATIENT"].his.count == 1 and list(t.by_day) == [d1, d2]
    assert t.by_day[d2].his.total == D("3.00")
    assert t.overall.platform.partial("ake039") and not t.overall.his.partial("ake039")
    assert t.figures() == ["akc264", "bka831", "bka832", "ake039"]


def test_periods_of_a_day_and_of_a_month() -> None:
    day, month = Period.day(date(2026, 11, 25)), Period.month(2026, 2)
    assert (day.label, month.label, month.last) == ("2026-11-25", "2026-02", date(2026, 2, 28))
    assert month.bounds() == (datetime(2026, 2, 1), datetime(2026, 3, 1))
    assert len(month.days()) == 28 and datetime(2026, 2, 28, 23, 59) in month
    assert date(2026, 3, 1) not in month and "至" in month.label_zh
    assert is_month_end(date(2026, 11, 30)) and not is_month_end(date(2026, 11, 29))


_KEYS = st.sampled_from(["A", "B", "C", "D"])
_SIDE = st.lists(
    st.builds(
        lambda k, c, a: _s(k, cancelled=c, akc264=str(a)), _KEYS, st.booleans(), st.integers(0, 3)
    ),
    max_size=6,
)


@given(_SIDE, _SIDE)
def test_every_key_live_on_a_side_gets_one_item_and_the_differences_add_up_to_the_totals(
    his: list[Settlement], platform: list[Settlement]
) -> None:
    items = classify(his, platform, [])
    live = {s.aaz218 for s in [*his, *platform] if not s.cancelled}
    seen = [i.aaz218 for i in items]
    assert live <= set(seen) <= {s.aaz218 for s in [*his, *platform]}
    assert len(seen) == len(set(seen))
    t = totals(his, platform, items)
    assert sum((i.difference() for i in items), D("0")) == t.his_total - t.platform_total


def test_his_rows_nobody_knows_the_aaz218_of_stay_apart_per_visit() -> None:
    his = [
        Settlement("INPATIENT", "", visit_key="ZY1"),
        Settlement("INPATIENT", "", visit_key="ZY2"),
    ]
    items = classify(his, [], [])
    assert [(i.item_class, i.visit_key) for i in items] == [
        (ItemClass.HIS_ONLY, "ZY1"),
        (ItemClass.HIS_ONLY, "ZY2"),
    ]
    assert "无就医登记号" in items[0].detail
