"""The command port (``WI_REQUEST``), the archive port, the audit log and a feed's view: the
in-memory fakes and the real stores behave alike (see :mod:`contract_support`)."""

from __future__ import annotations

from datetime import timedelta

from contract_support import NOW, SPEC, Backend, backend, lease

from syncd.core.reconcile_records import AuditEntry
from syncd.core.records import Answer, ArchiveEntry, NewRow, RequestStatus, SyncStatus
from syncd.rules.fee_batches import REFILL_ZH
from syncd.rules.outbox import Transition
from syncd.rules.visits import Visit, VisitChange

__all__ = ["backend"]


def test_commands_are_claimed_due_and_free_with_their_parameters(backend: Backend) -> None:
    """The visit column and params_json make the parameters; a held command is not taken."""
    first = backend.insert_command("op_charge", "MZ1", charge_no="C1", bka893="1")
    second = backend.insert_command("op_person", bka895="aac001", bka896="P1")
    requests = backend.stores.requests
    (command,) = requests.claim(lease("a"), 1)
    assert (command.id, command.status, command.attempts) == (first, RequestStatus.NEW, 0)
    assert command.params == {"visit_key": "MZ1", "charge_no": "C1", "bka893": "1"}
    assert [c.id for c in requests.claim(lease("b"), 10)] == [second]
    assert requests.claim(lease("c"), 10) == []
    assert requests.find(first) == command and requests.find(999) is None
    assert requests.unsettled(first) is None


def test_an_intent_writes_the_visit_and_counts_among_the_visits_open_commands(
    backend: Backend,
) -> None:
    command = backend.insert_command("op_charge", charge_no="C1")
    other = backend.insert_command("op_charge", "MZ1", charge_no="C2")
    requests = backend.stores.requests
    requests.claim(lease("a"), 10)
    assert not requests.mark_in_flight(command, "c1", 1, lease("b"), "MZ1")  # not b's
    assert requests.mark_in_flight(command, "c1", 1, lease("a", seconds=600), "MZ1")
    found = requests.unsettled(command)
    assert found is not None and (found.status, found.call_id) == (RequestStatus.IN_FLIGHT, "c1")
    assert requests.unsettled_commands(["op_charge"], "MZ1") == 1
    assert requests.unsettled_commands(["op_charge"], "MZ1", besides=command) == 0
    requests.release([other], "a")
    assert not requests.claim_unsettled(other, lease("b"))  # NEW: not unsettled
    assert not requests.claim_unsettled(command, lease("b"))  # its intent's lease runs
    assert requests.claim_unsettled(command, lease("b", NOW + timedelta(seconds=601)))


def test_an_answer_is_written_only_while_ours_with_the_visit_effect(backend: Backend) -> None:
    command = backend.insert_command("op_registration", "MZ1")
    stores = backend.stores
    stores.requests.claim(lease("a"), 10)
    answer = Answer(
        RequestStatus.DONE,
        1,
        return_code="1",
        message="成功",
        call_id="c1",
        columns={"aaz218": "Z9"},
        result={"fields": {}, "datasets": {}},
    )
    effect = (Visit("MZ1", "OUTPATIENT"), VisitChange(state="REGISTERED", aaz218="Z9"))
    assert not stores.command(command, answer, NOW, "b", effect)
    assert stores.visits.find("MZ1") is None
    assert stores.command(command, answer, NOW, "a", effect)
    found = stores.requests.find(command)
    assert found is not None and (found.status, found.call_id) == (RequestStatus.DONE, "c1")
    visit = stores.visits.get("MZ1", "OUTPATIENT")
    assert (visit.state, visit.aaz218) == ("REGISTERED", "Z9")
    assert stores.requests.claim(lease("a"), 10) == []


def test_deferral_requeue_and_resend(backend: Backend) -> None:
    """A deferred command keeps its status; FAILED → NEW from attempt 0; UNKNOWN → NEW with
    its attempts (an operator found it not processed); anything else is left alone."""
    command = backend.insert_command("op_charge", "MZ1", charge_no="C1")
    requests, stores = backend.stores.requests, backend.stores
    requests.claim(lease("a"), 10)
    later = NOW + timedelta(minutes=5)
    assert requests.defer(command, "a", later, "明细视图读取失败")
    assert not requests.defer(command, "a", later, "again")  # given back: not ours
    assert requests.claim(lease("a"), 10) == []  # not due
    (claimed,) = requests.claim(lease("a", later), 10)
    assert claimed.status is RequestStatus.NEW and claimed.attempts == 0
    assert stores.command(command, Answer(RequestStatus.FAILED, 3, message="x"), later, "a")
    assert requests.resend_unknown(command, later) == 0
    assert requests.requeue(command, later) == 1
    found = requests.find(command)
    assert found is not None and (found.status, found.attempts) == (RequestStatus.NEW, 0)
    requests.claim(lease("a", later), 10)
    stores.command(command, Answer(RequestStatus.UNKNOWN, 2, later), later, "a")
    assert requests.requeue(None, later) == 0
    assert requests.resend_unknown(command, later) == 1
    found = requests.find(command)
    assert found is not None and (found.status, found.attempts) == (RequestStatus.NEW, 2)


