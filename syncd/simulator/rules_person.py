"""Person and reference queries: 110001, 120001, 410004 累计查询, 410005 基金状态, 120205 码表."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from syncd.core.errors import SimulatedRejection
from syncd.simulator.figures import ZERO
from syncd.simulator.fixtures import FixturePerson
from syncd.simulator.ledger import Ledger
from syncd.simulator.rules_common import ServedCall, check_date, find_person, insured
from syncd.simulator.wire import ParsedRow, WireReply

DEFAULT_FUND = {"aaa157": "410101", "aad006": "工伤保险基金"}


def _lookup(call: ServedCall) -> FixturePerson:
    call.need("akb020", "bka895", "bka896", "bka006")
    if call.req.get("bka006") not in ("410", "420"):
        raise SimulatedRejection("医疗待遇类型bka006应为410（工伤门诊）或420（工伤住院）")
    return insured(find_person(call.cfg.persons, call.req.get("bka895"), call.req.get("bka896")))


def _personinfo(person: FixturePerson, bka006: str) -> ParsedRow:
    row = dict(person.fields)
    row.update(aae140="410", bka888="1" if person.frozen else "0", bka006=bka006)
    row.update({k: person.injury.get(k, "") for k in ("bka042", "aaz267", "aae030", "aae031")})
    return row


def _freezeinfo(person: FixturePerson) -> list[ParsedRow]:
    return [dict(r) for r in person.freezes] if person.frozen else []


def person_outpatient(call: ServedCall) -> WireReply:
    """bizh110001: personinfo, freezeinfo and injuryorbirthinfo as three datasets."""
    person = _lookup(call)
    injury = [{k: person.injury.get(k, "") for k in ("bka042", "aae030", "aae031")}]
    datasets = {
        "personinfo": [_personinfo(person, call.req.get("bka006"))],
        "freezeinfo": _freezeinfo(person),
        "injuryorbirthinfo": injury if person.injury else [],
    }
    return WireReply(datasets=datasets)


def person_inpatient(call: ServedCall) -> WireReply:
    """bizh120001: one personinfo row with the injury data merged in."""
    person = _lookup(call)
    row = _personinfo(person, call.req.get("bka006"))
    row["bka026"] = person.injury.get("bka026", "")
    return WireReply(datasets={"personinfo": [row], "freezeinfo": _freezeinfo(person)})


def _fund_paid(ledger: Ledger, aac001: str, year: str) -> Decimal:
    total = ZERO
    for business in ledger.find():
        if business.aac001 != aac001:
            continue
        for s in ledger.settlements(business):
            if s["reversed_at"] is None and s["settled_at"].startswith(year):
                total += Decimal(s["figures"]["bka832"])
        for b in ledger.batches(business):
            if b["refunded_at"] is None and b["settled_at"].startswith(year):
                total += Decimal(b["figures"]["bka832"])
    return total


def cumulative(call: ServedCall) -> WireReply:
    """bizh410004 累计查询: fixture base values plus what this simulator has settled."""
    call.need("akb020", "aac001")
    person = call.person_by_id(call.req.get("aac001"))
    year = call.req.get("aae001") or str(call.now.year)
    paid = _fund_paid(call.ledger, person.aac001, year)
    entries = person.cumulative or [{"aka036": "工伤医疗费累计", "ake053": "0"}]
    rows = []
    for entry in entries:
        value = Decimal(entry.get("ake053") or "0") + paid
        left = f"{Decimal(entry['limit']) - value:.2f}" if entry.get("limit") else ""
        rows.append(
            {
                "aae140": "410",
                "aae001": year,
                "aka036": entry.get("aka036", ""),
                "ake053": f"{value:.2f}",
                "ake038": left,
            }
        )
    return WireReply(datasets={"cumulativeinfo": rows})


def _months(start: str, end: str) -> list[str]:
    first = date(int(start[:4]), int(start[4:6]), 1)
    last = date(int(end[:4]), int(end[4:6]), 1)
    months: list[str] = []
    while first <= last and len(months) < 36:
        months.append(first.strftime("%Y%m"))
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return months


def fund_status(call: ServedCall) -> WireReply:
    """bizh410005 基金状态查询: per fund (x month when bka977=1) the freeze state."""
    call.need("akb020", "aac001")
    person = call.person_by_id(call.req.get("aac001"))
    this_month = call.now.strftime("%Y%m")
    months = [this_month]
    if call.req.get("bka977") == "1":
        start, end = call.req.get("aae030") or call.today, call.req.get("aae031") or call.today
        check_date(start, "aae030")
        check_date(end, "aae031")
        months = _months(start, end)
    state = "1" if person.frozen else "0"
    funds = person.freezes or [DEFAULT_FUND]
    rows = [
        {
            "aaa157": f.get("aaa157", ""),
            "bka573": f.get("aad006", ""),
            "aae003": month,
            "aac031": state,
            "bka888": state,
        }
        for f in funds
        for month in months
    ]
    return WireReply(datasets={"fundinfo": rows})


def code_table(call: ServedCall) -> WireReply:
    """bizh120205 码表服务: dataset codeinfo for one category, optionally one value."""
    call.need("akb020", "aaa100")
    tables = call.cfg.code_tables
    category = call.req.get("aaa100")
    if category not in tables.categories:
        raise SimulatedRejection(f"代码类别{category}不存在")
    name, values = tables.categories[category]
    wanted = call.req.get("aaa102")
    if wanted and wanted not in values:
        raise SimulatedRejection(f"代码类别{category}中不存在代码值{wanted}")
    rows = [
        {
            "aaa027": tables.aaa027,
            "aaa100": category,
            "aaa101": name,
            "aaa102": code,
            "aaa103": label,
            "aaa104": "",
        }
        for code, label in values.items()
        if not wanted or code == wanted
    ]
    return WireReply(datasets={"codeinfo": rows})
