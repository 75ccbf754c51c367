"""The leases one engine step holds (L3): what it claimed, which of those are in flight, and
when they were last made to last (claim or renewal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from syncd.core.records import Lease
from syncd.engine.ports import LeaseKeeper, LeaseRelease


@dataclass
class Leases:
    held: set[int] = field(default_factory=set)
    in_flight: set[int] = field(default_factory=set)  # intent committed, call under way
    since: datetime | None = None  # the claim or the last renewal

    def claimed(self, ids: set[int], now: datetime) -> None:
        self.held |= ids
        self.in_flight -= ids  # claimed anew (an earlier send of ours raised): not under way
        self.since = now

    def joined(self, ids: set[int]) -> None:
        """Rows claimed in the middle of a step (the rest of a call): held and renewed with
        the others.  The renewal clock stays with the older leases of the step's claim."""
        self.held |= ids
        self.in_flight -= ids

    def keep(self, store: LeaseKeeper, owner: str, now: datetime, lease_s: float) -> None:
        """Renew the held leases once half of the lease has passed since the claim or the
        last renewal (a long tick against a slow platform must not let them run out); rows
        another engine took meanwhile are no longer held."""
        if self.since is None or now - self.since < timedelta(seconds=lease_s / 2):
            return
        idle = sorted(self.held - self.in_flight)
        kept = set(store.renew(idle, Lease.starting(owner, now, timedelta(seconds=lease_s))))
        self.held -= set(idle) - kept
        self.since = now

    def release(self, store: LeaseRelease, owner: str) -> None:
        """Give back every held lease that is not in flight."""
        idle = sorted(self.held - self.in_flight)
        if idle:
            store.release(idle, owner)
        self.held &= self.in_flight