def test_requeue_of_one_command_kind_leaves_the_others_failed(backend: Backend) -> None:
    """`syncd retry --failed --feed op_charge` re-queues the FAILED op_charge commands only."""
    requests, stores = backend.stores.requests, backend.stores
    charge = backend.insert_command("op_charge", "MZ1", charge_no="C1")
    person = backend.insert_command("op_person", "", bka895="aac001", bka896="1000010001")
    requests.claim(lease("a"), 10)
    for command in (charge, person):
        assert stores.command(command, Answer(RequestStatus.FAILED, 3, message="x"), NOW, "a")
    assert requests.requeue(None, NOW, command="op_charge") == 1
    statuses = {c: requests.find(c).status for c in (charge, person)}  # type: ignore[union-attr]
    assert statuses == {charge: RequestStatus.NEW, person: RequestStatus.FAILED}


def test_the_archive_gives_back_the_last_request_of_a_call(backend: Backend) -> None:
    archive = backend.archive
    for body in (b"<program>1</program>", b"<program>2</program>"):
        entry = ArchiveEntry("bizh120002", "c1", "SUCCEEDED", "1", 5, body, b"<program/>")
        archive.record(entry, NOW)
    assert archive.sent("c1") == b"<program>2</program>"
    assert archive.sent("c2") is None


def test_a_view_offers_rows_not_recorded_yet_by_key_and_by_visit(backend: Backend) -> None:
    """discover: the anti-join (a new version is new); by_keys: current rows; of_visit: the
    visit's rows in the batch order."""
    source = backend.view(
        [
            {"ROW_ID": 2, "VISIT_NO": "ZY1", "AMOUNT": "3.00", "VER": 1},
            {"ROW_ID": 1, "VISIT_NO": "ZY1", "AMOUNT": "2.00", "VER": 1},
            {"ROW_ID": 3, "VISIT_NO": "ZY2", "AMOUNT": "4.00", "VER": None},
        ]
    )
    found = sorted((r.key, r.version) for r in source.discover(10))
    assert found == [("1", "1"), ("2", "1"), ("3", "-")]
    backend.stores.outbox.add(SPEC.feed, SPEC.function, [NewRow("1", "1", "ZY1")], NOW)
    assert sorted(r.key for r in source.discover(10)) == ["2", "3"]
    rows = source.by_keys(["1", "3", "9"])
    assert sorted(rows) == ["1", "3"] and rows["1"].values["AMOUNT"] == "2.00"
    assert [r.key for r in source.of_visit("ZY1")] == ["1", "2"]


def test_the_audit_log_keeps_each_entry_with_its_time_newest_first(backend: Backend) -> None:
    first = AuditEntry("cli:wang", "requeue", "ip_fee", "F1", 1, "REJECTED", "PENDING")
    second = AuditEntry("li", "requeue_failed", None, None, 0, None, "refused", "未执行：x", "::1")
    backend.audit.write(first, NOW)
    backend.audit.write(second, NOW + timedelta(seconds=1))
    assert backend.audit.recent(10) == [
        AuditEntry(**{**second.__dict__, "created_at": NOW + timedelta(seconds=1)}),
        AuditEntry(**{**first.__dict__, "created_at": NOW}),
    ]
    assert len(backend.audit.recent(1)) == 1


def test_syncds_own_fee_deletion_is_recorded_and_its_success_sends_the_fees_again(
    backend: Backend,
) -> None:
    """request_refill records a NEW deletion requested_by syncd (refills lists only those);
    answered DONE with the refill effect, the visit's uploaded fee rows go again."""
    stores = backend.stores
    stores.outbox.add("ip_fee", "bizh120002", [NewRow("F1", "1", "ZY1")], NOW)
    stores.outbox.add("other", "bizh120105", [NewRow("D1", "1", "ZY1")], NOW)
    held = stores.outbox.claim("ip_fee", lease("a"), 10) + stores.outbox.claim(
        "other", lease("a"), 10
    )
    done = Transition(SyncStatus.SUCCEEDED, None, 1)
    assert stores.rows([r.id for r in held], done, NOW, "a", {})
    backend.insert_command("ip_delete_fees", "ZY1")  # the HIS's own: not a refill
    refill = stores.requests.request_refill("ip_delete_fees", "ZY1", NOW)
    assert stores.requests.refills(["ip_delete_fees"], "ZY1") == ["NEW"]
    assert stores.requests.refills(["ip_delete_fees"], "ZY2") == []
    (command,) = [c for c in stores.requests.claim(lease("a"), 10) if c.id == refill]
    assert command.params["refill"] == "1" and command.params["visit_key"] == "ZY1"
    answer = Answer(RequestStatus.DONE, 1, return_code="1", message="成功", call_id="c9")
    visit = Visit("ZY1", "INPATIENT", "ADMITTED", fee_amount="9.00")
    assert stores.command(
        refill, answer, NOW, "a", (visit, VisitChange(fee_reset=True, refill=True))
    )
    assert stores.requests.refills(["ip_delete_fees"], "ZY1") == ["DONE"]
    fee_row, other_row = (backend.status_row(r.id) for r in held)
    assert (fee_row["status"], fee_row["attempts"]) == ("PENDING", 0)
    assert fee_row["last_error"] == REFILL_ZH and other_row["status"] == "SUCCEEDED"
