"""UNKNOWN resolution strategies, each against a scripted query reply: processed (adopt),
not processed (send again) or undecided (stays UNKNOWN for an operator)."""

from __future__ import annotations

from collections.abc import Mapping

from syncd.protocol.decoded import Program, Row
from syncd.rules.resolve import Found, Question, resolve
from syncd.rules.resolve.question import QUERY_FAILED_ZH, needs_person
from syncd.rules.visits import Visit

VISIT = Visit("V1", "INPATIENT", "ADMITTED", aaz218="Z1", fee_amount="30.00", last_batch=1)


def sent(
    function_id: str, visit: Visit | None = VISIT, datasets: object = None, **params: str
) -> Question:
    return Question(function_id, params, datasets or {}, visit, "SS0001")  # type: ignore[arg-type]


def answers(*replies: Program | None) -> tuple[list[tuple[str, dict[str, str]]], object]:
    asked: list[tuple[str, dict[str, str]]] = []
    queue = list(replies)

    def ask(function_id: str, params: Mapping[str, str]) -> Program | None:
        asked.append((function_id, dict(params)))
        return queue.pop(0)

    return asked, ask


def biz(*rows: dict[str, str]) -> Program:
    return Program(
        values={"return_code": "1"}, datasets={"bizinfo": tuple(Row(values=r) for r in rows)}
    )


def test_admission_found_by_person_and_inpatient_number_is_adopted() -> None:
    asked, ask = answers(biz({"aaz218": "Z7", "bka025": "NO-1"}, {"aaz218": "Z8", "bka025": "x"}))
    found = resolve(sent("bizh120103", None, aac001="P1", bka025="NO-1"), ask)  # type: ignore[arg-type]
    assert found.found is Found.PROCESSED and found.fields["aaz218"] == "Z7"
    assert asked[0][0] == "bizh120102" and asked[0][1]["bka896"] == "P1"


def test_admission_not_found_is_sent_again_and_a_failed_query_decides_nothing() -> None:
    _, ask = answers(biz())
    assert resolve(sent("bizh120103", None, aac001="P1", bka025="NO-1"), ask).found is (  # type: ignore[arg-type]
        Found.NOT_PROCESSED
    )
    _, ask = answers(None)
    assert resolve(sent("bizh120103", None, aac001="P1", bka025="NO-1"), ask).found is (  # type: ignore[arg-type]
        Found.UNDECIDED
    )


def test_fee_batch_total_decides_processed_not_processed_or_operator() -> None:
    """akc264 = known + batch → processed; = known → not; anything else → an operator."""
    rows = {"feeinfo": [{"bka058": "10.00"}, {"bka058": "-2.50"}]}
    for total, expected in (
        ("37.50", Found.PROCESSED),
        ("30.00", Found.NOT_PROCESSED),
        ("99.00", Found.UNDECIDED),
    ):
        _, ask = answers(Program(values={"return_code": "1", "akc264": total}))
        found = resolve(sent("bizh120002", datasets=rows, aaz218="Z1"), ask)  # type: ignore[arg-type]
        assert found.found is expected, total
    assert "人工核对" in found.reason_zh


def test_settlement_seen_settled_takes_the_figures_from_the_slip() -> None:
    slip = Program(
        values={"return_code": "1", "bka979": "80.00", "bka811": "70.00", "bka812": "10.00"}
    )
    asked, ask = answers(biz({"aaz218": "Z1", "bka891": "1"}), slip)
    found = resolve(sent("bizh120106", aaz218="Z1"), ask)  # type: ignore[arg-type]
    assert found.found is Found.PROCESSED
    assert (found.fields["akc264"], found.fields["bka832"], found.fields["bka831"]) == (
        "80.00",
        "70.00",
        "10.00",
    )
    assert [a[0] for a in asked] == ["bizh120102", "bizh120206"]
    _, ask = answers(biz({"aaz218": "Z1", "bka891": "0"}))
    assert resolve(sent("bizh120106", aaz218="Z1"), ask).found is Found.NOT_PROCESSED  # type: ignore[arg-type]


def test_cancellations_and_discharge_read_the_business_state() -> None:
    cases = [
        ("bizh120105", {"bka032": "20261125"}, Found.PROCESSED),
        ("bizh120105", {"bka032": ""}, Found.NOT_PROCESSED),
        ("bizh120107", {"bka891": "0"}, Found.PROCESSED),
        ("bizh120108", {"bka032": ""}, Found.PROCESSED),
    ]
    for function_id, row, expected in cases:
        _, ask = answers(biz({"aaz218": "Z1", **row}))
        assert resolve(sent(function_id, aaz218="Z1"), ask).found is expected, function_id  # type: ignore[arg-type]
    _, ask = answers(biz())
    assert resolve(sent("bizh120109", aaz218="Z1"), ask).found is Found.PROCESSED  # type: ignore[arg-type]


