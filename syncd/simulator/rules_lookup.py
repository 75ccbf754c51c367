"""Business lookups: 110102 (outpatient) and 120102 (inpatient), dataset ``bizinfo``.

Keys (bka895): aac001, aac002, bka100, aaz218; bka025 (住院号) for 120102 only.  Optional
filters: bka891 (0 未结算 / 1 已结算) and aae030..aae031 on the visit date bka017.  Cancelled
businesses are not returned; no match is a success with an empty ``bizinfo``.
"""

from __future__ import annotations

from syncd.core.errors import SimulatedRejection
from syncd.simulator.ledger import INPATIENT, OUTPATIENT, SETTLED, Business
from syncd.simulator.rules_common import PERSON_KEYS, ServedCall, check_date, find_person
from syncd.simulator.wire import ParsedRow, WireReply

_COPIED = (
    "bka014",
    "bka015",
    "bka017",
    "bka019",
    "bka020",
    "bka021",
    "bka022",
    "bka023",
    "bka025",
    "bka026",
    "bka503",
    "bka042",
    "bka043",
    "bka032",
    "bka031",
    "bka033",
    "bka034",
    "bka045",
    "bka046",
    "bka047",
    "ykc679",
    "ykc680",
)
_PERSON = (
    "aac001",
    "aac003",
    "aac004",
    "aac002",
    "bka100",
    "aac006",
    "aae005",
    "aab001",
    "bka008",
    "baa027",
    "aaa027",
    "bka004",
    "bka005",
)


def is_settled(call: ServedCall, business: Business) -> bool:
    if business.kind == INPATIENT:
        return business.state == SETTLED
    return any(b["refunded_at"] is None for b in call.ledger.batches(business))


def bizinfo_row(call: ServedCall, business: Business) -> ParsedRow:
    person = next((p for p in call.cfg.persons if p.aac001 == business.aac001), None)
    row = {k: person.fields.get(k, "") for k in _PERSON} if person else {"aac001": business.aac001}
    row.update({k: business.fields.get(k, "") for k in _COPIED})
    inpatient = business.kind == INPATIENT
    row.update(
        akb020=business.akb020,
        aaz218=business.aaz218,
        akb021=call.cfg.hospital_name(business.akb020),
        aka130="42" if inpatient else "41",
        bka006="420" if inpatient else "410",
        aae140="410",
        bka013=business.opened,
        bka891="1" if is_settled(call, business) else "0",
        bka030=business.fields.get("bka030", ""),
    )
    return row


def businesses_named(call: ServedCall, kind: str, key: str, value: str) -> list[Business]:
    """The hospital's businesses of ``kind`` that the key names (cancelled ones included);
    a person key is resolved once and filtered in SQL (lookups stay cheap in a big ledger)."""
    if key == "aaz218":
        found = call.ledger.get(call.akb020, value)
        return [found] if found is not None and found.kind == kind else []
    if key == "bka025":
        return [
            b
            for b in call.ledger.find(kind, call.akb020)
            if value and b.fields.get("bka025") == value
        ]
    return call.ledger.find(kind, call.akb020, find_person(call.cfg.persons, key, value).aac001)


def _in_filters(call: ServedCall, business: Business) -> bool:
    bka891 = call.req.get("bka891")
    if bka891 and bka891 != ("1" if is_settled(call, business) else "0"):
        return False
    visit = business.fields.get("bka017") or business.opened
    start, end = call.req.get("aae030"), call.req.get("aae031")
    return (not start or visit >= start) and (not end or visit <= end)


def _lookup(call: ServedCall, kind: str, keys: tuple[str, ...]) -> WireReply:
    call.need("akb020", "bka895", "bka896")
    key, value = call.req.get("bka895"), call.req.get("bka896")
    if key not in keys:
        raise SimulatedRejection(f"入参类型bka895={key}无效，应为{'、'.join(keys)}之一")
    if call.req.get("bka891") not in ("", "0", "1"):
        raise SimulatedRejection("结算状态bka891只能为0或1")
    check_date(call.req.get("aae030"), "aae030")
    check_date(call.req.get("aae031"), "aae031")
    rows = [
        bizinfo_row(call, b)
        for b in businesses_named(call, kind, key, value)
        if b.state != "CANCELLED" and _in_filters(call, b)
    ]
    return WireReply(datasets={"bizinfo": rows})


def outpatient_lookup(call: ServedCall) -> WireReply:
    """bizh110102 收费时提取门诊业务信息."""
    return _lookup(call, OUTPATIENT, (*PERSON_KEYS, "aaz218"))


def inpatient_lookup(call: ServedCall) -> WireReply:
    """bizh120102 入院登记后取业务信息."""
    return _lookup(call, INPATIENT, (*PERSON_KEYS, "aaz218", "bka025"))
