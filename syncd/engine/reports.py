"""What one tick did (L3): counts by resulting status, for ``syncd once`` and the daemon."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class TickReport:
    """One feed tick: rows found new (by this feed's search, or by the search of a feed that
    comes after it), rejected rows queued again because their HIS data was fixed, rows
    claimed, rows sent to the platform (in however many calls), and the rows by the status
    they ended in."""

    feed: str
    discovered: int = 0
    resent: int = 0
    claimed: int = 0
    sent: int = 0
    results: Counter[str] = field(default_factory=Counter)


@dataclass
class CommandReport:
    """One command tick: commands claimed, and the commands by the status they ended in."""

    claimed: int = 0
    results: Counter[str] = field(default_factory=Counter)
