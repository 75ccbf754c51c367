"""The leases one engine step holds: renewed once half a lease has passed since the claim,
including rows claimed later in the step (the rest of a call)."""

from __future__ import annotations

from datetime import datetime, timedelta

from syncd.core.records import Lease
from syncd.engine.leases import Leases

T0 = datetime(2026, 11, 25, 9, 0)


class Store:
    def __init__(self) -> None:
        self.renewed: list[tuple[list[int], datetime]] = []

    def renew(self, ids: list[int], lease: Lease) -> list[int]:
        self.renewed.append((list(ids), lease.until))
        return list(ids)


def test_rows_joined_later_do_not_put_off_the_renewal_of_the_step_claim() -> None:
    """Claimed at T0 (leases end T0+120); the rest of a call joins at T0+55.  At T0+61 half
    the step's lease has passed: every held row is renewed, the joined ones too."""
    leases, store = Leases(), Store()
    leases.claimed({1, 2}, T0)
    leases.joined({3})
    leases.keep(store, "me", T0 + timedelta(seconds=55), 120)
    assert store.renewed == []
    leases.keep(store, "me", T0 + timedelta(seconds=61), 120)
    assert store.renewed == [([1, 2, 3], T0 + timedelta(seconds=181))]


def test_a_row_in_flight_is_not_renewed_and_joins_as_idle_again() -> None:
    leases, store = Leases(), Store()
    leases.claimed({1, 2}, T0)
    leases.in_flight.add(2)
    leases.keep(store, "me", T0 + timedelta(seconds=60), 120)
    assert store.renewed == [([1], T0 + timedelta(seconds=180))]
    leases.joined({2})
    assert leases.in_flight == set()
