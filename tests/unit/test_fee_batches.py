"""How a visit's pending fee rows are cut into calls (syncd.rules.fee_batches): in upload order,
at most the row limit each, and none that sums to 0 unless it holds only 0.00 items."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from syncd.rules.fee_batches import all_zero, compose, cuts, zero_call_waits


def amounts(*texts: str) -> list[Decimal]:
    return [Decimal(t) for t in texts]


def sums(values: list[Decimal], found: list[tuple[int, int]]) -> list[Decimal]:
    return [sum(values[a:b], Decimal(0)) for a, b in found]


def test_a_charge_and_its_refund_go_in_two_calls_the_charge_first() -> None:
    values = amounts("22.00", "-22.00")
    assert cuts(values, 300) == [(0, 1), (1, 2)]


def test_a_batch_that_would_net_to_zero_is_cut_after_its_longest_non_zero_prefix() -> None:
    values = amounts("5.00", "3.00", "0.00", "-8.00", "0.00")
    found = cuts(values, 300)
    assert found == [(0, 3), (3, 5)]
    assert sums(values, found) == amounts("8.00", "-8.00")


def test_zero_items_ride_with_their_neighbours() -> None:
    values = amounts("0.00", "4.00", "0.00")
    assert cuts(values, 300) == [(0, 3)]


def test_the_row_limit_and_the_order_are_kept() -> None:
    values = amounts(*["1.00"] * 7)
    assert cuts(values, 3) == [(0, 3), (3, 6), (6, 7)]


def test_only_zero_items_make_a_zero_call_and_it_waits_within_the_bound() -> None:
    values = amounts("0.00", "0.00")
    assert cuts(values, 300) == [(0, 2)] and all_zero(values)
    assert zero_call_waits(values, waited_s=10, wait_s=600)
    assert not zero_call_waits(values, waited_s=600, wait_s=600)
    assert not zero_call_waits(amounts("1.00"), waited_s=0, wait_s=600)


def test_compose_reads_bka058_of_the_wire_rows() -> None:
    rows = [{"bka058": Decimal("22.00")}, {"bka058": "-22.00"}, {"bka058": ""}]
    assert compose(rows, 300) == [(0, 1), (1, 3)]


money = st.decimals(min_value=-50, max_value=50, places=2, allow_nan=False)
few = st.sampled_from([Decimal("0.00"), Decimal("22.00"), Decimal("-22.00"), Decimal("5.00")])


@given(st.lists(st.one_of(money, few), max_size=40), st.integers(min_value=1, max_value=6))
def test_every_call_is_decidable_unless_it_holds_only_zero_items(
    values: list[Decimal], limit: int
) -> None:
    found = cuts(values, limit)
    assert [i for a, b in found for i in range(a, b)] == list(range(len(values)))  # order kept
    assert all(0 < b - a <= limit for a, b in found)
    for index, (a, b) in enumerate(found):
        chunk = values[a:b]
        assert sum(chunk, Decimal(0)) != 0 or all_zero(chunk)
        if all_zero(chunk) and index:  # only where the limit left no room to join
            before = found[index - 1]
            assert before[1] - before[0] == limit
