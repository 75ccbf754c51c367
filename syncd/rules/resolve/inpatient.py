"""UNKNOWN strategies of the inpatient calls (pure): see :mod:`syncd.rules.resolve`."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from syncd.protocol.decoded import Row
from syncd.rules.resolve.question import (
    NOT_PROCESSED,
    PERSON_MARK,
    Ask,
    Found,
    Question,
    Resolution,
    batch_sum,
    decimal_of,
    processed,
    query_failed,
    undecided,
)


def _inpatient_by_aaz218(call: Question, ask: Ask) -> tuple[Row, ...] | None:
    reply = ask(
        "bizh120102",
        {"akb020": call.akb020, "bka895": "aaz218", "bka896": call.aaz218, "aka130": "42"},
    )
    return None if reply is None else reply.rows("bizinfo")


def admission(call: Question, ask: Ask) -> Resolution:
    bka025 = call.text("bka025")
    if not bka025:
        return undecided("结果未知：入院登记未填住院号bka025，无法查询确认，请人工核对")
    reply = ask(
        "bizh120102",
        {
            "akb020": call.akb020,
            "bka895": "aac001",
            "bka896": call.text("aac001"),
            "aka130": "42",
            "bka891": "0",
        },
    )
    if reply is None:
        return query_failed()
    ours = [r for r in reply.rows("bizinfo") if r.get("bka025") == bka025]
    if not ours:
        return NOT_PROCESSED
    if len(ours) > 1:
        return _one_of_several(call, ours, bka025)
    return processed(aaz218=ours[0].text("aaz218"))


ADMISSION_MARKS = ("bka017", "bka021")  # 入院日期, 病区: what tells two stays of one 住院号 apart


def _one_of_several(call: Question, stays: Sequence[Row], bka025: str) -> Resolution:
    """Several unsettled stays carry our 住院号 (a HIS that reuses it on a readmission): ours
    is the one shown with the admission date and ward we sent; among several such, the one
    still open (no 出院日期 bka032).  A field the reply does not show tells nothing."""
    sent = {code: call.text(code).strip() for code in ADMISSION_MARKS if call.text(code).strip()}
    alike = [s for s in stays if all(_same(code, v, s.text(code)) for code, v in sent.items())]
    if len(alike) == 1:
        return processed(aaz218=alike[0].text("aaz218"))
    still_open = [s for s in alike if not s.text("bka032").strip()]
    if len(still_open) == 1:
        return processed(aaz218=still_open[0].text("aaz218"))
    return undecided(
        f"结果未知：平台有{len(stays)}笔住院号{bka025}的未结算住院业务，其中与本次入院日期、"
        f"病区相同且未出院的有{len(still_open)}笔，无法确认哪一笔是本次，请人工核对"
    )


def _same(code: str, sent: str, shown: str) -> bool:
    """``shown`` agrees with what we sent: not shown tells nothing; a date compared by its
    digits, to the shorter precision (yyyyMMdd against yyyy-MM-dd HH:mm:ss)."""
    shown = shown.strip()
    if not shown:
        return True
    if code != "bka017":
        return shown == sent
    a, b = "".join(filter(str.isdigit, sent)), "".join(filter(str.isdigit, shown))
    return bool(a and b) and (a.startswith(b) or b.startswith(a))


def fee_batch(call: Question, ask: Ask) -> Resolution:
    """bizh120002 上传住院费用明细: 120003's total akc264 of the stay against the known
    uploaded sum (the visit ledger, not yet counting this batch).

    Equal to known + batch → processed; equal to known → not processed; anything else or a
    failed query → undecided.  A batch whose rows net to 0 (+5.00/−5.00, all 0.00) leaves the
    total where it was whether or not it was processed, so it is undecided without asking.
    """
    batch = batch_sum(call.datasets.get("feeinfo", ()))
    if batch == 0:
        return undecided(
            "结果未知：本批费用明细合计为0，平台费用总额无法判断本批是否已上传，请人工核对"
        )
    reply = ask("bizh120003", {"akb020": call.akb020, "aaz218": call.aaz218, "bka438": "1"})
    if reply is None:
        return query_failed()
    total = decimal_of(reply.get("akc264"))
    if total is None:
        return undecided()
    known = decimal_of(call.visit.fee_amount if call.visit else "0") or Decimal(0)
    if total == known + batch:
        return processed(**{"feeinfo.sum": str(batch)})
    if total == known:
        return NOT_PROCESSED
    mismatch = f"结果未知：平台费用总额{total}与已知上传{known}及本批{batch}不符"
    return Resolution(
        Found.UNDECIDED,
        reason_zh=f"{mismatch}，{PERSON_MARK}（城市允许时可删除全部明细后重传）",
        remedy="refill",
        mismatch_zh=mismatch,
    )


# bizh120104 may change these (spec §4.2.7).  The spec's bizinfo (S4) carries only bka019,
# bka021, bka023, bka025 and bka503 of them; a change that sends bka020, bka022, ykc679 or
# ykc680 can be confirmed only where a reply carries them (our simulator does).
MODIFIABLE = (
    "bka021",
    "bka022",
    "bka019",
    "bka020",
    "bka025",
    "bka023",
    "bka503",
    "ykc679",
    "ykc680",
)


def modify(call: Question, ask: Ask) -> Resolution:
    """bizh120104 入院登记信息修改: compare what we sent with the business as 120102 shows it.

    Processed only when every field of :data:`MODIFIABLE` we sent non-empty is shown by the
    platform with our value.  Otherwise (a field differs, or the reply does not carry it) →
    not processed: the change is idempotent and a newer change of the same stay waits while
    this one is unsettled (the pipeline), so sending it again is harmless.  The business not
    found or the query failed → undecided.
    """
    ours = {code: call.text(code).strip() for code in MODIFIABLE if call.text(code).strip()}
    if not ours:
        return undecided("结果未知：本次修改未填任何可修改字段，无法查询确认，请人工核对")
    rows = _inpatient_by_aaz218(call, ask)
    if rows is None:
        return query_failed()
    if not rows:
        return _not_found(call)
    theirs = {code: (rows[0].get(code) or "").strip() for code in ours}
    return processed() if theirs == ours else NOT_PROCESSED


def delete_fees(call: Question, ask: Ask) -> Resolution:
    """bizh120004 删除住院业务费用明细: 120003's total akc264 of the stay against the known
    uploaded sum (the visit ledger, not yet reset by this delete).

    0 while the known sum is not → processed (every uploaded row is gone).  Equal to the known
    sum → not processed (nothing was deleted).  Anything else — a stay whose rows net to 0
    (it looks the same either way), or a total that moved (fee uploads of the visit wait while
    a deletion is unsettled, so only something outside syncd moves it) — or a failed query →
    undecided, for an operator: sending the delete again could remove rows uploaded after it.
    """
    reply = ask("bizh120003", {"akb020": call.akb020, "aaz218": call.aaz218, "bka438": "1"})
    if reply is None:
        return query_failed()
    total = decimal_of(reply.get("akc264"))
    if total is None:
        return undecided()
    known = decimal_of(call.visit.fee_amount if call.visit else "0") or Decimal(0)
    if total == 0 and known != 0:
        return processed()
    if total == known and known != 0:
        return NOT_PROCESSED
    return undecided(
        f"结果未知：平台费用总额{total}与已知上传{known}无法判断删除是否完成，请人工核对"
    )


def _not_found(call: Question) -> Resolution:
    return undecided(f"结果未知：平台查不到就医登记号{call.aaz218}的住院业务，{PERSON_MARK}")


def discharge(call: Question, ask: Ask) -> Resolution:
    rows = _inpatient_by_aaz218(call, ask)
    if rows is None:
        return query_failed()
    if not rows:
        return _not_found(call)
    return processed() if rows[0].get("bka032") else NOT_PROCESSED


def settlement(call: Question, ask: Ask) -> Resolution:
    rows = _inpatient_by_aaz218(call, ask)
    if rows is None:
        return query_failed()
    if not rows:
        return _not_found(call)
    if rows[0].get("bka891") != "1":
        return NOT_PROCESSED
    slip = ask(call.slip_function, {"akb020": call.akb020, "aaz218": call.aaz218})
    if slip is None:
        return undecided("结果未知：平台显示已结算，但结算单提取失败，稍后再试")
    figures = {
        "akc264": slip.text("bka979"),
        "bka832": slip.text("bka811"),
        "bka831": slip.text("bka812"),
        "aaz218": call.aaz218,
    }
    return processed(**figures)


def cancel_settlement(call: Question, ask: Ask) -> Resolution:
    rows = _inpatient_by_aaz218(call, ask)
    if rows is None:
        return query_failed()
    if not rows:
        return _not_found(call)
    return processed() if rows[0].get("bka891") != "1" else NOT_PROCESSED


def cancel_discharge(call: Question, ask: Ask) -> Resolution:
    rows = _inpatient_by_aaz218(call, ask)
    if rows is None:
        return query_failed()
    if not rows:
        return _not_found(call)
    return NOT_PROCESSED if rows[0].get("bka032") else processed()


def cancel_admission(call: Question, ask: Ask) -> Resolution:
    rows = _inpatient_by_aaz218(call, ask)
    if rows is None:
        return query_failed()
    return processed() if not rows else NOT_PROCESSED
