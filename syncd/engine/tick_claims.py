"""A tick's claims (L3): due rows claimed a batch at a time and handed to the lanes
(:mod:`syncd.engine.lanes`) as units while the calls of the rows claimed before are in
flight, so a lane does not wait for the next claim."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from syncd.core.records import UNSETTLED_STATUSES, Lease, OutboxRow, SourceRow
from syncd.engine.lanes import Put
from syncd.engine.reports import TickReport

if TYPE_CHECKING:
    from syncd.engine.pipeline import FeedPipeline

MOST_CLAIMED = 20_000  # rows one tick claims at most for its lanes (one claim may hold more)
LaneUnit = tuple[list[OutboxRow], Mapping[str, SourceRow]]  # a unit's rows, the view rows read


class TickClaims:
    def __init__(self, pipeline: FeedPipeline) -> None:
        self.pipeline = pipeline

    def fill(self, lease: Lease, report: TickReport, put: Put[LaneUnit]) -> None:
        """Claim due rows ``batch_size`` at a time and hand their units to the lanes, which
        send while the next rows are claimed.  With lanes, claims go on while every claim is
        full, up to :data:`MOST_CLAIMED` rows a tick (a backlog of long stays would else keep
        most lanes idle: 500 rows may be two stays); one lane keeps the single claim.  A
        batch feed keeps the rows of a full claim's last visit for the next claim's rows of
        that visit (one call, not two) while they are fewer than a call holds.

        Rows are due as at the tick's start: a row this tick ended waiting "due at once" is
        not claimed again by it — until the tick searches the view again (its search came back
        full: more new rows wait), which it does while the lanes send the last rows claimed;
        then the claims go on with what that search found."""
        p = self.pipeline
        carried: list[OutboxRow] = []
        carried_view: dict[str, SourceRow] = {}
        due = lease.now
        while True:
            fresh = p.exchange.lease(p.lease_s)  # each claim's lease from now
            claim = Lease(lease.owner, due, max(fresh.until, lease.until))
            got = p.store.outbox.claim(p.spec.feed, claim, p.batch_size)
            if report.claimed:  # the renewal clock stays with the first claim's leases
                p.leases.joined({r.id for r in got})
            else:
                p.leases.claimed({r.id for r in got}, lease.now)
            report.claimed += len(got)
            more = len(got) == p.batch_size and self._may_claim(report)
            view = {**carried_view, **p.source.by_keys([r.source_key for r in got])}
            rows, carried = carried + got, []
            if more and p.spec.batch is not None:
                rows, carried = carry_last_visit(rows, p.spec.batch.max_rows)
            carried_view = {
                r.source_key: view[r.source_key] for r in carried if r.source_key in view
            }
            for unit in self.units(rows):
                if not put(_lane(unit), (unit, view)):
                    return
            if more:
                continue
            if not (report.searched_full and self._may_claim(report) and self._search(report)):
                return
            due = p.exchange.clock()  # what the search found is due from now

    def _may_claim(self, report: TickReport) -> bool:
        p = self.pipeline
        return p.slots.size > 1 and report.claimed < MOST_CLAIMED and not p.gate.stopping()

    def _search(self, report: TickReport) -> int:
        """Search the view again (the last search came back full); the rows found."""
        discovery = self.pipeline.discovery
        found = discovery.run()
        report.discovered += found
        report.found_for.update(discovery.found_for)
        report.searched_full = discovery.searched_full
        return found

    def units(self, rows: Sequence[OutboxRow]) -> list[list[OutboxRow]]:
        """What goes together: one row, or (batch feeds) the rows of a visit / of one call."""
        if self.pipeline.spec.batch is None:
            return [[row] for row in rows]
        groups: dict[tuple[str, str], list[OutboxRow]] = {}
        for row in rows:
            unsettled = row.status in UNSETTLED_STATUSES and row.request_id
            group = ("call", row.request_id) if unsettled else ("visit", row.visit_key)
            groups.setdefault(group, []).append(row)
        return list(groups.values())


def carry_last_visit(rows: list[OutboxRow], most: int) -> tuple[list[OutboxRow], list[OutboxRow]]:
    """(rows to send now, rows kept for the next claim): a limited claim takes visits whole
    in due order (:func:`syncd.db.claims.due_statement`), so only its last visit, the one of
    the latest due row, may go on in the next claim; kept while fewer than ``most`` (what
    one call holds)."""
    last = max(rows, key=lambda r: (r.next_attempt_at, r.visit_key, r.id)).visit_key
    kept = [r for r in rows if r.visit_key == last] if last else []
    if not kept or len(kept) >= most:
        return rows, []
    return [r for r in rows if r.visit_key != last], kept


def _lane(unit: list[OutboxRow]) -> tuple[str, str]:
    """The units of one visit go one after the other; a row of no visit is a lane alone."""
    first = unit[0]
    return ("visit", first.visit_key) if first.visit_key else ("row", first.source_key)
