"""The simulated platform behind the HTTP server: login, session checks, dispatch by
function_id, one SQLite transaction per call, and the JSON views used for inspection."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any

from syncd.core.clock import Clock
from syncd.core.errors import SimulatedRejection
from syncd.simulator import (
    rules_inpatient,
    rules_lookup,
    rules_outpatient,
    rules_person,
    rules_settlement,
)
from syncd.simulator.config import SHANGHAI, SimulatorConfig
from syncd.simulator.ledger import ADMITTED, INPATIENT, Ledger
from syncd.simulator.rules_common import ServedCall
from syncd.simulator.rules_records import DETAIL_FUNCTIONS, upload_record
from syncd.simulator.store import Store
from syncd.simulator.wire import WireReply, WireRequest

CallHandler = Callable[[ServedCall], WireReply]
LOGIN = "sys0001"
SESSION_EXPIRED = "session已失效，请重新登录"

_FIXED: dict[str, CallHandler] = {
    "bizh110001": rules_person.person_outpatient,
    "bizh110102": rules_lookup.outpatient_lookup,
    "bizh110103": rules_outpatient.refund_rows,
    "bizh110104": rules_outpatient.register,
    "bizh110105": rules_outpatient.charge,
    "bizh110106": rules_outpatient.cancel_registration,
    "bizh120001": rules_person.person_inpatient,
    "bizh120103": rules_inpatient.admit,
    "bizh120102": rules_lookup.inpatient_lookup,
    "bizh120002": rules_inpatient.upload_fees,
    "bizh120003": rules_settlement.pre_settle,
    "bizh120105": rules_settlement.discharge,
    "bizh120106": rules_settlement.settle,
    "bizh120104": rules_inpatient.modify,
    "bizh120109": rules_inpatient.cancel_admission,
    "bizh120108": rules_settlement.cancel_discharge,
    "bizh120004": rules_inpatient.delete_fees,
    "bizh120107": rules_settlement.cancel_settlement,
    "bizh410004": rules_person.cumulative,
    "bizh410005": rules_person.fund_status,
    "bizh120205": rules_person.code_table,
}


def handler_table(cfg: SimulatorConfig) -> dict[str, CallHandler]:
    """function_id → rule, with the configurable ids of the inferred/unknown functions."""
    table = dict(_FIXED)
    ids = cfg.function_ids
    table[ids.settlement_slip] = rules_settlement.settlement_slip
    for function_id in (ids.record_patient, *DETAIL_FUNCTIONS, "bizh200106"):
        table[function_id] = partial(upload_record, function_id=function_id)
    if ids.illness_late_upload:
        table[ids.illness_late_upload] = rules_inpatient.late_illness_upload
    return table


def next_midnight(now: datetime) -> datetime:
    local = now.astimezone(SHANGHAI)
    return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=SHANGHAI)


class Platform:
    def __init__(self, cfg: SimulatorConfig, store: Store, clock: Clock) -> None:
        self.cfg, self.store, self.clock = cfg, store, clock
        self.table = handler_table(cfg)

    def seed(self) -> None:
        """Open the fixture's 'already in hospital elsewhere' stays (idempotent)."""
        with self.store.transaction() as conn:
            ledger = Ledger(conn)
            for person in self.cfg.persons:
                stay = person.in_hospital_elsewhere
                if stay and ledger.get(stay["akb020"], stay["aaz218"]) is None:
                    opened = stay.get("bka017", "")
                    ledger.open_business(
                        stay["akb020"],
                        stay["aaz218"],
                        INPATIENT,
                        person.aac001,
                        ADMITTED,
                        opened,
                        dict(stay),
                    )

    def process(self, request: WireRequest) -> WireReply:
        function_id = request.function_id
        if function_id == LOGIN:
            return self._login(request)
        if not self.store.session_valid(request.get("session_id"), self.clock()):
            return WireReply("-9", SESSION_EXPIRED)
        handler = self.table.get(function_id)
        if handler is None:
            return WireReply("-1", f"未知的交易号function_id：{function_id or '（空）'}")
        return self._run(handler, request)

    def _run(self, handler: CallHandler, request: WireRequest) -> WireReply:
        akb020 = request.get("akb020")
        if akb020 not in self.cfg.akb020s:
            return WireReply("-1", f"医疗机构编码akb020={akb020 or '（空）'}未在平台登记")
        try:
            with self.store.transaction() as conn:
                return handler(ServedCall(request, self.cfg, Ledger(conn), self.clock()))
        except SimulatedRejection as rejection:
            return WireReply(rejection.return_code, rejection.message_zh)

    def _login(self, request: WireRequest) -> WireReply:
        userid, password = request.get("userid"), request.get("password")
        if not userid or not password:
            return WireReply("-1", "登录失败：用户名和密码不能为空")
        if self.cfg.accounts.get(userid) != password:
            return WireReply("-1", "登录失败：用户名或密码错误")
        session_id, now = str(uuid.uuid4()), self.clock()
        self.store.add_session(session_id, userid, now, next_midnight(now))
        return WireReply(scalars={"session_id": session_id})

    def businesses(self) -> list[dict[str, Any]]:
        """Every business with its rows, batches, settlements and 病案 uploads (JSON-ready)."""
        with self.store.transaction() as conn:
            ledger = Ledger(conn)
            return [_business_view(ledger, b) for b in ledger.find()]


def _business_view(ledger: Ledger, business: Any) -> dict[str, Any]:
    return {
        "aaz218": business.aaz218,
        "akb020": business.akb020,
        "aac001": business.aac001,
        "kind": business.kind,
        "state": business.state,
        "opened": business.opened,
        "fields": business.fields,
        "rows": ledger.rows(business, "upload") + ledger.rows(business, "charge"),
        "refund_rows": ledger.rows(business, "refund"),
        "late_rows": ledger.rows(business, "late"),
        "batches": ledger.batches(business),
        "settlements": ledger.settlements(business),
        "records": ledger.records(business),
    }
