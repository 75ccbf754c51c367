"""The pure delivery policy: backoff bounds and jitter, attempt limit, and which outcome leads
to which status (an unknown state change is never simply re-sent)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncd.core.records import Outcome, SyncStatus
from syncd.rules.outbox import (
    RetryPolicy,
    after_outcome,
    not_processed,
    refused,
    requeued,
    unresolved,
    waiting,
)

NOW = datetime(2026, 11, 25, 10, 0)
POLICY = RetryPolicy(max_attempts=4, initial_s=5, max_s=60, jitter=0.2, wait_s=7)


@given(attempt=st.integers(1, 30), draw=st.floats(0, 1, exclude_max=True))
def test_backoff_is_exponential_within_the_jitter_band_and_capped(
    attempt: int, draw: float
) -> None:
    """delay = min(max, initial·2^(n-1)) · (1 ± jitter), never above max."""
    base = min(60.0, 5.0 * 2 ** (attempt - 1))
    delay = POLICY.delay(attempt, draw).total_seconds()
    assert base * 0.8 - 1e-6 <= delay <= min(60.0, base * 1.2) + 1e-6


def test_jitter_spreads_the_same_attempt() -> None:
    """Two draws give two different pauses (no thundering herd)."""
    assert POLICY.delay(2, 0.0) != POLICY.delay(2, 0.99)
    assert POLICY.delay(2, 0.5) == timedelta(seconds=10)


@pytest.mark.parametrize(
    ("outcome", "kind", "status"),
    [
        (Outcome.SUCCEEDED, "money", SyncStatus.SUCCEEDED),
        (Outcome.REJECTED, "state_change", SyncStatus.REJECTED),
        (Outcome.RETRY, "money", SyncStatus.PENDING),
        (Outcome.UNKNOWN, "query", SyncStatus.PENDING),
        (Outcome.UNKNOWN, "upload", SyncStatus.PENDING),
        (Outcome.UNKNOWN, "state_change", SyncStatus.UNKNOWN),
        (Outcome.UNKNOWN, "money", SyncStatus.UNKNOWN),
    ],
)
def test_outcome_to_status(outcome: Outcome, kind: str, status: SyncStatus) -> None:
    """Queries and uploads may be repeated; state changes and money calls wait for a query."""
    transition = after_outcome(outcome, kind, 1, POLICY, NOW, 0.5)
    assert transition.status is status and transition.attempts == 1


def test_failed_after_max_attempts_and_not_before() -> None:
    """RETRY on attempt 3 of 4 backs off; on attempt 4 the row is FAILED for good."""
    assert after_outcome(Outcome.RETRY, "query", 3, POLICY, NOW, 0.5).status is SyncStatus.PENDING
    last = after_outcome(Outcome.RETRY, "query", 4, POLICY, NOW, 0.5)
    assert (last.status, last.next_attempt_at, last.final) == (SyncStatus.FAILED, None, True)


def test_waiting_and_refusing_use_no_attempt_and_requeue_starts_over() -> None:
    wait = waiting(POLICY, NOW, "等待入院登记")
    assert (wait.status, wait.attempts, wait.next_attempt_at) == (
        SyncStatus.WAITING,
        None,
        NOW + timedelta(seconds=7),
    )
    refuse = refused("就诊状态为已出院登记")
    assert (refuse.status, refuse.attempts, refuse.final) == (SyncStatus.REJECTED, None, True)
    assert requeued(NOW).attempts == 0 and requeued(NOW).status is SyncStatus.PENDING


def test_an_unknown_is_asked_again_no_sooner_than_the_in_flight_window() -> None:
    """The backoff of an UNKNOWN is at least ``unknown_hold_s``: a query any sooner could find
    a call the platform is still working on "not processed"."""
    held = RetryPolicy(max_attempts=4, initial_s=5, max_s=60, jitter=0.2, unknown_hold_s=120)
    for kind in ("state_change", "money"):
        first = after_outcome(Outcome.UNKNOWN, kind, 1, held, NOW, 0.5)
        assert (first.status, first.next_attempt_at) == (
            SyncStatus.UNKNOWN,
            NOW + timedelta(seconds=120),
        )
    assert unresolved(1, held, NOW, 0.5).next_attempt_at == NOW + timedelta(seconds=120)
    long = RetryPolicy(initial_s=300, max_s=900, jitter=0, unknown_hold_s=120)
    assert unresolved(1, long, NOW, 0.5).next_attempt_at == NOW + timedelta(seconds=300)


def test_not_processed_is_sent_again_at_once_until_the_attempts_are_used_up() -> None:
    again = not_processed(3, POLICY, NOW)
    assert (again.status, again.next_attempt_at, again.attempts) == (SyncStatus.PENDING, NOW, 3)
    last = not_processed(4, POLICY, NOW)
    assert (last.status, last.next_attempt_at, last.final) == (SyncStatus.FAILED, None, True)
    assert "4" in last.message
