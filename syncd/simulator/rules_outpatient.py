"""Outpatient (门诊) rules: 110104 挂号, 110105 试算/结算/退费, 110103 退费提取, 110106 取消挂号.

Batches ``bka001`` count from 1 per aaz218.  A refund is a 110105 with bka893=1 whose rows are
all negative and repeat the serials (aaz213) of one whole settled batch, as 110103 returns
them; a batch can be refunded once (``已经办理过退费，不能重复退费``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from syncd.core.errors import SimulatedRejection
from syncd.simulator import figures
from syncd.simulator.ledger import CANCELLED, OUTPATIENT, REGISTERED, Business
from syncd.simulator.rules_common import (
    ServedCall,
    check_date,
    check_fee_rows,
    check_new_serials,
    require_state,
)
from syncd.simulator.rules_lookup import businesses_named
from syncd.simulator.wire import ParsedRow, WireReply

ALREADY_REFUNDED = "已经办理过退费，不能重复退费"


def new_aaz218(call: ServedCall, prefix: str) -> str:
    """就医登记号: 2 letters + date + serial (16 chars; never shaped like an ID number)."""
    return f"{prefix}{call.today}{call.ledger.next_serial('aaz218'):06d}"


def register(call: ServedCall) -> WireReply:
    """bizh110104 门诊挂号; with feeinfo it also charges (bka893=1) or trials (0)."""
    call.need("akb020", "aac001", "aka130", "bka006", "bka014", "bka015")
    if call.req.get("aka130") != "41" or call.req.get("bka006") != "410":
        raise SimulatedRejection("门诊挂号的业务类型aka130应为41、待遇类型bka006应为410")
    person = call.person_by_id(call.req.get("aac001"))
    bka042 = call.req.get("bka042")
    if bka042 and bka042 != person.injury.get("bka042"):
        raise SimulatedRejection("工伤凭证号bka042与该人员的工伤认定信息不符")
    check_date(call.req.get("bka017"), "bka017")
    fields = {k: v for k, v in call.req.scalars.items() if k not in ("session_id", "function_id")}
    fields.setdefault("bka017", call.today)
    business = call.ledger.open_business(
        call.akb020,
        new_aaz218(call, "MZ"),
        OUTPATIENT,
        person.aac001,
        REGISTERED,
        call.today,
        fields,
    )
    reply = WireReply(scalars={"aaz218": business.aaz218})
    if "feeinfo" in call.req.datasets:
        reply.datasets["payinfo"] = [_charge_or_refund(call, business)]
    return reply


def charge(call: ServedCall) -> WireReply:
    """bizh110105 门诊费用上传并结算."""
    call.need("akb020", "aaz218", "bka014", "bka015", "bka893")
    business = call.business(OUTPATIENT)
    require_state(business, REGISTERED, action="收费或退费")
    return WireReply(datasets={"payinfo": [_charge_or_refund(call, business)]})


def _charge_or_refund(call: ServedCall, business: Business) -> ParsedRow:
    mode = call.req.get("bka893") or "0"
    if mode not in ("0", "1"):
        raise SimulatedRejection("结算标志bka893只能为0（试算）或1（结算）")
    rows = [dict(r) for r in call.req.rows("feeinfo")]
    check_fee_rows(rows, serial_required=False)
    if any(Decimal(r["bka058"]) < 0 for r in rows):
        return _refund(call, business, rows, settle=mode == "1")
    return _charge(call, business, rows, settle=mode == "1")


def _payinfo(business: Business, bka001: str, result: figures.Figures) -> ParsedRow:
    return {
        "akb020": business.akb020,
        "aaz218": business.aaz218,
        "bka001": bka001,
        **figures.as_wire(result),
    }


def _charge(call: ServedCall, business: Business, rows: list[ParsedRow], settle: bool) -> ParsedRow:
    check_new_serials([r for r in rows if r.get("aaz213")], call.ledger.serials(business))
    result = figures.compute(rows, call.cfg.covered_items)
    if not settle:
        return _payinfo(business, "", result)
    bka001 = len(call.ledger.batches(business)) + 1
    for index, row in enumerate(rows, start=1):
        row["aaz213"] = row.get("aaz213") or f"{bka001:03d}{index:04d}"
    check_new_serials(rows, call.ledger.serials(business))
    call.ledger.add_rows(business, "charge", rows, call.now, bka001)
    call.ledger.add_batch(business, bka001, figures.as_wire(result), call.now)
    return _payinfo(business, str(bka001), result)


def _refund(call: ServedCall, business: Business, rows: list[ParsedRow], settle: bool) -> ParsedRow:
    bka001 = _refunded_batch(call, business, rows)
    result = figures.compute(rows, call.cfg.covered_items)
    if settle:
        call.ledger.add_rows(business, "refund", rows, call.now, bka001)
        call.ledger.refund_batch(business, bka001, figures.as_wire(result), call.now)
    return _payinfo(business, str(bka001), result)


def _refunded_batch(call: ServedCall, business: Business, rows: list[ParsedRow]) -> int:
    """The one whole batch these negative rows refund; anything else is rejected."""
    if any(not r.get("aaz213") or Decimal(r["bka058"]) >= 0 for r in rows):
        raise SimulatedRejection("退费明细须全部为负数并带原费用序号aaz213，不能与收费明细混合上传")
    wanted = {r["aaz213"]: r for r in rows}
    for batch in call.ledger.batches(business):
        original = {r["aaz213"]: r for r in call.ledger.rows(business, "charge", batch["bka001"])}
        if not set(wanted) & set(original):
            continue
        if batch["refunded_at"] is not None:
            raise SimulatedRejection(ALREADY_REFUNDED)
        if set(wanted) != set(original) or len(wanted) != len(rows):
            raise SimulatedRejection(
                f"退费须整批办理：第{batch['bka001']}批次的费用序号与退费明细不一致"
            )
        _same_amounts(wanted, original)
        return int(batch["bka001"])
    raise SimulatedRejection("退费明细的费用序号aaz213不属于本就医登记号的任何结算批次")


def _same_amounts(refund: dict[str, ParsedRow], original: dict[str, ParsedRow]) -> None:
    for serial, row in refund.items():
        if Decimal(row["bka058"]) != -Decimal(original[serial]["bka058"]):
            raise SimulatedRejection(f"费用序号{serial}的退费金额与原收费金额不符")


def _refund_form(row: ParsedRow, bka001: int) -> ParsedRow:
    out = dict(row, bka001=str(bka001))
    for name in ("bka057", "bka058"):
        out[name] = str(Decimal(0) - Decimal(row[name]))
    return out


def refund_rows(call: ServedCall) -> WireReply:
    """bizh110103 退费时提取门诊业务信息: a batch's rows in refund form (bka001=0: all)."""
    call.need("akb020", "bka895", "bka896", "bka006", "bka001")
    wanted = call.req.get("bka001")
    if not wanted.isdigit():
        raise SimulatedRejection("费用批次bka001必须是数字（0表示全部批次）")
    key, value = call.req.get("bka895"), call.req.get("bka896")
    found = [b for b in businesses_named(call, OUTPATIENT, key, value) if b.state != CANCELLED]
    if wanted == "0":
        return _all_batches(call, found)
    return _one_batch(call, found, int(wanted))


