"""病案首页 uploads bizh200101–200106: validated, stored per (business, function); a re-upload
replaces the earlier one, so repeating an upload is safe.

Required: the header ``akb020``, ``aaz218`` (an existing, not cancelled inpatient business)
and ``aac002`` (must be the business person's); 200102–200105 need a non-empty ``detail``
dataset whose rows carry ``yzy201`` (排序); 200106 needs yzy301/yzy302 (诊断描述).
"""

from __future__ import annotations

from syncd.core.errors import SimulatedRejection
from syncd.simulator.ledger import INPATIENT
from syncd.simulator.rules_common import ServedCall
from syncd.simulator.wire import WireReply

HEADER = ("akb020", "aaz218", "aac002")
DETAIL_FUNCTIONS = ("bizh200102", "bizh200103", "bizh200104", "bizh200105")
EXTRA_REQUIRED = {"bizh200106": ("yzy301", "yzy302")}
_NOT_STORED = frozenset({"session_id", "function_id"})


def upload_record(call: ServedCall, function_id: str) -> WireReply:
    call.need(*HEADER, *EXTRA_REQUIRED.get(function_id, ()))
    business = call.business(INPATIENT)
    person = next((p for p in call.cfg.persons if p.aac001 == business.aac001), None)
    if person is None or person.fields.get("aac002") != call.req.get("aac002"):
        raise SimulatedRejection("社会保障号码aac002与就医登记号对应的参保人不符")
    detail = call.req.rows("detail")
    if function_id in DETAIL_FUNCTIONS:
        if not detail:
            raise SimulatedRejection("明细数据detail不能为空")
        for number, row in enumerate(detail, start=1):
            if not row.get("yzy201"):
                raise SimulatedRejection(f"第{number}条明细缺少排序号yzy201")
    scalars = {k: v for k, v in call.req.scalars.items() if k not in _NOT_STORED}
    call.ledger.put_record(business, function_id, {"fields": scalars, "detail": detail}, call.now)
    return WireReply()
