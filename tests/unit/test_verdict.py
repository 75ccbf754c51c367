"""The pure verdict step on an unsettled call: what a resolution found, the attempts used, the
policy and now in; how the call ended and the unit's transition out."""

from __future__ import annotations

from datetime import datetime, timedelta

from syncd.core.records import ConcludedBy, Outcome, SyncStatus
from syncd.rules.conclusion import Conclusion, transition_of
from syncd.rules.outbox import RetryPolicy, Transition
from syncd.rules.resolve import NOT_PROCESSED, Resolution, processed, undecided
from syncd.rules.resolve.verdict import NOT_PROCESSED_ZH, STILL_RUNNING_ZH, adopted

NOW = datetime(2026, 11, 25, 9, 0)
POLICY = RetryPolicy(max_attempts=3, initial_s=10, max_s=60, jitter=0.0, unknown_hold_s=300)


def verdict(
    found: Resolution, attempts: int, *, just_sent: bool = False
) -> tuple[Conclusion, Transition]:
    ended = adopted(found, "c1", just_sent=just_sent)
    return ended, transition_of(ended, "state_change", attempts, POLICY, NOW, 0.5)


def test_processed_is_adopted_as_if_the_reply_had_come() -> None:
    ended, transition = verdict(processed(aaz218="Z1"), 1)
    assert (ended.outcome, ended.by, dict(ended.fields)) == (
        Outcome.SUCCEEDED,
        ConcludedBy.QUERY,
        {"aaz218": "Z1"},
    )
    assert transition.status is SyncStatus.SUCCEEDED


def test_not_processed_right_after_the_call_stays_unknown_for_the_in_flight_window() -> None:
    ended, transition = verdict(NOT_PROCESSED, 1, just_sent=True)
    assert (ended.outcome, ended.message) == (Outcome.UNKNOWN, STILL_RUNNING_ZH)
    assert transition.status is SyncStatus.UNKNOWN
    assert transition.next_attempt_at == NOW + timedelta(seconds=300)


def test_not_processed_later_sends_again_at_once_until_the_attempts_are_used() -> None:
    ended, again = verdict(NOT_PROCESSED, 2)
    assert (ended.outcome, ended.by, ended.message) == (
        Outcome.RETRY,
        ConcludedBy.QUERY,
        NOT_PROCESSED_ZH,
    )
    assert (again.status, again.next_attempt_at) == (SyncStatus.PENDING, NOW)
    _, last = verdict(NOT_PROCESSED, 3)
    assert last.status is SyncStatus.FAILED and "3次" in last.message


def test_undecided_stays_unknown_with_its_reason_and_a_reply_retry_backs_off() -> None:
    ended, transition = verdict(undecided("请人工核对"), 1)
    assert (ended.outcome, ended.message) == (Outcome.UNKNOWN, "请人工核对")
    assert transition.status is SyncStatus.UNKNOWN
    refused = Conclusion(Outcome.RETRY, "c1", message="connection refused")
    backoff = transition_of(refused, "state_change", 1, POLICY, NOW, 0.5)
    assert (backoff.status, backoff.next_attempt_at) == (
        SyncStatus.PENDING,
        NOW + timedelta(seconds=10),
    )
