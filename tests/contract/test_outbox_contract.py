"""The outbox port (``sync_status``), the visit ledger and the one-transaction write-back: the
in-memory fake and the real store behave alike (see :mod:`contract_support`)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from contract_support import NOW, Backend, backend, lease

from syncd.core.records import NewRow, SyncStatus
from syncd.rules import outbox
from syncd.rules.visits import VisitChange

__all__ = ["backend"]


def rows(backend: Backend, *keys: str, visit: str = "ZY1") -> list[int]:
    """PENDING rows of feed ``contract`` (due now); their ids."""
    new = [NewRow(key, "1", visit) for key in keys]
    assert backend.stores.outbox.add("contract", "bizh120002", new, NOW) == len(keys)
    return [r.id for r in backend.stores.outbox.claim("contract", lease("setup"), 100)]


def release_all(backend: Backend, ids: list[int]) -> None:
    backend.stores.outbox.release(ids, "setup")


def test_adding_a_known_row_again_adds_nothing(backend: Backend) -> None:
    box = backend.stores.outbox
    assert box.add("contract", "bizh120002", [NewRow("1", "1", "ZY1")], NOW) == 1
    added = box.add("contract", "bizh120002", [NewRow("1", "1", "ZY1"), NewRow("1", "2", "")], NOW)
    assert added == 1  # a new version is a new row
    assert [s.status for s in box.standing("contract", "1")] == ["PENDING", "PENDING"]


def test_a_claim_takes_due_free_rows_once_and_leaves_the_rest(backend: Backend) -> None:
    """Due rows oldest first up to the limit; a row another owner holds (live lease) or that
    is not due is not taken; an expired lease is."""
    box = backend.stores.outbox
    box.add("contract", "bizh120002", [NewRow(k, "1", "ZY1") for k in "123"], NOW)
    first = box.claim("contract", lease("a"), 2)
    assert [r.source_key for r in first] == ["1", "2"]
    assert all(r.status is SyncStatus.PENDING and r.attempts == 0 for r in first)
    assert [r.source_key for r in box.claim("contract", lease("b"), 10)] == ["3"]
    assert box.claim("contract", lease("c"), 10) == []
    later = lease("c", NOW + timedelta(seconds=61))
    assert [r.source_key for r in box.claim("contract", later, 10)] == ["1", "2", "3"]


def test_an_intent_needs_every_row_still_ours(backend: Backend) -> None:
    ids = rows(backend, "1", "2")
    box = backend.stores.outbox
    box.release(ids[1:], "setup")
    assert not box.mark_in_flight(ids, "call-1", {i: 1 for i in ids}, lease("setup"))
    assert backend.status_row(ids[0])["status"] == "PENDING"
    flight = lease("setup", seconds=600)
    assert box.mark_in_flight(ids[:1], "call-1", {ids[0]: 1}, flight)
    row = backend.status_row(ids[0])
    assert (row["status"], row["attempts"], row["request_id"]) == ("IN_FLIGHT", 1, "call-1")
    assert box.unsettled_call("contract", "1") == ("call-1", "ZY1")
    assert box.unsettled_call("contract", "2") is None
    assert box.unsettled_calls("bizh120002", "ZY1") == 1
    assert box.visit_statuses(["contract", "other"], "ZY1") == {
        "contract": [SyncStatus.IN_FLIGHT, SyncStatus.PENDING],
        "other": [],
    }


def test_a_call_is_claimed_whole_whatever_its_due_time(backend: Backend) -> None:
    ids = rows(backend, "1", "2")
    box = backend.stores.outbox
    assert box.mark_in_flight(ids, "call-1", {i: 1 for i in ids}, lease("setup", seconds=5))
    box.release(ids[:1], "setup")
    taken, total = box.claim_call("contract", "call-1", lease("b", NOW + timedelta(seconds=1)))
    assert ([r.source_key for r in taken], total) == (["1"], 2)  # "2" is setup's still
    later = lease("b", NOW + timedelta(seconds=10))
    taken, total = box.claim_call("contract", "call-1", later)
    assert ([r.source_key for r in taken], total) == (["1", "2"], 2)


def test_the_write_back_is_all_or_nothing_with_the_visit_effect(backend: Backend) -> None:
    """Every row still ours: status, reply columns and the visit's relative change together;
    one row taken over: nothing at all (not the visit either).  A later write-back with an
    older read of the visit adds its sum to the ledger's rather than writing over it."""
    ids = rows(backend, "1", "2")
    stores = backend.stores
    visit = stores.visits.get("ZY1", "INPATIENT")
    done = outbox.Transition(SyncStatus.SUCCEEDED, None, 1)
    stores.outbox.release(ids[1:], "setup")
    effect = (visit, VisitChange(fee_delta="12.30"))
    assert not stores.rows(ids, done, NOW, "setup", {"request_id": "c1"}, effect)
    assert stores.visits.get("ZY1", "INPATIENT") == visit
    assert backend.status_row(ids[0])["status"] == "PENDING"
    assert stores.rows(ids[:1], done, NOW, "setup", {"request_id": "c1"}, effect)
    assert not stores.rows(ids[:1], done, NOW, "setup", {}, None)  # its lease is gone
    row = backend.status_row(ids[0])
    assert (row["status"], row["request_id"], row["lease_owner"]) == ("SUCCEEDED", "c1", None)
    assert row["finished_at"] == NOW
    (again,) = [r.id for r in stores.outbox.claim("contract", lease("b"), 10)]
    assert stores.rows([again], done, NOW, "b", {}, (visit, VisitChange(fee_delta="1.00")))
    assert Decimal(stores.visits.get("ZY1", "INPATIENT").fee_amount) == Decimal("13.30")


