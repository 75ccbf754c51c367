"""UNKNOWN strategies of the outpatient calls (pure): see :mod:`syncd.rules.resolve`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from syncd.protocol.decoded import Row
from syncd.rules.resolve.question import (
    NOT_PROCESSED,
    Ask,
    Question,
    Resolution,
    hinted_batch,
    is_negative,
    negated,
    processed,
    query_failed,
    undecided,
)


def registration(call: Question, ask: Ask) -> Resolution:
    day = call.text("bka017")
    reply = ask(
        "bizh110102",
        {
            "akb020": call.akb020,
            "bka895": "aac001",
            "bka896": call.text("aac001"),
            "bka006": "410",
            "aae030": day,
            "aae031": day,
        },
    )
    if reply is None:
        return query_failed()
    rows = reply.rows("bizinfo")
    bka025 = call.text("bka025")
    ours = [r for r in rows if r.get("bka025") == bka025] if bka025 else list(rows)
    if not ours:
        return NOT_PROCESSED
    if len(ours) > 1:
        return undecided("结果未知：当天有多笔门诊挂号，无法确认哪一笔是本次，请人工核对")
    return processed(aaz218=ours[0].text("aaz218"))


def charge(call: Question, ask: Ask) -> Resolution:
    if call.text("bka893") != "1":
        return NOT_PROCESSED  # a trial changes nothing
    fees = call.datasets.get("feeinfo", ())
    refund = _refunded_batch(call, fees)
    reply = ask(
        "bizh110103",
        {
            "akb020": call.akb020,
            "bka895": "aaz218",
            "bka896": call.aaz218,
            "bka006": "410",
            "bka001": "0",
        },
    )
    if reply is None:
        return query_failed()
    batches = reply.rows("batchinfo")
    if refund is not None:
        return _refund(batches, refund, reply.datasets.get("feeinfo"))
    last = call.visit.last_batch if call.visit else 0
    newer = [b for b in batches if (b.integer("bka001") or 0) > last]
    if not newer:
        return NOT_PROCESSED
    if len(newer) > 1:
        return undecided("结果未知：平台有多个新结算批次，请人工核对")
    return processed(**{f"payinfo.{k}": v for k, v in newer[0].values.items()})


def _refunded_batch(call: Question, fees: Sequence[Mapping[str, object]]) -> str | None:
    """The batch a refund gives back ("" when it is a refund of no known batch); None for a
    charge.  Only a refund's first step (110103) names a batch, so a hinted batch makes the
    call a refund whatever its rows (a free item is 0.00; the sign 110103 returns is not
    documented, spec §11) and whether or not they could be fetched again.  Without a hint,
    rows all negative are a refund of the batch they name."""
    hinted = hinted_batch(call.hints)
    if hinted:
        return hinted
    if fees and all(is_negative(r.get("bka058")) for r in fees):
        numbers = {str(r.get("bka001", "")) for r in fees} - {""}
        return numbers.pop() if len(numbers) == 1 else ""
    return None


def _refund(batches: Sequence[Row], number: str, refundable: Sequence[Row] | None) -> Resolution:
    """Batch ``number`` as 110103 lists it: aae100 0 (refunded) → processed, its figures
    negated; 1 (live) → not processed.  Without aae100 (a platform that does not send it —
    the flag is [inferred]), the batch's rows still offered for refund tell: 110103's
    ``feeinfo`` lists only what can still be refunded, so rows of the batch there → not
    processed, none while the reply carries ``feeinfo`` → processed.  Not listed, or neither
    told → undecided."""
    if not number:
        return undecided("结果未知：无法确定本次退费的批次号bka001，请人工核对")
    batch = next((b for b in batches if b.text("bka001") == number), None)
    flag = batch.text("aae100") if batch is not None else ""
    if batch is not None and flag not in ("0", "1") and refundable is not None:
        flag = "1" if any(r.text("bka001") == number for r in refundable) else "0"
    if batch is None or flag not in ("0", "1"):
        return undecided(
            f"结果未知：平台未列出第{number}批次的退费状态（aae100）及可退费明细，"
            "无法确认退费是否完成，请人工核对"
        )
    if flag == "1":
        return NOT_PROCESSED
    figures = {f"payinfo.{k}": negated(batch.text(k)) for k in ("akc264", "bka831", "bka832")}
    return processed(**{"payinfo.bka001": number, **{k: v for k, v in figures.items() if v}})


def cancel_registration(call: Question, ask: Ask) -> Resolution:
    reply = ask(
        "bizh110102",
        {"akb020": call.akb020, "bka895": "aaz218", "bka896": call.aaz218, "bka006": "410"},
    )
    if reply is None:
        return query_failed()
    return processed() if not reply.rows("bizinfo") else NOT_PROCESSED