def test_outpatient_charge_new_batch_is_adopted_and_a_trial_is_simply_sent_again() -> None:
    rows = (Row(values={"bka001": "1", "aae100": "1"}), Row(values={"bka001": "2", "aae100": "1"}))
    batches = Program(values={"return_code": "1"}, datasets={"batchinfo": rows})
    _, ask = answers(batches)
    found = resolve(sent("bizh110105", aaz218="Z1", bka893="1"), ask)  # type: ignore[arg-type]
    assert found.found is Found.PROCESSED and found.fields["payinfo.bka001"] == "2"
    asked, ask = answers()
    assert (
        resolve(sent("bizh110105", aaz218="Z1", bka893="0"), ask).found
        is (  # type: ignore[arg-type]
            Found.NOT_PROCESSED
        )
        and asked == []
    )


def batch_list(*rows: dict[str, str]) -> Program:
    return Program(
        values={"return_code": "1"}, datasets={"batchinfo": tuple(Row(values=r) for r in rows)}
    )


def refund_sent(hint: str, fees: list[dict[str, str]]) -> Question:
    return Question(
        "bizh110105",
        {"aaz218": "Z1", "bka893": "1"},
        {"feeinfo": fees},
        VISIT,
        "SS0001",
        hints={"bka001": hint},
    )


REFUNDED = {"bka001": "1", "aae100": "0", "akc264": "42.40", "bka831": "0.00", "bka832": "42.40"}


def test_a_refund_is_judged_by_the_batch_its_first_step_named() -> None:
    """With or without its (negative) rows, the batch named by the hint decides: refunded →
    processed with the batch's figures negated; live → not processed.  Batch 2 after it does
    not make the refund look like a new charge."""
    for fees in ([{"bka058": "-42.40"}], []):
        _, ask = answers(batch_list(REFUNDED, {"bka001": "2", "aae100": "1"}))
        found = resolve(refund_sent("1", fees), ask)
        assert found.found is Found.PROCESSED, fees
        assert found.fields == {
            "payinfo.bka001": "1",
            "payinfo.akc264": "-42.40",
            "payinfo.bka831": "0.00",
            "payinfo.bka832": "-42.40",
        }
        _, ask = answers(batch_list({**REFUNDED, "aae100": "1"}))
        assert resolve(refund_sent("1", fees), ask).found is Found.NOT_PROCESSED, fees


def test_a_refund_of_no_known_or_unlisted_batch_is_undecided() -> None:
    """No hint (or 0: every batch) and rows without a batch number: which batch is unknown.
    A batch the platform does not list: nothing to judge by."""
    _, ask = answers(batch_list(REFUNDED))
    found = resolve(refund_sent("0", [{"bka058": "-42.40"}]), ask)
    assert found.found is Found.UNDECIDED and "批次号" in found.reason_zh
    _, ask = answers(batch_list(REFUNDED))
    found = resolve(refund_sent("7", []), ask)
    assert found.found is Found.UNDECIDED and "第7批次" in found.reason_zh
    _, ask = answers(batch_list(REFUNDED))  # the rows name it when there is no hint
    assert resolve(refund_sent("", [{"bka058": "-42.40", "bka001": "1"}]), ask).found is (
        Found.PROCESSED
    )


def test_a_refund_is_a_refund_whatever_the_sign_of_its_rows() -> None:
    """A free item (0.00) in the batch, or 110103 giving the amounts positive (its sign is
    not documented): the hinted batch still decides — batch 2 is not taken for a charge."""
    for fees in ([{"bka058": "-42.40"}, {"bka058": "0.00"}], [{"bka058": "42.40"}]):
        _, ask = answers(batch_list(REFUNDED, {"bka001": "2", "aae100": "1"}))
        found = resolve(refund_sent("1", fees), ask)
        assert found.found is Found.PROCESSED and found.fields["payinfo.bka001"] == "1", fees


def test_a_refund_whose_batch_shows_no_refund_state_is_undecided() -> None:
    for aae100 in ("", "9"):
        _, ask = answers(batch_list({**REFUNDED, "aae100": aae100}))
        found = resolve(refund_sent("1", []), ask)
        assert found.found is Found.UNDECIDED and "第1批次" in found.reason_zh, aae100


def with_refundable(listing: Program, *rows: dict[str, str]) -> Program:
    """110103's listing with its feeinfo: the rows still offered for refund."""
    refundable = tuple(Row(values=r) for r in rows)
    return Program(values=listing.values, datasets={**listing.datasets, "feeinfo": refundable})


