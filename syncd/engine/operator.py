"""An operator's actions on rows and commands (L3): what ``syncd retry`` does, and what the
operator console will call — neither has logic of its own.

Every action either does something or raises :class:`~syncd.core.errors.OperatorError` saying
why not, Chinese then English (the CLI exits 4): a row that already succeeded, a key that does
not exist, a verdict on a call that is not unsettled, a row still in flight.

Every action, done or refused, is written here to the audit log (``<p>audit``, the
:class:`~syncd.engine.ports.AuditPort`) — once, whoever asked (``syncd retry`` as
``cli:<login>``, the console as its user, with the client's address): the action, the feed
and key, how many rows, the statuses before and after (``refused`` and the reason when it did
nothing).

==================================== ==========================================================
action                               effect
==================================== ==========================================================
:meth:`Operator.requeue`             one row: FAILED or REJECTED → PENDING (attempts from 0);
                                     UNKNOWN → asked again now (never re-sent blindly), once
                                     the in-flight window after its call is over.  A command:
                                     FAILED → NEW
:meth:`Operator.requeue_failed`      every FAILED row (of one feed) and every FAILED command
:meth:`Operator.requeue_rejected`    REJECTED rows (of a feed; reason containing a text;
                                     finished since a time) → PENDING, a new attempt — the
                                     platform did not process a rejected call.  Not commands:
                                     the HIS submits a command again
:meth:`Operator.not_processed`       the platform was checked and the UNKNOWN call was not
                                     processed: sent again (the other rows of the call too)
:meth:`Operator.processed`           it was processed: concluded as if its reply had come,
                                     with the visit ledger, through the exchange
==================================== ==========================================================
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from syncd.core.errors import LeaseLost, OperatorError
from syncd.core.reconcile_records import AuditEntry
from syncd.core.records import Standing
from syncd.engine.commands import CommandRunner
from syncd.engine.exchange import Exchange, PendingCall, UnsettledUnit
from syncd.engine.pipeline import FeedPipeline
from syncd.engine.ports import AuditPort, OutboxPort, RequestPort, WritebackPort
from syncd.engine.prepare import RenderInputs
from syncd.logs import event
from syncd.mapping import FeedSpec
from syncd.protocol.calls import Caller, CallResult
from syncd.protocol.messages import Request
from syncd.rules.resolve.verdict import by_operator

logger = logging.getLogger(__name__)
_STATE_ZH = {
    "SUCCEEDED": "已成功，无需重新排队 / it succeeded: nothing to re-queue",
    "DONE": "已完成，无需重新排队 / it is DONE: nothing to re-queue",
    "IN_FLIGHT": "正在发送中，结束后自动处理 / it is in flight",
    "PENDING": "已在队列中，会自动发送 / it is queued already",
    "WAITING": "在等待前置条件，满足后自动发送 / it waits for a prerequisite",
    "NEW": "已在队列中，会自动处理 / it is queued already",
    "REJECTED": "被拒绝的命令不重新排队，请由 HIS 重新提交 / a rejected command is submitted "
    "again by the HIS",
    "UNKNOWN": "结果未知：请人工核对平台后用 --processed 或 --not-processed / its outcome is "
    "unknown: check the platform, then --processed or --not-processed",
}


@dataclass(frozen=True)
class Actor:
    """Who acts: ``cli:<login>`` for ``syncd retry``, the console's user (and address)."""

    username: str
    client: str | None = None


REFUSED = "refused"  # status_after of an action that did nothing


def tally(statuses: list[str]) -> str:
    """``REJECTED``, ``PENDING×3``: statuses as the audit log and the console show them."""
    return "、".join(f"{s}×{n}" if n > 1 else s for s, n in sorted(Counter(statuses).items()))


class _NoPlatform:
    """The platform client of an operator's actions: they conclude from what is known (the
    archive, the HIS data, what the operator says) and never call the platform."""

    def call(self, request: Request, call_id: str | None = None) -> CallResult:
        raise OperatorError("syncd retry 不调用平台 / syncd retry does not call the platform")


NO_PLATFORM: Caller = _NoPlatform()


class VerdictPort(Protocol):
    """What a feed (:class:`~syncd.engine.feed_settle.FeedSettle`) and the command table
    (:class:`~syncd.engine.command_settle.CommandVerdicts`) offer an operator's verdict."""

    def pending(self, key: str) -> PendingCall: ...

    def claim(self, pending: PendingCall) -> tuple[UnsettledUnit, int]: ...

    def release(self) -> None: ...


class Queue(Protocol):
    """A feed's rows, or the command table, as an operator re-queues them."""

    def standing(self, key: str) -> list[Standing]: ...

    def requeue(self, key: str, now: datetime, hold_s: float) -> int: ...

    def resend_unknown(self, key: str, now: datetime) -> int: ...


