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
    sent_ids: set[int] = field(default_factory=set)  # rows whose call went out
    searched_full: bool = False  # a search came back full: the view holds more new rows
    found_for: Counter[str] = field(default_factory=Counter)  # other feeds' rows found first
    results: Counter[str] = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        return len(self.sent_ids)


def found_by_feed(reports: list[TickReport]) -> Counter[str]:
    """Rows found new per feed in a pass: by its own search, and by the searches of the
    feeds that come after it (a discharge records the stay's fee rows first)."""
    found: Counter[str] = Counter()
    for report in reports:
        found[report.feed] += report.discovered
        found.update(report.found_for)
    return found


@dataclass
class CommandReport:
    """One command tick: commands claimed, and the commands by the status they ended in."""

    claimed: int = 0
    results: Counter[str] = field(default_factory=Counter)
