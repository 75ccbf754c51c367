"""Resolving an UNKNOWN outcome by asking the platform (design.md, "Delivery rules").

A state-changing or money call whose reply was lost may or may not have been processed.  It is
never sent again blindly: one strategy per function asks with a query the spec already knows
and answers PROCESSED (adopt what the query shows: aaz218, batch, figures), NOT_PROCESSED (safe
to send again) or UNDECIDED (stays UNKNOWN, shown to operators, asked again later; never
re-sent).  The strategies read only their arguments; ``ask`` makes the query call and returns
the reply, or None when the query itself failed (then the answer is UNDECIDED).  A query whose
function id a site may configure (the settlement slip) is asked with the id in :class:`Sent`.

===================== =====================================================================
call                  how it is decided
===================== =====================================================================
bizh120103 admission  120102 by person (aac001, 未结算): one business with our 住院号 bka025
                      → processed (adopt aaz218), none → not processed, several → undecided
bizh120002 fees       120003 akc264 vs the known uploaded sum: = known + batch → processed,
                      = known → not processed, anything else → undecided (operator); a
                      batch that nets to 0 → undecided unasked (both sums are the same)
bizh120104 modify     120102 by aaz218: every modifiable field we sent (non-empty) shown
                      with our value → processed; one differs or is not shown → not
                      processed (idempotent; a newer change of the stay waits meanwhile);
                      not found → undecided.  The spec's bizinfo carries bka019/021/023/
                      025/503 only, so a change of bka020/022, ykc679/680 is sent again
bizh120004 fee delete 120003 akc264 vs the known uploaded sum: 0 (known ≠ 0) → processed,
                      = known (≠ 0) → not processed, anything else → undecided (operator)
bizh120105 discharge  120102 by aaz218: 出院日期 bka032 set → processed
bizh120106 settlement 120102 by aaz218: bka891=1 → processed (figures from the slip, asked
                      with the configured id platform.function_ids.settlement_slip)
bizh120107 / 120108   120102 by aaz218: no longer settled / no 出院日期 → processed
bizh120109            120102 by aaz218: the business is gone (cancelled) → processed
bizh110104 register   110102 by person on the visit day: one business with our bka025 →
                      processed (adopt aaz218), none → not processed, several → undecided
bizh110105 charge     110103 bka001=0 lists the batches (``batchinfo``, aae100 0=refunded
                      [inferred]): one batch after the last known one → processed (adopt
                      it), none → not processed, several → undecided; a trial (bka893=0)
                      changes nothing → not processed
bizh110105 refund     the batch its 110103 step asked for (hint ``bka001``; without one,
                      the batch all-negative rows name): aae100=0 → processed (its figures
                      negated: a refund gives back the whole batch), aae100=1 → not
                      processed, not listed / no aae100 / no batch known → undecided
bizh110106 cancel     110102 by aaz218: the business is gone → processed
===================== =====================================================================

病案首页 uploads and queries never get here: they are safe to repeat and are simply sent again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from syncd.protocol.codec import Program, Row
from syncd.rules.visits import Visit

Ask = Callable[[str, Mapping[str, str]], Program | None]
_UNDECIDED_ZH = "结果未知：无法通过查询确认平台是否已处理，请人工核对"


class Found(StrEnum):
    PROCESSED = "PROCESSED"
    NOT_PROCESSED = "NOT_PROCESSED"
    UNDECIDED = "UNDECIDED"


@dataclass(frozen=True)
class Resolution:
    found: Found
    fields: Mapping[str, str] = field(default_factory=dict)  # adopted reply values
    reason_zh: str = ""


@dataclass(frozen=True)
class Sent:
    """The call whose outcome is unknown (as archived, or re-rendered from its source), and
    the visit.

    ``hints``: the wire fields of the call that prepared this one (a refund's 110103 step: the
    batch ``bka001`` it gives back, which the refund itself does not carry).
    """

    function_id: str
    params: Mapping[str, object]
    datasets: Mapping[str, Sequence[Mapping[str, object]]]
    visit: Visit | None
    akb020: str
    slip_function: str = "bizh120206"  # 结算信息提取: platform.function_ids.settlement_slip
    hints: Mapping[str, object] = field(default_factory=dict)

    def text(self, code: str) -> str:
        value = self.params.get(code)
        return "" if value is None else str(value)

    @property
    def aaz218(self) -> str:
        return self.text("aaz218") or (self.visit.aaz218 if self.visit else "")


NOT_PROCESSED = Resolution(Found.NOT_PROCESSED)


def undecided(reason_zh: str = _UNDECIDED_ZH) -> Resolution:
    return Resolution(Found.UNDECIDED, reason_zh=reason_zh)


def processed(**fields: str) -> Resolution:
    return Resolution(Found.PROCESSED, fields)


def resolve(sent: Sent, ask: Ask) -> Resolution:
    """Decide an UNKNOWN with the function's strategy; UNDECIDED when there is none."""
    strategy = STRATEGIES.get(sent.function_id)
    if strategy is None:
        return undecided("结果未知：此交易无法通过查询确认，请人工核对后重新提交")
    return strategy(sent, ask)


