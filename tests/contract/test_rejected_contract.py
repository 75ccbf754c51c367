"""The rejected-rows port (REJECTED rows compared again once their HIS data may have been
fixed): the in-memory fake and the real store behave alike (see :mod:`contract_support`)."""

from __future__ import annotations

from datetime import timedelta

from contract_support import NOW, Backend, backend, lease

from syncd.core.records import NewRow
from syncd.rules import outbox

__all__ = ["backend"]
LATER = NOW + timedelta(seconds=60)


def rejected(backend: Backend, *keys: str, call: str = "call-1") -> list[int]:
    """REJECTED rows of feed ``contract`` rejected together in one call; their ids."""
    box = backend.stores.outbox
    box.add("contract", "bizh120002", [NewRow(key, "1", "ZY1") for key in keys], NOW)
    ids = [r.id for r in box.claim("contract", lease("setup"), 100)]
    assert box.mark_in_flight(ids, call, {i: 1 for i in ids}, lease("setup"))
    box.set(ids, outbox.refused("明细项目编码不存在"), NOW, "setup")
    return ids


def test_rows_are_due_for_comparison_from_the_time_they_are_given(backend: Backend) -> None:
    store = backend.stores.rejected
    first, second, third = rejected(backend, "1", "2", "3")
    store.remember({first: "fp-1", second: "fp-2"}, LATER)
    assert store.due("contract", NOW, 10) == []
    due = store.due("contract", LATER, 10)
    assert [(r.source_key, r.fingerprint, r.request_id) for r in due] == [
        ("1", "fp-1", "call-1"),
        ("2", "fp-2", "call-1"),
    ]  # the third has no fingerprint: never compared
    assert due[0].reason == "明细项目编码不存在" and due[0].version == "1"
    store.later([first], LATER + timedelta(seconds=60))
    store.forget([second])
    assert store.due("contract", LATER, 10) == []
    assert [r.id for r in store.due("contract", LATER + timedelta(seconds=60), 10)] == [first]
    assert store.due("other", LATER + timedelta(seconds=60), 10) == []
    assert backend.status_row(third)["status"] == "REJECTED"


def test_a_changed_row_goes_again_with_the_rows_of_its_call_once(backend: Backend) -> None:
    store = backend.stores.rejected
    ids = rejected(backend, "1", "2")
    other = rejected(backend, "3", call="call-2")
    store.remember({ids[0]: "fp-1", other[0]: "fp-3"}, NOW)
    (row, _) = store.due("contract", NOW, 10)
    assert store.resend("contract", row, LATER) == 2  # row 1 and row 2 of the same call
    for row_id in ids:
        got = backend.status_row(row_id)
        assert (got["status"], got["attempts"], got["finished_at"]) == ("PENDING", 0, None)
        assert got["next_attempt_at"] == LATER
        assert "HIS数据已修正" in got["last_error"] and "明细项目编码不存在" in got["last_error"]
    assert store.resend("contract", row, LATER) == 0  # another engine was first
    assert backend.status_row(other[0])["status"] == "REJECTED"