def test_a_refund_without_aae100_is_judged_by_the_rows_still_refundable() -> None:
    """No aae100: the batch's rows still in 110103's feeinfo → live (not processed); the
    reply carries feeinfo without them → refunded (processed, figures negated)."""
    plain = {k: v for k, v in REFUNDED.items() if k != "aae100"}
    live = {"bka001": "1", "bka058": "-42.40"}
    other = {"bka001": "2", "bka058": "-5.00"}
    _, ask = answers(with_refundable(batch_list(plain, {"bka001": "2"}), live, other))
    assert resolve(refund_sent("1", []), ask).found is Found.NOT_PROCESSED
    _, ask = answers(with_refundable(batch_list(plain, {"bka001": "2"}), other))
    found = resolve(refund_sent("1", []), ask)
    assert found.found is Found.PROCESSED and found.fields["payinfo.akc264"] == "-42.40"
    _, ask = answers(with_refundable(batch_list(plain)))  # an empty feeinfo still tells
    assert resolve(refund_sent("1", []), ask).found is Found.PROCESSED


MODIFY = {"aaz218": "Z1", "bka021": "W07", "bka022": "新病区", "bka023": "21", "bka025": "NO-1"}


def test_modify_seen_on_the_platform_is_processed() -> None:
    """Every field we sent is shown by 120102 with our value."""
    asked, ask = answers(
        biz(
            {
                "aaz218": "Z1",
                "bka021": "W07",
                "bka022": "新病区",
                "bka023": "21",
                "bka025": "NO-1",
                "bka019": "D05",
            }
        )
    )
    found = resolve(sent("bizh120104", **MODIFY), ask)  # type: ignore[arg-type]
    assert found.found is Found.PROCESSED
    assert asked == [
        ("bizh120102", {"akb020": "SS0001", "bka895": "aaz218", "bka896": "Z1", "aka130": "42"})
    ]


def test_modify_with_one_field_still_old_is_sent_again() -> None:
    _, ask = answers(
        biz({"aaz218": "Z1", "bka021": "W07", "bka023": "12", "bka025": "NO-1", "bka022": "新病区"})
    )
    assert resolve(sent("bizh120104", **MODIFY), ask).found is Found.NOT_PROCESSED  # type: ignore[arg-type]


def test_modify_is_not_confirmed_by_the_fields_it_did_not_change() -> None:
    """Only the ward name bka022 changed, and the spec's bizinfo does not carry bka022: the
    unchanged fields that match prove nothing, so the change is sent again (idempotent)."""
    for shown in (
        {"aaz218": "Z1", "bka021": "W07", "bka023": "21", "bka025": "NO-1"},
        {"aaz218": "Z1", "bka019": "D05", "bka021": ""},
    ):
        _, ask = answers(biz(shown))
        found = resolve(sent("bizh120104", **MODIFY), ask)  # type: ignore[arg-type]
        assert found.found is Found.NOT_PROCESSED, shown


def test_modify_undecided_without_query_or_business() -> None:
    """No business: a person checks; a failed query: asked again by itself (no person)."""
    for reply, person in ((None, False), (biz(), True)):
        _, ask = answers(reply)
        found = resolve(sent("bizh120104", **MODIFY), ask)  # type: ignore[arg-type]
        assert found.found is Found.UNDECIDED, reply
        assert needs_person(found.reason_zh) is person, reply
    asked, ask = answers()
    found = resolve(sent("bizh120104", aaz218="Z1", bka021=""), ask)  # type: ignore[arg-type]
    assert found.found is Found.UNDECIDED and asked == []


def test_fee_delete_compares_the_total_with_the_known_sum() -> None:
    """Known sum 30.00: total 0 → all rows gone; 30.00 → nothing deleted, delete again;
    another total (a batch went up meanwhile) or none → undecided, never a blind delete."""
    for total, expected in (
        ("0.00", Found.PROCESSED),
        ("0", Found.PROCESSED),
        ("30.00", Found.NOT_PROCESSED),
        ("30", Found.NOT_PROCESSED),
        ("120.00", Found.UNDECIDED),
        ("-0.01", Found.UNDECIDED),
        ("", Found.UNDECIDED),
        ("abc", Found.UNDECIDED),
    ):
        asked, ask = answers(Program(values={"return_code": "1", "akc264": total}))
        found = resolve(sent("bizh120004", aaz218="Z1"), ask)  # type: ignore[arg-type]
        assert found.found is expected, total
        assert asked == [("bizh120003", {"akb020": "SS0001", "aaz218": "Z1", "bka438": "1"})]
    _, ask = answers(None)
    found = resolve(sent("bizh120004", aaz218="Z1"), ask)  # type: ignore[arg-type]
    assert found.found is Found.UNDECIDED and found.reason_zh == QUERY_FAILED_ZH