# ---------------------------------------------------------------- inpatient


def _inpatient_by_aaz218(sent: Sent, ask: Ask) -> tuple[Row, ...] | None:
    reply = ask("bizh120102", {"akb020": sent.akb020, "bka895": "aaz218",
                               "bka896": sent.aaz218, "aka130": "42"})  # fmt: skip
    return None if reply is None else reply.rows("bizinfo")


def admission(sent: Sent, ask: Ask) -> Resolution:
    bka025 = sent.text("bka025")
    if not bka025:
        return undecided("结果未知：入院登记未填住院号bka025，无法查询确认，请人工核对")
    reply = ask(
        "bizh120102",
        {
            "akb020": sent.akb020,
            "bka895": "aac001",
            "bka896": sent.text("aac001"),
            "aka130": "42",
            "bka891": "0",
        },
    )
    if reply is None:
        return undecided()
    ours = [r for r in reply.rows("bizinfo") if r.get("bka025") == bka025]
    if not ours:
        return NOT_PROCESSED
    if len(ours) > 1:
        return undecided(
            f"结果未知：平台有多笔住院号{bka025}的未结算住院业务，无法确认哪一笔是本次，请人工核对"
        )
    return processed(aaz218=ours[0].text("aaz218"))


def fee_batch(sent: Sent, ask: Ask) -> Resolution:
    """bizh120002 上传住院费用明细: 120003's total akc264 of the stay against the known
    uploaded sum (the visit ledger, not yet counting this batch).

    Equal to known + batch → processed; equal to known → not processed; anything else or a
    failed query → undecided.  A batch whose rows net to 0 (+5.00/−5.00, all 0.00) leaves the
    total where it was whether or not it was processed, so it is undecided without asking.
    """
    batch = batch_sum(sent.datasets.get("feeinfo", ()))
    if batch == 0:
        return undecided(
            "结果未知：本批费用明细合计为0，平台费用总额无法判断本批是否已上传，请人工核对"
        )
    reply = ask("bizh120003", {"akb020": sent.akb020, "aaz218": sent.aaz218, "bka438": "1"})
    total = _decimal(reply.get("akc264") if reply else None)
    if total is None:
        return undecided()
    known = _decimal(sent.visit.fee_amount if sent.visit else "0") or Decimal(0)
    if total == known + batch:
        return processed(**{"feeinfo.sum": str(batch)})
    if total == known:
        return NOT_PROCESSED
    return undecided(
        f"结果未知：平台费用总额{total}与已知上传{known}及本批{batch}不符，请人工核对"
        "（城市允许时可删除全部明细后重传）"
    )


# bizh120104 may change these (spec §4.2.7).  The spec's bizinfo (S4) carries only bka019,
# bka021, bka023, bka025 and bka503 of them; a change that sends bka020, bka022, ykc679 or
# ykc680 can be confirmed only where a reply carries them (our simulator does).
MODIFIABLE = ("bka021", "bka022", "bka019", "bka020", "bka025", "bka023", "bka503",
              "ykc679", "ykc680")  # fmt: skip


