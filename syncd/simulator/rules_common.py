"""What every rule needs: the call context, required fields, persons, businesses, fee rows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from syncd.core.errors import SimulatedRejection
from syncd.simulator.config import MAX_FEE_ROWS, SimulatorConfig
from syncd.simulator.figures import money
from syncd.simulator.fixtures import FixturePerson
from syncd.simulator.ledger import CANCELLED, Business, Ledger
from syncd.simulator.wire import ParsedRow, WireRequest

PERSON_KEYS = ("aac001", "aac002", "bka100")
FEE_REQUIRED = ("ake005", "ake006", "bka051", "bka056", "bka057", "bka058")
_DATE = re.compile(r"^\d{8}$")


@dataclass
class ServedCall:
    """One call being processed inside its transaction."""

    req: WireRequest
    cfg: SimulatorConfig
    ledger: Ledger
    now: datetime

    @property
    def today(self) -> str:
        return self.now.strftime("%Y%m%d")

    @property
    def akb020(self) -> str:
        return self.req.get("akb020")

    def need(self, *names: str) -> None:
        missing = [n for n in names if not self.req.get(n)]
        if missing:
            raise SimulatedRejection(f"缺少必填项：{'、'.join(missing)}")

    def business(self, kind: str) -> Business:
        """The live business named by akb020 + aaz218 of this request."""
        self.need("aaz218")
        found = self.ledger.get(self.akb020, self.req.get("aaz218"))
        if found is None or found.kind != kind or found.state == CANCELLED:
            label = "住院" if kind == "inpatient" else "门诊"
            raise SimulatedRejection(f"就医登记号{self.req.get('aaz218')}不存在有效的{label}业务")
        return found

    def person_by_id(self, aac001: str) -> FixturePerson:
        return insured(find_person(self.cfg.persons, "aac001", aac001))


def find_person(persons: Iterable[FixturePerson], key_type: str, value: str) -> FixturePerson:
    if key_type not in PERSON_KEYS:
        raise SimulatedRejection(f"入参类型bka895={key_type}无效，应为aac001、aac002或bka100")
    for person in persons:
        if person.matches(key_type, value):
            return person
    raise SimulatedRejection("未查询到该人员的参保信息，请核对证件号码或电脑号")


def insured(person: FixturePerson) -> FixturePerson:
    """Not insured persons are refused everywhere with the same message (never bka888=9)."""
    if not person.insured:
        raise SimulatedRejection("该人员未参加工伤保险（未参保），不能办理工伤联网结算业务")
    return person


def require_state(business: Business, *states: str, action: str) -> None:
    if business.state not in states:
        raise SimulatedRejection(f"业务当前状态为{STATE_ZH[business.state]}，不能{action}")


STATE_ZH = {
    "REGISTERED": "已挂号",
    "ADMITTED": "在院（已入院登记）",
    "DISCHARGED": "已出院登记",
    "SETTLED": "已出院结算",
    "CANCELLED": "已取消",
}


def check_date(value: str, field: str) -> None:
    """An empty value passes; anything else must be a real yyyyMMdd date."""
    if not value:
        return
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        datetime.strptime(value, "%Y%m%d")
    except ValueError as exc:
        raise SimulatedRejection(f"{field}日期格式错误，应为yyyyMMdd") from exc


def check_fee_rows(
    rows: list[ParsedRow], *, serial_required: bool, allow_empty: bool = False
) -> None:
    """Row count, required columns, numbers and dates of a feeinfo dataset."""
    if not rows and not allow_empty:
        raise SimulatedRejection("费用明细feeinfo不能为空")
    if len(rows) > MAX_FEE_ROWS:
        raise SimulatedRejection(f"每次上传的费用明细不能超过{MAX_FEE_ROWS}条，本次{len(rows)}条")
    for number, row in enumerate(rows, start=1):
        _check_fee_row(number, row, serial_required)


def _check_fee_row(number: int, row: ParsedRow, serial_required: bool) -> None:
    required = FEE_REQUIRED + (("aaz213",) if serial_required else ())
    missing = [name for name in required if not row.get(name)]
    if missing:
        raise SimulatedRejection(f"第{number}条费用明细缺少必填项：{'、'.join(missing)}")
    for name in ("bka056", "bka057", "bka058"):
        money(row[name], f"第{number}条费用明细{name}")
    check_date(row["bka051"], f"第{number}条费用明细bka051")
    if len(row.get("aaz213", "")) > 20:
        raise SimulatedRejection(f"第{number}条费用明细的费用序号aaz213超过20位")
    if row.get("bka061", "0") not in ("", "0", "1"):
        raise SimulatedRejection(f"第{number}条费用明细伤病分离标志bka061只能为0或1")


def check_new_serials(rows: list[ParsedRow], known: set[str]) -> None:
    seen = set(known)
    for row in rows:
        if row["aaz213"] in seen:
            raise SimulatedRejection(f"费用序号aaz213={row['aaz213']}重复上传")
        seen.add(row["aaz213"])