def test_a_status_change_waits_and_refuses_without_an_attempt(backend: Backend) -> None:
    ids = rows(backend, "1")
    box = backend.stores.outbox
    box.set(ids, outbox.waiting(outbox.RetryPolicy(wait_s=5), NOW, "等待"), NOW, "setup")
    row = backend.status_row(ids[0])
    assert (row["status"], row["attempts"], row["last_error"]) == ("WAITING", 0, "等待")
    assert row["next_attempt_at"] == NOW + timedelta(seconds=5) and row["lease_owner"] is None


def test_a_status_change_writes_the_current_reason_only(backend: Backend) -> None:
    """A transient reply's code and text, then a refusal without a reply: the refusal's text
    in both columns, no code (the HIS reads the current reason)."""
    ids = rows(backend, "1")
    box = backend.stores.outbox
    retry = outbox.Transition(SyncStatus.PENDING, NOW, 1, "会话已过期")
    reply = {"return_code": "-9", "return_code_message": "会话已过期"}
    assert backend.stores.rows(ids, retry, NOW, "setup", reply)
    (again,) = [r.id for r in box.claim("contract", lease("b"), 10)]
    box.set([again], outbox.refused("就诊已取消"), NOW, "b")
    row = backend.status_row(again)
    assert (row["status"], row["return_code"]) == ("REJECTED", None)
    assert row["return_code_message"] == row["last_error"] == "就诊已取消"


def test_the_reason_of_a_visits_unknown_row_is_read(backend: Backend) -> None:
    ids = rows(backend, "1", "2")
    box = backend.stores.outbox
    assert box.unknown_reason(["contract"], "ZY1") is None
    unknown = outbox.Transition(SyncStatus.UNKNOWN, NOW, 1, "结果未知：请人工核对")
    box.set(ids[1:], unknown, NOW, "setup")
    assert box.unknown_reason(["contract"], "ZY1") == ("contract", "2", "结果未知：请人工核对")
    assert box.unknown_reason(["other"], "ZY1") is None
    assert box.unknown_reason(["contract"], "ZY2") is None


def test_renew_keeps_only_our_rows_and_release_gives_them_back(backend: Backend) -> None:
    ids = rows(backend, "1", "2")
    box = backend.stores.outbox
    box.release(ids[1:], "setup")
    assert box.renew(ids, lease("setup", seconds=120)) == ids[:1]
    box.release(ids, "setup")
    assert backend.status_row(ids[0])["lease_owner"] is None


def test_operator_requeues_failed_rejected_and_unknown_rows(backend: Backend) -> None:
    """FAILED/REJECTED → PENDING from attempt 0; an UNKNOWN row only once its call ended
    ``hold_s`` ago; --rejected by reason and time; --not-processed takes the call's rows."""
    ids = rows(backend, "1", "2", "3")
    box = backend.stores.outbox
    box.set(ids[:1], outbox.Transition(SyncStatus.FAILED, None, 3, "断开"), NOW, "setup")
    box.set(ids[1:2], outbox.Transition(SyncStatus.REJECTED, None, 1, "人员不存在"), NOW, "setup")
    assert box.mark_in_flight(ids[2:], "c3", {ids[2]: 1}, lease("setup"))
    box.set(ids[2:], outbox.unresolved(1, outbox.RetryPolicy(), NOW, 0.5), NOW, "setup")
    later = NOW + timedelta(minutes=1)
    assert box.requeue_rejected("contract", "不存在", NOW + timedelta(seconds=1), later) == 0
    assert box.requeue_rejected("contract", "其他", None, later) == 0
    assert box.requeue_rejected("contract", "不存在", NOW, later) == 1
    assert backend.status_row(ids[1])["status"] == "PENDING"
    assert box.requeue("contract", "3", later, hold_s=120) == 0  # the call may still run
    assert box.requeue("contract", "3", later, hold_s=30) == 1
    assert backend.status_row(ids[2])["status"] == "UNKNOWN"
    assert box.requeue(None, None, later) == 1  # every FAILED row
    row = backend.status_row(ids[0])
    assert (row["status"], row["attempts"], row["finished_at"]) == ("PENDING", 0, None)
    assert box.resend_unknown("contract", "1", later) == 0
    assert box.resend_unknown("contract", "3", later) == 1
    row = backend.status_row(ids[2])
    assert (row["status"], row["attempts"]) == ("PENDING", 1)