def modify(sent: Sent, ask: Ask) -> Resolution:
    """bizh120104 入院登记信息修改: compare what we sent with the business as 120102 shows it.

    Processed only when every field of :data:`MODIFIABLE` we sent non-empty is shown by the
    platform with our value.  Otherwise (a field differs, or the reply does not carry it) →
    not processed: the change is idempotent and a newer change of the same stay waits while
    this one is unsettled (the pipeline), so sending it again is harmless.  The business not
    found or the query failed → undecided.
    """
    ours = {code: sent.text(code).strip() for code in MODIFIABLE if sent.text(code).strip()}
    if not ours:
        return undecided("结果未知：本次修改未填任何可修改字段，无法查询确认，请人工核对")
    rows = _inpatient_by_aaz218(sent, ask)
    if rows is None:
        return undecided()
    if not rows:
        return undecided(f"结果未知：平台查不到就医登记号{sent.aaz218}的住院业务，请人工核对")
    theirs = {code: (rows[0].get(code) or "").strip() for code in ours}
    return processed() if theirs == ours else NOT_PROCESSED


def delete_fees(sent: Sent, ask: Ask) -> Resolution:
    """bizh120004 删除住院业务费用明细: 120003's total akc264 of the stay against the known
    uploaded sum (the visit ledger, not yet reset by this delete).

    0 while the known sum is not → processed (every uploaded row is gone).  Equal to the known
    sum → not processed (nothing was deleted).  Anything else — a stay whose rows net to 0
    (it looks the same either way), or a total that moved (fee uploads of the visit wait while
    a deletion is unsettled, so only something outside syncd moves it) — or a failed query →
    undecided, for an operator: sending the delete again could remove rows uploaded after it.
    """
    reply = ask("bizh120003", {"akb020": sent.akb020, "aaz218": sent.aaz218, "bka438": "1"})
    total = _decimal(reply.get("akc264") if reply else None)
    if total is None:
        return undecided()
    known = _decimal(sent.visit.fee_amount if sent.visit else "0") or Decimal(0)
    if total == 0 and known != 0:
        return processed()
    if total == known and known != 0:
        return NOT_PROCESSED
    return undecided(
        f"结果未知：平台费用总额{total}与已知上传{known}无法判断删除是否完成，请人工核对"
    )


def discharge(sent: Sent, ask: Ask) -> Resolution:
    rows = _inpatient_by_aaz218(sent, ask)
    if not rows:
        return undecided()
    return processed() if rows[0].get("bka032") else NOT_PROCESSED


def settlement(sent: Sent, ask: Ask) -> Resolution:
    rows = _inpatient_by_aaz218(sent, ask)
    if not rows:
        return undecided()
    if rows[0].get("bka891") != "1":
        return NOT_PROCESSED
    slip = ask(sent.slip_function, {"akb020": sent.akb020, "aaz218": sent.aaz218})
    if slip is None:
        return undecided("结果未知：平台显示已结算，但结算单提取失败，稍后再试")
    figures = {"akc264": slip.text("bka979"), "bka832": slip.text("bka811"),
               "bka831": slip.text("bka812"), "aaz218": sent.aaz218}  # fmt: skip
    return processed(**figures)


def cancel_settlement(sent: Sent, ask: Ask) -> Resolution:
    rows = _inpatient_by_aaz218(sent, ask)
    if not rows:
        return undecided()
    return processed() if rows[0].get("bka891") != "1" else NOT_PROCESSED


def cancel_discharge(sent: Sent, ask: Ask) -> Resolution:
    rows = _inpatient_by_aaz218(sent, ask)
    if not rows:
        return undecided()
    return NOT_PROCESSED if rows[0].get("bka032") else processed()


def cancel_admission(sent: Sent, ask: Ask) -> Resolution:
    rows = _inpatient_by_aaz218(sent, ask)
    if rows is None:
        return undecided()
    return processed() if not rows else NOT_PROCESSED


# ---------------------------------------------------------------- outpatient


def registration(sent: Sent, ask: Ask) -> Resolution:
    day = sent.text("bka017")
    reply = ask("bizh110102", {"akb020": sent.akb020, "bka895": "aac001",
                               "bka896": sent.text("aac001"), "bka006": "410",
                               "aae030": day, "aae031": day})  # fmt: skip
    if reply is None:
        return undecided()
    rows = reply.rows("bizinfo")
    bka025 = sent.text("bka025")
    ours = [r for r in rows if r.get("bka025") == bka025] if bka025 else list(rows)
    if not ours:
        return NOT_PROCESSED
    if len(ours) > 1:
        return undecided("结果未知：当天有多笔门诊挂号，无法确认哪一笔是本次，请人工核对")
    return processed(aaz218=ours[0].text("aaz218"))


