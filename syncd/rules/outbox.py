"""Delivery policy of the outbox (pure): what a row's status becomes after each event.

Nothing here reads the clock or a random source: ``now`` and ``draw`` (a number in
``[0, 1)``) are passed in, so every decision is reproducible in a test.

======================= =============================================================
event                   next status
======================= =============================================================
prerequisite not met    WAITING (attempts unchanged; looked at again after ``wait_s``)
prerequisite impossible REJECTED with the Chinese reason (final)
mapping error           REJECTED with the Chinese reason (final)
SUCCEEDED               SUCCEEDED (final) + write-back + visit effect
REJECTED                REJECTED (final), the platform's message verbatim
RETRY                   PENDING after a backoff; FAILED once ``max_attempts`` are used
UNKNOWN → not processed PENDING at once (the query came after the in-flight window);
                        FAILED once ``max_attempts`` are used
UNKNOWN, query/upload   PENDING after a backoff (safe to repeat); FAILED after the limit
UNKNOWN, state/money    UNKNOWN: resolved by a query before anything is sent again, and
                        asked again no sooner than ``unknown_hold_s`` (the in-flight
                        window: a timed-out call may still be running on the platform)
======================= =============================================================

Backoff: ``initial * 2**(attempt-1)``, capped at ``max``, then spread by ``±jitter``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from syncd.core.records import Outcome, SyncStatus

FINAL = frozenset({SyncStatus.SUCCEEDED, SyncStatus.REJECTED, SyncStatus.FAILED})
BLIND_RESEND_UNSAFE = frozenset({"state_change", "money"})  # platform Kind values


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter, and the attempt limit."""

    max_attempts: int = 8
    initial_s: float = 5.0
    max_s: float = 900.0
    jitter: float = 0.2
    wait_s: float = 5.0  # how soon a WAITING row is looked at again
    unknown_hold_s: float = 0.0  # an UNKNOWN is asked again no sooner (the in-flight window)

    def delay(self, attempt: int, draw: float) -> timedelta:
        """The pause after failed attempt number ``attempt`` (1-based)."""
        base = min(self.max_s, self.initial_s * 2 ** max(0, attempt - 1))
        spread = 1.0 + self.jitter * (2.0 * draw - 1.0)
        return timedelta(seconds=max(0.0, min(self.max_s, base * spread)))

    def unknown_delay(self, attempt: int, draw: float) -> timedelta:
        """The pause before an UNKNOWN is asked about again: the backoff, but never less than
        the in-flight window — until then the platform may still be working on the call, and
        a query would wrongly find it "not processed"."""
        return max(self.delay(attempt, draw), timedelta(seconds=self.unknown_hold_s))

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


MESSAGE_MAX = 1000  # the staging tables' message columns


@dataclass(frozen=True)
class Transition:
    """The new status of a row and when it is due again (None: never by itself)."""

    status: SyncStatus
    next_attempt_at: datetime | None
    attempts: int | None  # None: unchanged (waiting and refusing use no attempt)
    message: str = ""
    blocked_by: str = ""  # WAITING behind a refused/failed row: which one ("feed:key")

    @property
    def final(self) -> bool:
        return self.status in FINAL


REASON_COLUMNS = ("return_code", "return_code_message", "last_error")


def reason_columns(transition: Transition, reply: Mapping[str, object]) -> dict[str, object]:
    """What the HIS reads of a row whose status changes: ``return_code``,
    ``return_code_message`` and ``last_error`` describe the state it goes to, never an earlier
    attempt's.  ``reply``: the columns a platform reply wrote for this very change (its code
    and message; a success's ``last_error`` None) — what it does not name comes from the
    transition: no code (this state was not answered by the platform) and the transition's
    reason as both texts (a refusal after an earlier transient failure replaces the transient
    text; a row queued again without a reason reads empty)."""
    reason = transition.message[:MESSAGE_MAX] or None
    values: dict[str, object] = {"return_code": None}
    values["return_code_message"] = reason
    values["last_error"] = reason
    values.update({k: reply[k] for k in REASON_COLUMNS if k in reply})
    return values


def queued_again(now: datetime, reason: str = "") -> dict[str, object]:
    """The columns of a row queued again as a new attempt (an operator's re-queue, a fixed
    rejected row, the visit's fee rows after syncd's own deletion): PENDING now, attempts from
    0, no lease, no fingerprint, and as its reason ``reason`` (empty: none — the refusal or
    failure it had is not the current state any more)."""
    values: dict[str, object] = {
        "status": SyncStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "updated_at": now,
        "lease_owner": None,
        "lease_until": None,
        "finished_at": None,
        "fingerprint": None,
    }
    return values | reason_columns(Transition(SyncStatus.PENDING, now, 0, reason), {})


def after_outcome(
    outcome: Outcome, kind: str, attempts: int, policy: RetryPolicy, now: datetime, draw: float
) -> Transition:
    """The transition after a call that used attempt number ``attempts``."""
    if outcome is Outcome.SUCCEEDED:
        return Transition(SyncStatus.SUCCEEDED, None, attempts)
    if outcome is Outcome.REJECTED:
        return Transition(SyncStatus.REJECTED, None, attempts)
    if outcome is Outcome.UNKNOWN and kind in BLIND_RESEND_UNSAFE:
        return Transition(SyncStatus.UNKNOWN, now + policy.unknown_delay(attempts, draw), attempts)
    return again_later(attempts, policy, now, draw)


def again_later(attempts: int, policy: RetryPolicy, now: datetime, draw: float) -> Transition:
    """PENDING after a backoff, or FAILED once the attempts are used up."""
    if policy.exhausted(attempts):
        return Transition(SyncStatus.FAILED, None, attempts, f"已重试{attempts}次仍未成功")
    return Transition(SyncStatus.PENDING, now + policy.delay(attempts, draw), attempts)


def unresolved(attempts: int, policy: RetryPolicy, now: datetime, draw: float) -> Transition:
    """An UNKNOWN whose resolution query could not decide: stays UNKNOWN, asked again later."""
    return Transition(SyncStatus.UNKNOWN, now + policy.unknown_delay(attempts, draw), attempts)


def waiting(policy: RetryPolicy, now: datetime, reason_zh: str, blocked_by: str = "") -> Transition:
    """A prerequisite is not met yet: WAITING, no attempt used (``blocked_by``: the refused or
    failed row it waits behind, which counts it as blocked)."""
    due = now + timedelta(seconds=policy.wait_s)
    return Transition(SyncStatus.WAITING, due, None, reason_zh, blocked_by)


def refused(reason_zh: str) -> Transition:
    """Cannot ever be sent as it is (impossible transition, bad row): REJECTED, final."""
    return Transition(SyncStatus.REJECTED, None, None, reason_zh)


def not_processed(attempts: int, policy: RetryPolicy, now: datetime) -> Transition:
    """A query proved the call was not processed (asked after the in-flight window): PENDING
    now, or FAILED once its attempts are used up (a platform that loses every call of a kind
    must not be called for ever)."""
    if policy.exhausted(attempts):
        return Transition(
            SyncStatus.FAILED, None, attempts, f"经查询确认平台未处理；已发送{attempts}次仍未成功"
        )
    return Transition(SyncStatus.PENDING, now, attempts, "经查询确认平台未处理，将重新发送")


def requeued(now: datetime) -> Transition:
    """An operator's ``syncd retry``: PENDING now, attempts counted from zero."""
    return Transition(SyncStatus.PENDING, now, 0)