def test_fee_delete_of_a_stay_known_at_zero_is_undecided() -> None:
    """Rows that net to 0 look the same deleted or not."""
    empty = Visit("V1", "INPATIENT", "ADMITTED", aaz218="Z1", fee_amount="0.00", last_batch=1)
    _, ask = answers(Program(values={"return_code": "1", "akc264": "0.00"}))
    found = resolve(sent("bizh120004", visit=empty, aaz218="Z1"), ask)  # type: ignore[arg-type]
    assert found.found is Found.UNDECIDED


def test_a_call_without_a_strategy_stays_unknown() -> None:
    asked, ask = answers()
    found = resolve(sent("bizh200106", aaz218="Z1"), ask)  # type: ignore[arg-type]
    assert found.found is Found.UNDECIDED and asked == [] and "人工核对" in found.reason_zh


def test_admission_with_two_businesses_of_our_inpatient_number_is_undecided() -> None:
    """Two stays with our 住院号 that nothing tells apart: one may be ours, so the admission
    is never sent again."""
    _, ask = answers(biz({"aaz218": "Z7", "bka025": "NO-1"}, {"aaz218": "Z8", "bka025": "NO-1"}))
    found = resolve(sent("bizh120103", None, aac001="P1", bka025="NO-1"), ask)  # type: ignore[arg-type]
    assert found.found is Found.UNDECIDED and "人工核对" in found.reason_zh


def test_two_stays_of_our_inpatient_number_are_told_by_admission_date_ward_or_open() -> None:
    """The stay shown with the admission date and ward we sent is ours; of two such, the one
    still open (no 出院日期)."""
    ours = {"aaz218": "Z8", "bka025": "NO-1", "bka017": "2026-11-20 09:00:00", "bka021": "W05"}
    older = {"aaz218": "Z7", "bka025": "NO-1", "bka017": "2026-10-02", "bka021": "W05"}
    call = sent("bizh120103", None, aac001="P1", bka025="NO-1", bka017="20261120", bka021="W05")
    _, ask = answers(biz(older, ours))
    found = resolve(call, ask)  # type: ignore[arg-type]
    assert found.found is Found.PROCESSED and found.fields["aaz218"] == "Z8"
    closed = {**ours, "aaz218": "Z6", "bka032": "20261121"}
    _, ask = answers(biz(closed, ours))
    found = resolve(call, ask)  # type: ignore[arg-type]
    assert found.found is Found.PROCESSED and found.fields["aaz218"] == "Z8"
    _, ask = answers(biz(ours, {**ours, "aaz218": "Z9"}))
    assert resolve(call, ask).found is Found.UNDECIDED  # type: ignore[arg-type]


def test_registration_with_two_businesses_of_our_number_is_undecided() -> None:
    _, ask = answers(biz({"aaz218": "Z7", "bka025": "MZ-1"}, {"aaz218": "Z8", "bka025": "MZ-1"}))
    found = resolve(sent("bizh110104", None, aac001="P1", bka025="MZ-1", bka017="20261125"), ask)  # type: ignore[arg-type]
    assert found.found is Found.UNDECIDED and "人工核对" in found.reason_zh
    _, ask = answers(biz({"aaz218": "Z7", "bka025": "MZ-1"}, {"aaz218": "Z8", "bka025": "x"}))
    found = resolve(sent("bizh110104", None, aac001="P1", bka025="MZ-1", bka017="20261125"), ask)  # type: ignore[arg-type]
    assert found.found is Found.PROCESSED and found.fields["aaz218"] == "Z7"


def test_fee_batch_that_nets_to_zero_is_undecided_whatever_the_total() -> None:
    """+5.00/−5.00 or all 0.00: the total is the known sum whether or not the batch was
    processed, so neither "processed" (rows never uploaded would be marked done) nor "not
    processed" (sent twice) can be told; the query is not even asked."""
    for rows in ([{"bka058": "5.00"}, {"bka058": "-5.00"}], [{"bka058": "0.00"}] * 3):
        asked, ask = answers(Program(values={"return_code": "1", "akc264": "30.00"}))
        found = resolve(sent("bizh120002", datasets={"feeinfo": rows}, aaz218="Z1"), ask)  # type: ignore[arg-type]
        assert found.found is Found.UNDECIDED, rows
        assert "合计为0" in found.reason_zh and "人工核对" in found.reason_zh
        assert asked == []


def test_settlement_asks_the_configured_slip_function() -> None:
    slip = Program(
        values={"return_code": "1", "bka979": "80.00", "bka811": "70.00", "bka812": "10.00"}
    )
    asked, ask = answers(biz({"aaz218": "Z1", "bka891": "1"}), slip)
    configured = Question("bizh120106", {"aaz218": "Z1"}, {}, VISIT, "SS0001", "bizh120299")
    assert resolve(configured, ask).found is Found.PROCESSED  # type: ignore[arg-type]
    assert [a[0] for a in asked] == ["bizh120102", "bizh120299"]
