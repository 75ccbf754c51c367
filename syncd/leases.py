"""The leases one engine step holds (L3): what it claimed, and which of those are in flight."""

from __future__ import annotations

from dataclasses import dataclass, field

from syncd.ports import LeaseRelease


@dataclass
class Leases:
    held: set[int] = field(default_factory=set)
    in_flight: set[int] = field(default_factory=set)  # intent committed, call under way

    def release(self, store: LeaseRelease, owner: str) -> None:
        """Give back every held lease that is not in flight."""
        idle = sorted(self.held - self.in_flight)
        if idle:
            store.release(idle, owner)
        self.held &= self.in_flight