def charge(sent: Sent, ask: Ask) -> Resolution:
    if sent.text("bka893") != "1":
        return NOT_PROCESSED  # a trial changes nothing
    fees = sent.datasets.get("feeinfo", ())
    refund = _refunded_batch(sent, fees)
    reply = ask("bizh110103", {"akb020": sent.akb020, "bka895": "aaz218",
                               "bka896": sent.aaz218, "bka006": "410", "bka001": "0"})  # fmt: skip
    if reply is None:
        return undecided()
    batches = reply.rows("batchinfo")
    if refund is not None:
        return _refund(batches, refund)
    last = sent.visit.last_batch if sent.visit else 0
    newer = [b for b in batches if (b.integer("bka001") or 0) > last]
    if not newer:
        return NOT_PROCESSED
    if len(newer) > 1:
        return undecided("结果未知：平台有多个新结算批次，请人工核对")
    return processed(**{f"payinfo.{k}": v for k, v in newer[0].values.items()})


def _refunded_batch(sent: Sent, fees: Sequence[Mapping[str, object]]) -> str | None:
    """The batch a refund gives back ("" when it is a refund of no known batch); None for a
    charge.  Only a refund's first step (110103) names a batch, so a hinted batch makes the
    call a refund whatever its rows (a free item is 0.00; the sign 110103 returns is not
    documented, spec §11) and whether or not they could be fetched again.  Without a hint,
    rows all negative are a refund of the batch they name."""
    hinted = hinted_batch(sent.hints)
    if hinted:
        return hinted
    if fees and all(_is_negative(r.get("bka058")) for r in fees):
        numbers = {str(r.get("bka001", "")) for r in fees} - {""}
        return numbers.pop() if len(numbers) == 1 else ""
    return None


def hinted_batch(hints: Mapping[str, object]) -> str:
    """The batch a refund's first step (110103) named, "" when none (0 = every batch)."""
    hinted = str(hints.get("bka001") or "").strip()
    return "" if hinted == "0" else hinted


def _refund(batches: Sequence[Row], number: str) -> Resolution:
    """Batch ``number`` as 110103 lists it: aae100 0 (refunded) → processed, its figures
    negated; 1 (live) → not processed; not listed, or aae100 anything else → undecided."""
    if not number:
        return undecided("结果未知：无法确定本次退费的批次号bka001，请人工核对")
    batch = next((b for b in batches if b.text("bka001") == number), None)
    if batch is None or batch.text("aae100") not in ("0", "1"):
        return undecided(
            f"结果未知：平台未列出第{number}批次的退费状态，无法确认退费是否完成，请人工核对"
        )
    if batch.text("aae100") == "1":
        return NOT_PROCESSED
    figures = {f"payinfo.{k}": _negated(batch.text(k)) for k in ("akc264", "bka831", "bka832")}
    return processed(**{"payinfo.bka001": number, **{k: v for k, v in figures.items() if v}})


def cancel_registration(sent: Sent, ask: Ask) -> Resolution:
    reply = ask("bizh110102", {"akb020": sent.akb020, "bka895": "aaz218",
                               "bka896": sent.aaz218, "bka006": "410"})  # fmt: skip
    if reply is None:
        return undecided()
    return processed() if not reply.rows("bizinfo") else NOT_PROCESSED


# ---------------------------------------------------------------- helpers


def _decimal(text: object) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


def _is_negative(value: object) -> bool:
    number = _decimal(value)
    return number is not None and number < 0


def _negated(text: str) -> str:
    number = _decimal(text)
    return "" if number is None else str(Decimal(0) - number)  # 0 - 0.00 is 0.00, not -0.00


def batch_sum(rows: Sequence[Mapping[str, object]]) -> Decimal:
    """The sum of ``bka058`` over the rows of a fee batch."""
    return sum((_decimal(r.get("bka058")) or Decimal(0) for r in rows), Decimal(0))


STRATEGIES: Mapping[str, Callable[[Sent, Ask], Resolution]] = {
    "bizh120103": admission,
    "bizh120002": fee_batch,
    "bizh120104": modify,
    "bizh120004": delete_fees,
    "bizh120105": discharge,
    "bizh120106": settlement,
    "bizh120107": cancel_settlement,
    "bizh120108": cancel_discharge,
    "bizh120109": cancel_admission,
    "bizh110104": registration,
    "bizh110105": charge,
    "bizh110106": cancel_registration,
}
