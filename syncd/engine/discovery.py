"""Finding a feed's new view rows (L3): each search a full anti-join, recorded as PENDING.

A feed that comes after others (``requires.after``: a discharge after the stay's fees) records
their new rows first; a search is limited, so while one of theirs came back full
(:attr:`Discovery.after_read` False) a row of this feed does not go before rows of theirs that
are not recorded yet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from syncd.core.records import NewRow, SourceRow
from syncd.engine.ports import FeedSourcePort, OutboxPort
from syncd.mapping import FeedSpec

DISCOVERY_BATCHES = 20  # rows found per search: batch_size × this, at most DISCOVERY_MAX
DISCOVERY_MAX = 20_000  # bounds the memory of one search (a few tens of MB)


class Discovery:
    def __init__(
        self,
        source: FeedSourcePort,
        after: Sequence[FeedSourcePort],
        outbox: OutboxPort,
        clock: Callable[[], datetime],
        batch_size: int,
    ) -> None:
        self.source, self.after, self.outbox = source, after, outbox
        self.clock, self.batch_size = clock, batch_size
        self.after_read = not after  # the last search of every `requires.after` view saw it all
        self.found_for: dict[str, int] = {}  # the last run: rows of those feeds it found new
        self.searched_full = False  # the last run: a search found as many rows as it may

    @property
    def limit(self) -> int:
        return min(self.batch_size * DISCOVERY_BATCHES, DISCOVERY_MAX)

    def run(self) -> int:
        """Record new rows of the feeds this one waits for, then its own (their number)."""
        limit = self.limit
        found = {source.spec.feed: self.search(source, limit) for source in self.after}
        self.found_for = {feed: n for feed, n in found.items() if n}
        self.after_read = all(n < limit for n in found.values())
        own = self.search(self.source, limit)
        self.searched_full = own >= limit or not self.after_read
        return own

    def search(self, source: FeedSourcePort, limit: int) -> int:
        """One search of the view, recorded in chunks; the number of rows found."""
        found = source.discover(limit)
        now = self.clock()  # one due time: a claim then takes visits whole
        for start in range(0, len(found), self.batch_size):
            chunk = found[start : start + self.batch_size]
            new = [NewRow(r.key, r.version, visit_key_of(source.spec, r)) for r in chunk]
            self.outbox.add(source.spec.feed, source.spec.function, new, now)
        return len(found)


def visit_key_of(spec: FeedSpec, row: SourceRow) -> str:
    if spec.visit is None or spec.visit.column is None:
        return ""
    column = spec.visit.column.casefold()
    value = next((v for k, v in row.values.items() if str(k).casefold() == column), None)
    return "" if value is None else str(value)