def _one_batch(call: ServedCall, found: list[Business], bka001: int) -> WireReply:
    for business in reversed(found):
        batch = next((b for b in call.ledger.batches(business) if b["bka001"] == bka001), None)
        if batch is None:
            continue
        if batch["refunded_at"] is not None:
            raise SimulatedRejection(ALREADY_REFUNDED)
        rows = call.ledger.rows(business, "charge", bka001)
        return WireReply(
            datasets={
                "bizinfo": [{"aaz218": business.aaz218, "bka001": str(bka001)}],
                "feeinfo": [_refund_form(r, bka001) for r in rows],
            }
        )
    raise SimulatedRejection(f"未找到第{bka001}批次的门诊结算费用")


def _all_batches(call: ServedCall, found: list[Business]) -> WireReply:
    bizinfo: list[ParsedRow] = []
    feeinfo: list[ParsedRow] = []
    batchinfo: list[ParsedRow] = []
    for business in found:
        bizinfo.append({"aaz218": business.aaz218})
        for batch in call.ledger.batches(business):
            batchinfo.append(_batch_row(business, batch))
            if batch["refunded_at"] is None:
                rows = call.ledger.rows(business, "charge", batch["bka001"])
                feeinfo += [_refund_form(r, batch["bka001"]) for r in rows]
    return WireReply(datasets={"bizinfo": bizinfo, "batchinfo": batchinfo, "feeinfo": feeinfo})


def _batch_row(business: Business, batch: dict[str, Any]) -> ParsedRow:
    return {
        "aaz218": business.aaz218,
        "bka001": str(batch["bka001"]),
        "akc264": batch["figures"]["akc264"],
        "bka831": batch["figures"]["bka831"],
        "bka832": batch["figures"]["bka832"],
        "bka045": batch["settled_at"][:10].replace("-", ""),
        "aae100": "0" if batch["refunded_at"] else "1",
    }


def cancel_registration(call: ServedCall) -> WireReply:
    """bizh110106 取消门诊挂号: only while no settled batch is still live."""
    call.need("akb020", "aaz218", "bka014", "bka015")
    business = call.business(OUTPATIENT)
    require_state(business, REGISTERED, action="取消挂号")
    live = [str(b["bka001"]) for b in call.ledger.batches(business) if b["refunded_at"] is None]
    if live:
        raise SimulatedRejection(
            f"该挂号存在未退费的结算批次（第{'、'.join(live)}批），请先退费再取消挂号"
        )
    call.ledger.update(business, CANCELLED, bka014_cancel=call.req.get("bka014"))
    return WireReply()