class _FeedRows:
    def __init__(self, outbox: OutboxPort, feed: str) -> None:
        self.outbox, self.feed = outbox, feed

    def standing(self, key: str) -> list[Standing]:
        return self.outbox.standing(self.feed, key)

    def requeue(self, key: str, now: datetime, hold_s: float) -> int:
        return self.outbox.requeue(self.feed, key, now, hold_s)

    def resend_unknown(self, key: str, now: datetime) -> int:
        return self.outbox.resend_unknown(self.feed, key, now)


class _CommandRequests:
    def __init__(self, requests: RequestPort) -> None:
        self.requests = requests

    def standing(self, key: str) -> list[Standing]:
        found = self.requests.find(int(key)) if key.isdigit() else None
        return [] if found is None else [Standing(found.status)]

    def requeue(self, key: str, now: datetime, hold_s: float) -> int:
        return self.requests.requeue(int(key), now)

    def resend_unknown(self, key: str, now: datetime) -> int:
        return self.requests.resend_unknown(int(key), now)


class Operator:
    def __init__(
        self,
        feeds: Mapping[str, FeedSpec],
        store: WritebackPort,
        exchange: Exchange,
        pipelines: Mapping[str, FeedPipeline],
        commands: CommandRunner,
        inputs: Callable[[], RenderInputs],
        hold_s: float,
        audit: AuditPort,
        actor: Actor,
    ) -> None:
        self.feeds, self.store, self.exchange = feeds, store, exchange
        self.pipelines, self.commands, self.inputs = pipelines, commands, inputs
        self.hold_s = hold_s  # the in-flight window: an UNKNOWN is not asked again sooner
        self.audit, self.actor = audit, actor

    def requeue(self, feed: str, key: str) -> int:
        """One row (or command) queued again; how many rows."""
        return self._one("requeue", feed, key, lambda: self._requeue(feed, key))

    def requeue_failed(self, feed: str | None = None) -> int:
        """Every FAILED row (of ``feed``), and every FAILED command with them."""
        after = "NEW" if feed is not None and self._is_command(feed) else "PENDING"
        run = lambda: self._requeue_failed(feed)  # noqa: E731
        return self._bulk("requeue_failed", feed, "FAILED", after, "", run)

    def requeue_rejected(
        self, feed: str | None = None, reason: str | None = None, since: datetime | None = None
    ) -> int:
        """REJECTED rows after the HIS data was fixed: sent again as a new attempt."""
        said = [f"原因：{reason}" if reason else "", f"自 {since:%Y-%m-%d %H:%M}" if since else ""]
        detail = "；".join(x for x in said if x)
        run = lambda: self._requeue_rejected(feed, reason, since)  # noqa: E731
        return self._bulk("requeue_rejected", feed, "REJECTED", "PENDING", detail, run)

    def not_processed(self, feed: str, key: str) -> int:
        """The platform was checked: the UNKNOWN call of ``key`` was not processed."""
        return self._one("not_processed", feed, key, lambda: self._not_processed(feed, key))

    def processed(self, feed: str, key: str, given: Mapping[str, str]) -> int:
        """The platform was checked: the unsettled call of ``key`` was processed (``given``:
        what only its reply tells).  Concluded through the exchange; how many rows."""
        detail = "；".join(f"{k}={v}" for k, v in given.items())
        run = lambda: self._processed(feed, key, given)  # noqa: E731
        return self._one("processed", feed, key, run, detail)

    # --- the actions ------------------------------------------------------------------

    def _requeue(self, feed: str, key: str) -> int:
        queue = self._queue(feed, key)
        count = queue.requeue(key, self.exchange.clock(), self.hold_s)
        if not count:
            raise OperatorError(self._why_not(feed, key, queue.standing(key)))
        return count

    def _requeue_failed(self, feed: str | None) -> int:
        spec = self._spec(feed) if feed is not None else None
        now = self.exchange.clock()
        if spec is None:
            count = self.store.outbox.requeue(None, None, now)
            count += self.store.requests.requeue(None, now)
        elif spec.source.is_command:
            count = self.store.requests.requeue(None, now, command=spec.feed)
        else:
            count = self.store.outbox.requeue(feed, None, now)
        if not count:
            raise OperatorError("没有失败（FAILED）的记录可重新排队 / nothing is FAILED")
        return count

    def _requeue_rejected(
        self, feed: str | None, reason: str | None, since: datetime | None
    ) -> int:
        if feed is not None and self._spec(feed).source.is_command:
            raise OperatorError(
                "被拒绝的命令不重新排队，请由 HIS 重新提交命令 / a rejected command is not "
                "re-queued: the HIS submits it again"
            )
        count = self.store.outbox.requeue_rejected(feed, reason, since, self.exchange.clock())
        if not count:
            raise OperatorError("没有符合条件的被拒绝（REJECTED）记录 / no REJECTED row matches")
        return count

    def _not_processed(self, feed: str, key: str) -> int:
        event(logger, "operator.not_processed", logging.WARNING, feed=feed, key=key)
        queue = self._queue(feed, key)
        count = queue.resend_unknown(key, self.exchange.clock())
        if not count:
            found = ", ".join(sorted({s.status for s in queue.standing(key)}))
            raise OperatorError(
                f"{feed} {key} 不是结果未知（UNKNOWN）的记录（现为 {found}），--not-processed "
                f"只用于结果未知的记录 / {feed} {key} is {found}, not UNKNOWN"
            )
        self.exchange.calls.note_resolution("NOT_PROCESSED", "operator")
        return count

    def _processed(self, feed: str, key: str, given: Mapping[str, str]) -> int:
        event(logger, "operator.processed", logging.WARNING, feed=feed, key=key)
        verdicts = self._verdicts(feed)
        try:
            pending = verdicts.pending(key)
            params = pending.asked.params if pending.asked else None
            ended = by_operator(
                pending.call_id, pending.function_id, params, given, pending.visit, pending.hints
            )
            unit, count = verdicts.claim(pending)
            self.exchange.conclude(unit, ended, pending.asked, unit.attempts)
            self.exchange.calls.note_resolution("PROCESSED", "operator")
        except LeaseLost:
            raise OperatorError(
                "该记录刚被运行中的 syncd 接手，请重新核对 / a running syncd took it over just now"
            ) from None
        finally:
            verdicts.release()
        return count

    # --- the audit log ----------------------------------------------------------------

    def _one(
        self, action: str, feed: str, key: str, run: Callable[[], int], detail: str = ""
    ) -> int:
        """``run`` an action on one row (or command), audited with its statuses."""
        before = self._statuses(feed, key)
        try:
            count = run()
        except OperatorError as exc:
            self._audit(action, feed, key, 0, before, REFUSED, detail, str(exc))
            raise
        self._audit(action, feed, key, count, before, self._statuses(feed, key), detail)
        return count

    def _bulk(
        self,
        action: str,
        feed: str | None,
        before: str,
        after: str,
        detail: str,
        run: Callable[[], int],
    ) -> int:
        """``run`` an action on every row that matches, audited as ``before×n → after×n``."""
        try:
            count = run()
        except OperatorError as exc:
            self._audit(action, feed, None, 0, "", REFUSED, detail, str(exc))
            raise
        moved = (f"{before}×{count}", f"{after}×{count}")
        self._audit(action, feed, None, count, *moved, detail)
        return count

    def _audit(
        self,
        action: str,
        feed: str | None,
        key: str | None,
        count: int,
        before: str,
        after: str,
        detail: str,
        refused: str = "",
    ) -> None:
        said = "；".join(x for x in (detail, f"未执行：{refused}" if refused else "") if x)
        entry = AuditEntry(
            self.actor.username,
            action,
            feed,
            key,
            count,
            before or None,
            after or None,
            said or None,
            self.actor.client,
        )
        self.audit.write(entry, self.exchange.clock())

    def _statuses(self, feed: str, key: str) -> str:
        """The statuses of a row's versions (a command's status) now; "" when there is none."""
        try:
            return tally([s.status for s in self._queue(feed, key).standing(key)])
        except OperatorError:
            return ""

    def _is_command(self, feed: str) -> bool:
        spec = self.feeds.get(feed)
        return spec is not None and spec.source.is_command

    # --- helpers ----------------------------------------------------------------------

    def _spec(self, feed: str) -> FeedSpec:
        spec = self.feeds.get(feed)
        if spec is None:
            raise OperatorError(f"没有数据表或命令 {feed} / no feed {feed}")
        return spec

    def _queue(self, feed: str, key: str) -> Queue:
        if not self._spec(feed).source.is_command:
            queue: Queue = _FeedRows(self.store.outbox, feed)
        elif not key.isdigit():
            raise OperatorError(
                "命令表的 KEY 是 WI_REQUEST 的 id（数字） / a command's KEY is "
                "its WI_REQUEST id (a number)"
            )
        else:
            queue = _CommandRequests(self.store.requests)
        if not queue.standing(key):
            raise OperatorError(f"{feed} 中没有记录 {key} / {feed} has no row {key}")
        return queue

    def _verdicts(self, feed: str) -> VerdictPort:
        spec = self._spec(feed)
        if spec.source.is_command:
            return self.commands.verdicts(spec, self.inputs())
        if feed not in self.pipelines:
            raise OperatorError(f"数据表 {feed} 未定义或未启用 / feed {feed} is not enabled")
        return self.pipelines[feed].settling

    def _why_not(self, feed: str, key: str, standing: list[Standing]) -> str:
        """Why a row's re-queue did nothing (its rows' statuses, the in-flight window)."""
        now = self.exchange.clock()
        for row in standing:
            if row.status == "UNKNOWN" and row.updated_at is not None:
                until = row.updated_at + timedelta(seconds=self.hold_s)
                if until > now:
                    return (
                        f"{feed} {key} 结果未知：调用结束后未过发送中的最长时间"
                        f"（平台可能仍在处理），请于 {until:%H:%M:%S} 之后再试 / its call may "
                        "still be running on the "
                        f"platform: try again after {until:%H:%M:%S}"
                    )
        statuses = sorted({row.status for row in standing})
        reasons = "；".join(_STATE_ZH.get(s, s) for s in statuses)
        return f"{feed} {key} {reasons}"
