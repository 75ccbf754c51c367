"""Turn conditions into announcements: once when a condition starts, once when it ends.

Each pass (:meth:`Announcer.run`, the daemon's ``alerts`` job):

1. a condition that differs from the announced state (``<p>alert``) and has differed for
   ``alerts.settle_s`` is recorded as the new state — compare-and-set, so of several engines
   on one database exactly one announces — and logged to the journal: ``alert.raised`` at the
   alert's severity (ERROR or WARNING), ``alert.cleared`` at WARNING, with the Chinese title,
   the situation and what to do;
2. the new state is owed to every configured channel; each channel whose rate limit allows
   sends everything it is owed as one message; what it could not send (a failure, the rate
   limit) stays owed, also across a restart, and goes in a later pass.

A condition that is not known now (None) keeps the announced state: a restart neither repeats
nor clears an alert by itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from syncd.core.clock import Clock
from syncd.core.errors import AlertError
from syncd.db.alert_store import AlertRow, AlertStore
from syncd.logs import event
from syncd.monitor.metrics import record_alert
from syncd.service.alerts.channels import Channel
from syncd.service.alerts.conditions import Condition
from syncd.service.alerts.texts import Notice, Severity, duration_zh

logger = logging.getLogger(__name__)
CLAIM_S = 120.0  # how long one engine holds the sending of an owed notice


class Announcer:
    def __init__(
        self,
        store: AlertStore,
        channels: Sequence[Channel],
        *,
        settle_s: float,
        clock: Clock,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.channels, self.settle_s = store, list(channels), settle_s
        self.clock, self._mono = clock, monotonic
        self._differs_since: dict[str, float] = {}
        self._failing: set[str] = set()

    def run(self, conditions: Sequence[Condition]) -> None:
        rows = self.store.load()
        for condition in conditions:
            self._consider(condition, rows.get(condition.name))
        rows = self.store.load()
        for row in rows.values():
            record_alert(row.name, row.active)
        self._deliver([row for row in rows.values() if row.owed])

    # --- 1. changes ---------------------------------------------------------------------

    def _consider(self, condition: Condition, row: AlertRow | None) -> None:
        announced = row.active if row else False
        if condition.active is None or condition.active == announced:
            self._differs_since.pop(condition.name, None)
            return
        first = self._differs_since.setdefault(condition.name, self._mono())
        if self._mono() - first < self.settle_s:
            return
        del self._differs_since[condition.name]
        now = self.clock()
        detail = condition.detail if condition.active else _lasted(condition, row, now)
        owed = [channel.name for channel in self.channels]
        if self.store.change(condition.name, condition.active, detail, owed, now, row):
            _journal(Notice(condition.name, condition.active, now, detail))

    # --- 2. channels ------------------------------------------------------------------

    def _deliver(self, owing: list[AlertRow]) -> None:
        if not owing:
            return
        now = self.clock()
        claimed = [
            r
            for r in (self.store.claim(row, now, now + timedelta(seconds=CLAIM_S)) for row in owing)
            if r is not None
        ]
        sent: dict[str, set[str]] = {row.name: set() for row in claimed}
        for channel in self.channels:
            mine = [row for row in claimed if channel.name in row.owed]
            if mine and channel.limit.ready() and self._send(channel, mine):
                for row in mine:
                    sent[row.name].add(channel.name)
        configured = {channel.name for channel in self.channels}
        for row in claimed:
            still = [name for name in row.owed if name in configured - sent[row.name]]
            self.store.settle(row, still, self.clock())

    def _send(self, channel: Channel, rows: list[AlertRow]) -> bool:
        channel.limit.used()
        rows = sorted(rows, key=lambda r: (r.since or datetime.min, r.name))
        notices = [Notice(r.name, r.active, r.since or self.clock(), r.detail) for r in rows]
        try:
            channel.send(notices)
        except AlertError as exc:
            if channel.name not in self._failing:
                event(
                    logger,
                    "alert.channel_failed",
                    logging.WARNING,
                    channel=channel.name,
                    target=channel.describe(),
                    reason=exc.message,
                )
            self._failing.add(channel.name)
            return False
        if channel.name in self._failing:
            self._failing.discard(channel.name)
            event(logger, "alert.channel_ok", channel=channel.name, target=channel.describe())
        event(logger, "alert.sent", channel=channel.name, notices=len(notices))
        return True


def _lasted(condition: Condition, row: AlertRow | None, now: datetime) -> str:
    """A cleared alert's situation: how long it lasted, then what the condition says now."""
    parts = [condition.detail]
    if row is not None and row.since is not None:
        lasted = duration_zh((now - row.since).total_seconds())
        parts.insert(0, f"持续 {lasted}（自 {row.since:%m-%d %H:%M} 起）")
    return "；".join(part for part in parts if part)


def _journal(notice: Notice) -> None:
    level = logging.ERROR if notice.severity is Severity.ERROR else logging.WARNING
    name = "alert.raised" if notice.raised else "alert.cleared"
    event(
        logger,
        name,
        level,
        alert=notice.name,
        title=notice.title,
        detail=notice.detail,
        action=notice.action,
    )
