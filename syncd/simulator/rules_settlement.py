"""Inpatient settlement rules: 120003 预结算, 120105 出院登记, 120106 出院结算,
120107 取消结算, 120108 取消出院登记, and the settlement slip (结算信息提取).

Figures cover the rows uploaded by 120002 (late 因病 uploads are kept apart and do not change
them) and are flat under ``<program>``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from syncd.core.errors import SimulatedRejection
from syncd.simulator import figures
from syncd.simulator.ledger import ADMITTED, DISCHARGED, INPATIENT, SETTLED, Business
from syncd.simulator.rules_common import ServedCall, check_date, require_state
from syncd.simulator.wire import ParsedRow, WireReply

_DISCHARGE_FIELDS = (
    "bka032",
    "bka031",
    "bka033",
    "bka034",
    "bka043",
    "bkf001",
    "bkf002",
    "bkf003",
    "bkf004",
    "bkf005",
    "bkf006",
    "ykc195",
    "akb063",
    "bka856",
)


def _figures(call: ServedCall, business: Business) -> figures.Figures:
    return figures.compute(call.ledger.rows(business, "upload"), call.cfg.covered_items)


def _flat(business: Business, result: figures.Figures) -> WireReply:
    scalars = {"akb020": business.akb020, "aaz218": business.aaz218, **figures.as_wire(result)}
    return WireReply(scalars=scalars)


def pre_settle(call: ServedCall) -> WireReply:
    """bizh120003 预结算: trial figures, ADMITTED or DISCHARGED, no state change."""
    call.need("akb020", "aaz218", "bka438")
    business = call.business(INPATIENT)
    require_state(business, ADMITTED, DISCHARGED, action="预结算")
    return _flat(business, _figures(call, business))


def _days(start: str, end: str) -> int:
    first = date(int(start[:4]), int(start[4:6]), int(start[6:8]))
    last = date(int(end[:4]), int(end[4:6]), int(end[6:8]))
    return max((last - first).days, 1)


def discharge(call: ServedCall) -> WireReply:
    """bizh120105 出院登记: ADMITTED → DISCHARGED; the reply carries the pre-settlement."""
    call.need("akb020", "aaz218", "bka032", "bka033", "bka034")
    business = call.business(INPATIENT)
    require_state(business, ADMITTED, action="办理出院登记")
    bka032, bka017 = call.req.get("bka032"), business.fields.get("bka017", business.opened)
    check_date(bka032, "bka032")
    if bka032 < bka017:
        raise SimulatedRejection("出院日期bka032不能早于入院日期bka017")
    changes = {k: call.req.get(k) for k in _DISCHARGE_FIELDS}
    changes["bka030"] = str(_days(bka017, bka032))
    call.ledger.update(business, DISCHARGED, **changes)
    return _flat(business, _figures(call, business))


def settle(call: ServedCall) -> WireReply:
    """bizh120106 出院结算: DISCHARGED → SETTLED; the figures are stored as a settlement."""
    call.need("akb020", "aaz218", "bka046", "bka047")
    business = call.business(INPATIENT)
    require_state(business, DISCHARGED, action="办理出院结算（须先出院登记）")
    result = _figures(call, business)
    call.ledger.add_settlement(business, figures.as_wire(result), call.req.get("bka046"), call.now)
    call.ledger.update(
        business,
        SETTLED,
        bka045=call.today,
        bka046=call.req.get("bka046"),
        bka047=call.req.get("bka047"),
    )
    return _flat(business, result)


def cancel_settlement(call: ServedCall) -> WireReply:
    """bizh120107 取消出院结算: SETTLED → DISCHARGED; the settlement is kept as reversed."""
    call.need("akb020", "aaz218")
    business = call.business(INPATIENT)
    require_state(business, SETTLED, action="取消出院结算")
    call.ledger.reverse_settlement(business, call.now)
    call.ledger.update(business, DISCHARGED, bka045="", bka046="", bka047="")
    return WireReply()


def cancel_discharge(call: ServedCall) -> WireReply:
    """bizh120108 取消出院登记: DISCHARGED → ADMITTED."""
    call.need("akb020", "aaz218")
    business = call.business(INPATIENT)
    require_state(business, DISCHARGED, action="取消出院登记（已结算的须先取消结算）")
    call.ledger.update(business, ADMITTED, bka030="", **dict.fromkeys(_DISCHARGE_FIELDS, ""))
    return WireReply()


def _fund_rows(f: dict[str, Decimal]) -> list[ParsedRow]:
    fund = [
        Decimal(0),
        f["ake039"],
        f["ake026"],
        f["ake035"],
        f["ake029"],
        f["bka840"] + f["bka841"] + f["bka842"] + f["bka821"],
    ]
    own = [f["akb067"] + f["akb066"] + f["bka839"]] + [Decimal(0)] * 5
    total = [a + b for a, b in zip(fund, own, strict=True)]
    return [
        _fund_row(name, values)
        for name, values in (("工伤保险支付范围费用", fund), ("个人自付费用", own), ("合计", total))
    ]


def _fund_row(name: str, values: list[Decimal]) -> ParsedRow:
    row = {"bka800": name}
    row.update({f"bka801_{i}": f"{v:.2f}" for i, v in enumerate(values, start=1)})
    row["bka801_7"] = f"{sum(values, Decimal(0)):.2f}"
    return row


def settlement_slip(call: ServedCall) -> WireReply:
    """结算信息提取 (default bizh120206): flat slip fields + ``fundlist`` rows; SETTLED only."""
    call.need("akb020", "aaz218")
    business = call.business(INPATIENT)
    require_state(business, SETTLED, action="提取结算信息")
    stored = figures.from_wire(call.ledger.settlements(business)[-1]["figures"])
    person = next(p for p in call.cfg.persons if p.aac001 == business.aac001)
    f = business.fields
    scalars = {
        k: person.fields.get(k, "") for k in ("aac003", "bka004", "aac004", "aac001", "bka100")
    }
    scalars.update(
        akb021=call.cfg.hospital_name(business.akb020),
        bkc110="三级甲等",
        aaz218=business.aaz218,
        bkc119="0",
        bka989="0",
        bka006="420",
        aka130="42",
        bka045=f.get("bka045", ""),
        bka020=f.get("bka020", ""),
        bka025=f.get("bka025", ""),
        bka017=f.get("bka017", ""),
        bka032=f.get("bka032", ""),
        bka030=f.get("bka030", ""),
        aae011=f.get("bka047", ""),
        bka890=call.today,
        bka979=f"{stored['akc264']:.2f}",
        bka811=f"{stored['bka832']:.2f}",
        bka812=f"{stored['bka831']:.2f}",
        bka814=f"{stored['ake039']:.2f}",
        bka815="0.00",
        bka816=f"{stored['ake026']:.2f}",
    )
    return WireReply(scalars=scalars, datasets={"fundlist": _fund_rows(stored)})
