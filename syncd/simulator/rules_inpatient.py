"""Inpatient (住院) registration and fee rules: 120103 入院, 120104 修改, 120109 取消入院,
120002 费用上传, 120004 删除明细, and the late 因病 upload (伤病分离因病数据事后补传)."""

from __future__ import annotations

from syncd.core.errors import SimulatedRejection
from syncd.simulator.ledger import (
    ADMITTED,
    CANCELLED,
    INPATIENT,
    Business,
)
from syncd.simulator.rules_common import (
    ServedCall,
    check_date,
    check_fee_rows,
    check_new_serials,
    require_state,
)
from syncd.simulator.rules_outpatient import new_aaz218
from syncd.simulator.wire import WireReply

MODIFIABLE = frozenset(
    {"bka021", "bka022", "bka019", "bka020", "bka025", "bka023", "bka503", "ykc679", "ykc680"}
)
_ENVELOPE = frozenset({"session_id", "function_id", "akb020", "aaz218"})


def _exclusive(call: ServedCall, aac001: str) -> None:
    """业务互斥: one open (admitted or discharged, not settled) stay per person."""
    for other in call.ledger.open_inpatient(aac001):
        if other.akb020 == call.akb020:
            raise SimulatedRejection(
                f"该参保人在本医疗机构已有未结束的住院业务（就医登记号{other.aaz218}）"
            )
        raise SimulatedRejection(
            "业务互斥：该参保人在其他医疗机构有未结束的住院业务，不能办理入院登记"
        )


def admit(call: ServedCall) -> WireReply:
    """bizh120103 入院登记 → ADMITTED; returns aaz218."""
    call.need("akb020", "aka130", "bka006", "aac001", "bka017", "bka014", "bka015")
    if call.req.get("aka130") != "42" or call.req.get("bka006") != "420":
        raise SimulatedRejection("入院登记的业务类型aka130应为42、待遇类型bka006应为420")
    check_date(call.req.get("bka017"), "bka017")
    person = call.person_by_id(call.req.get("aac001"))
    _exclusive(call, person.aac001)
    fields = {k: v for k, v in call.req.scalars.items() if k not in ("session_id", "function_id")}
    business = call.ledger.open_business(
        call.akb020,
        new_aaz218(call, "ZY"),
        INPATIENT,
        person.aac001,
        ADMITTED,
        call.today,
        fields,
    )
    return WireReply(scalars={"aaz218": business.aaz218})


def modify(call: ServedCall) -> WireReply:
    """bizh120104: only ward, dept, 住院号, bed, doctor, ykc679/ykc680 may change."""
    call.need("akb020", "aaz218")
    business = call.business(INPATIENT)
    require_state(business, ADMITTED, action="修改入院登记信息")
    changes = {k: v for k, v in call.req.scalars.items() if k not in _ENVELOPE and v}
    refused = sorted(set(changes) - MODIFIABLE)
    if refused:
        raise SimulatedRejection(
            "入院登记信息修改只能修改病区、科室、住院号、床位、医师、住院原因和补助类型，"
            f"不能修改：{'、'.join(refused)}"
        )
    if not changes:
        raise SimulatedRejection("没有需要修改的入院登记信息")
    call.ledger.update(business, **changes)
    return WireReply()


def cancel_admission(call: ServedCall) -> WireReply:
    """bizh120109 取消入院登记: ADMITTED only → CANCELLED."""
    call.need("akb020", "aaz218")
    business = call.business(INPATIENT)
    require_state(business, ADMITTED, action="取消入院登记（已出院登记的须先取消出院登记）")
    call.ledger.update(business, CANCELLED)
    return WireReply()


def upload_fees(call: ServedCall) -> WireReply:
    """bizh120002: 1..300 rows with unique aaz213, only while ADMITTED."""
    call.need("akb020", "aaz218")
    business = call.business(INPATIENT)
    require_state(business, ADMITTED, action="上传费用明细（只能在入院登记后、出院登记前上传）")
    _store_rows(call, business, "upload")
    return WireReply()


def _store_rows(call: ServedCall, business: Business, origin: str) -> None:
    rows = call.req.rows("feeinfo")
    check_fee_rows(rows, serial_required=True)
    check_new_serials(rows, call.ledger.serials(business))
    call.ledger.add_rows(business, origin, rows, call.now)


def delete_fees(call: ServedCall) -> WireReply:
    """bizh120004: deletes all uploaded rows, only where the city allows deletion."""
    call.need("akb020", "aaz218")
    if not call.cfg.fee_delete_allowed:
        raise SimulatedRejection("本统筹区不允许删除住院费用明细，请上传负数明细进行冲减")
    business = call.business(INPATIENT)
    require_state(business, ADMITTED, action="删除费用明细")
    call.ledger.delete_rows(business, "upload")
    return WireReply()


def late_illness_upload(call: ServedCall) -> WireReply:
    """伤病分离因病数据事后补传: bka061=1 rows against any live (also settled) stay."""
    call.need("akb020", "aaz218")
    business = call.business(INPATIENT)
    for number, row in enumerate(call.req.rows("feeinfo"), start=1):
        if row.get("bka061") != "1":
            raise SimulatedRejection(
                f"因病数据补传只接受因病（bka061=1）的费用明细，第{number}条不是"
            )
    _store_rows(call, business, "late")
    return WireReply()
