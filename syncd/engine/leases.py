"""The leases one engine step holds (L3): what it claimed, which of those are in flight, and
when they were last made to last (claim or renewal).

Thread-safe: the units of one tick run in several lanes at once (:mod:`syncd.engine.lanes`).
A renewal holds the lock over its statement, and a unit reserves its rows as in flight
(:meth:`Leases.reserve`) under the same lock *before* it commits its intent: a renewal never
overwrites an intent's longer flight lease with a claim's shorter one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from syncd.core.records import Lease
from syncd.engine.ports import LeaseKeeper, LeaseRelease


@dataclass
class Leases:
    held: set[int] = field(default_factory=set)
    in_flight: set[int] = field(default_factory=set)  # intent committed, call under way
    since: datetime | None = None  # the claim or the last renewal
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def claimed(self, ids: set[int], now: datetime) -> None:
        with self.lock:
            self.held |= ids
            self.in_flight -= ids  # claimed anew (an earlier send of ours raised): not under way
            self.since = now

    def joined(self, ids: set[int]) -> None:
        """Rows claimed in the middle of a step (the rest of a call): held and renewed with
        the others.  The renewal clock stays with the older leases of the step's claim."""
        with self.lock:
            self.held |= ids
            self.in_flight -= ids

    def reserve(self, ids: Iterable[int]) -> None:
        """Before the intent is committed: no renewal touches these rows from now on."""
        with self.lock:
            self.in_flight |= set(ids)

    def unreserve(self, ids: Iterable[int]) -> None:
        """The intent could not be committed (an error): held again, not in flight."""
        with self.lock:
            self.in_flight -= set(ids)

    def drop(self, ids: Iterable[int]) -> None:
        """The rows are ours no more (finished, or taken over by another engine)."""
        gone = set(ids)
        with self.lock:
            self.held -= gone
            self.in_flight -= gone

    def keep(self, store: LeaseKeeper, owner: str, now: datetime, lease_s: float) -> None:
        """Renew the held leases once half of the lease has passed since the claim or the
        last renewal (a long tick against a slow platform must not let them run out); rows
        another engine took meanwhile are no longer held."""
        with self.lock:
            if self.since is None or now - self.since < timedelta(seconds=lease_s / 2):
                return
            idle = sorted(self.held - self.in_flight)
            kept = set(store.renew(idle, Lease.starting(owner, now, timedelta(seconds=lease_s))))
            self.held -= set(idle) - kept
            self.since = now

    def release(self, store: LeaseRelease, owner: str) -> None:
        """Give back every held lease that is not in flight."""
        with self.lock:
            idle = sorted(self.held - self.in_flight)
            if idle:
                store.release(idle, owner)
            self.held &= self.in_flight
