"""How the rows of a fact-view feed end a unit (L3): the status written under the engine's
lease, counted in the tick's report, and logged — one INFO line for rows that end without a
call (a waiting reason once, until it changes), one DEBUG line per row.

:class:`~syncd.engine.pipeline.FeedPipeline` and its units
(:class:`~syncd.engine.rows_unit.RowsUnit`) end rows here; the lanes of a tick share one
:class:`RowEnds` (its lock guards the report and the reasons already told)."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from syncd.core.records import OutboxRow, SyncStatus
from syncd.engine.exchange import Exchange
from syncd.engine.leases import Leases
from syncd.engine.ports import OutboxPort
from syncd.engine.reports import TickReport
from syncd.logs import event
from syncd.rules import outbox

logger = logging.getLogger("syncd.engine.pipeline")  # the feed's lines keep their logger
_WAITING_REMEMBERED = 100_000  # rows whose waiting reason was logged (then forgotten at once)


class RowEnds:
    def __init__(self, feed: str, store: OutboxPort, exchange: Exchange, leases: Leases) -> None:
        self.feed, self.store, self.exchange, self.leases = feed, store, exchange, leases
        self._count = threading.Lock()  # the tick's report, written from every lane
        self._waiting: dict[int, str] = {}  # row id → the waiting reason last logged

    def step_back(self, rows: list[OutboxRow], reason_zh: str, r: TickReport) -> None:
        """An intent committed but not sent: the rows wait again with the attempts they had,
        for a jittered while (two engines that both stepped back do not meet again)."""
        spread = self.exchange.policy.wait_s * (1.0 + self.exchange.draw())
        due = self._now() + timedelta(seconds=spread)
        for attempts in sorted({row.attempts for row in rows}):
            self.finish(
                [row for row in rows if row.attempts == attempts],
                outbox.Transition(SyncStatus.WAITING, due, attempts, reason_zh),
                r,
            )

    def waiting(self, reason_zh: str, blocked_by: str = "") -> outbox.Transition:
        return outbox.waiting(self.exchange.policy, self._now(), reason_zh, blocked_by)

    def lost(self, rows: list[OutboxRow]) -> None:
        """Our lease ran out and another engine holds the rows now: leave them to it."""
        self.leases.drop(row.id for row in rows)
        for row in rows:
            event(logger, "feed.lease_lost", logging.WARNING, feed=self.feed, key=row.source_key)

    def finish(self, rows: list[OutboxRow], transition: outbox.Transition, r: TickReport) -> None:
        if rows:
            self.store.set([row.id for row in rows], transition, self._now(), self.exchange.owner)
            self.done(rows, transition.status, r)
            self.tell(rows, transition)

    def tell(self, rows: list[OutboxRow], transition: outbox.Transition) -> None:
        """One INFO line for the rows of a unit that end without a call (refused, waiting):
        the reason is a field (syncd's own Chinese text, no personal data).  Rows that keep
        waiting for the same reason poll after poll say so once, when the reason changes."""
        status = transition.status
        if status is SyncStatus.WAITING:
            with self._count:  # lanes share it
                told = self._waiting
                if len(told) > _WAITING_REMEMBERED:
                    told.clear()
                new = [row for row in rows if told.get(row.id) != transition.message]
                told.update((row.id, transition.message) for row in rows)
            if not new:
                return
        event(
            logger,
            f"feed.{status.value.lower()}",
            feed=self.feed,
            key=rows[0].source_key,
            visit=rows[0].visit_key,
            rows=len(rows),
            reason=transition.message,
        )

    def sending(self, ids: list[int], r: TickReport, sent: bool) -> None:
        """The rows of a call that goes out (``sent``), or that stepped back after all."""
        with self._count:
            if sent:
                r.sent_ids.update(ids)
            else:
                r.sent_ids.difference_update(ids)

    def done(self, rows: list[OutboxRow], status: SyncStatus, r: TickReport) -> None:
        """Rows that reached ``status``: counted; one DEBUG line each (the INFO line is the
        call's ``delivery.called``, or :meth:`tell`'s for rows ending without a call)."""
        self.leases.drop(row.id for row in rows)
        with self._count:
            r.results[status.value] += len(rows)
            if status is not SyncStatus.WAITING:
                for row in rows:
                    self._waiting.pop(row.id, None)
        if logger.isEnabledFor(logging.DEBUG):
            for row in rows:
                event(
                    logger,
                    "feed.row",
                    logging.DEBUG,
                    feed=self.feed,
                    key=row.source_key,
                    status=status.value,
                )

    def _now(self) -> datetime:
        return self.exchange.clock()
