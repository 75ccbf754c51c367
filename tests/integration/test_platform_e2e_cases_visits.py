"""Cases of the end-to-end catalogue table: outpatient and inpatient transactions.

Each ``happy_*``/``reject_*`` function brings the simulator to the state the call needs
(through the client) and returns the :class:`Call` to send; the test sends it with the
function id the table (:mod:`test_platform_e2e_cases`) is keyed by.  ``happy`` calls carry a
check of the typed reply (and of the simulator's state where the call changes it); the table
gives each rejection the platform's message, verbatim.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from test_platform_e2e_support import (
    DISCHARGED_ON,
    ELSEWHERE,
    NORMAL,
    NORMAL_ID_NUMBER,
    NOT_INSURED,
    Driver,
    admission,
    assert_split,
    discharge,
    expected_split,
    fee_row,
    inpatient_rows,
)

from syncd.protocol.codec import Value
from syncd.protocol.messages import (
    BusinessInfoReply,
    PersonInfoReply,
    RefundInfoReply,
    RegistrationReply,
    SettlementReply,
    SettlementSlipReply,
)

NOT_INSURED_ZH = "该人员未参加工伤保险（未参保），不能办理工伤联网结算业务"
Datasets = Mapping[str, Sequence[Mapping[str, Value]]]


@dataclass
class Call:
    params: dict[str, Value]
    datasets: Datasets | None = None
    check: Callable[[Any], None] = field(default=lambda reply: None)


@dataclass(frozen=True)
class Case:
    happy: Callable[[Driver], Call]
    reject: Callable[[Driver], Call]
    message: str


def _state_is(d: Driver, aaz218: str, state: str) -> Callable[[Any], None]:
    def check(reply: Any) -> None:
        assert d.state(aaz218) == state

    return check


def _figures_of(d: Driver, rows: list[dict[str, Value]]) -> Callable[[Any], None]:
    def check(reply: SettlementReply) -> None:
        assert_split(reply.figures, expected_split(rows, d.sim.config.covered_items))

    return check


# ---------------------------------------------------------------- outpatient


def happy_110001(d: Driver) -> Call:
    def check(reply: PersonInfoReply) -> None:
        (person,) = reply.persons
        assert (person.aac001, person.aac002, person.aac003) == (NORMAL, NORMAL_ID_NUMBER, "张伟明")
        assert (person.bka888, person.bka042, person.bka006) == ("0", "GS2026000101", "410")
        assert person.aae031 == dt.date(2027, 12, 31) and reply.freezes == ()
        assert [i.bka042 for i in reply.injuries] == ["GS2026000101"]

    return Call({"bka895": "aac001", "bka896": NORMAL, "bka006": "410"}, check=check)


def reject_110001(d: Driver) -> Call:
    return Call({"bka895": "aac001", "bka896": NOT_INSURED, "bka006": "410"})


def happy_110102(d: Driver) -> Call:
    aaz218 = d.register()

    def check(reply: BusinessInfoReply) -> None:
        (business,) = reply.businesses
        assert (business.aaz218, business.aka130, business.bka891) == (aaz218, "41", "0")
        assert business.aac001 == NORMAL and business.bka017 == DISCHARGED_ON

    return Call({"bka895": "aaz218", "bka896": aaz218, "bka006": "410"}, check=check)


def reject_110102(d: Driver) -> Call:
    return Call({"bka895": "bka025", "bka896": "ZY-E2E-0001", "bka006": "410"})


def _charged(d: Driver) -> tuple[str, list[dict[str, Value]]]:
    aaz218 = d.register()
    rows = [fee_row("30.00", item="Z0001"), fee_row("12.50", item="Y9001")]
    d.charge(aaz218, rows)
    return aaz218, rows


def happy_110103(d: Driver) -> Call:
    aaz218, rows = _charged(d)

    def check(reply: RefundInfoReply) -> None:
        assert len(reply.fee_rows) == 2 and all(r.aaz213 for r in reply.fee_rows)
        refunded = sum((r.bka058 or Decimal(0) for r in reply.fee_rows), Decimal(0))
        charged = [r["bka058"] for r in rows]
        assert refunded == -sum((a for a in charged if isinstance(a, Decimal)), Decimal(0))

    params: dict[str, Value] = {
        "bka895": "aaz218",
        "bka896": aaz218,
        "bka006": "410",
        "bka001": "1",
    }
    return Call(params, check=check)


def reject_110103(d: Driver) -> Call:
    aaz218, _ = _charged(d)
    return Call({"bka895": "aaz218", "bka896": aaz218, "bka006": "410", "bka001": "2"})


def happy_110104(d: Driver) -> Call:
    def check(reply: RegistrationReply) -> None:
        assert reply.aaz218.startswith("MZ") and d.state(reply.aaz218) == "REGISTERED"

    params: dict[str, Value] = {
        "aac001": NORMAL,
        "aka130": "41",
        "bka006": "410",
        "bka017": DISCHARGED_ON,
        "bka014": "0102",
        "bka015": "赵六",
        "bka042": "GS2026000101",
    }
    return Call(params, check=check)


def reject_110104(d: Driver) -> Call:
    params: dict[str, Value] = {
        "aac001": NORMAL,
        "aka130": "41",
        "bka006": "410",
        "bka014": "0102",
        "bka015": "赵六",
        "bka042": "GS0000000000",
    }
    return Call(params)


def happy_110105(d: Driver) -> Call:
    aaz218 = d.register()
    rows = [fee_row("30.00", item="Z0001"), fee_row("12.50", item="Y9001")]

    def check(reply: SettlementReply) -> None:
        _figures_of(d, rows)(reply)
        assert reply.figures is not None and reply.figures.bka001 == 1
        assert reply.aaz218 == aaz218 and len(d.business(aaz218)["batches"]) == 1

    params: dict[str, Value] = {"aaz218": aaz218, "bka014": "0102", "bka015": "赵六", "bka893": "1"}
    return Call(params, {"feeinfo": rows}, check)


def reject_110105(d: Driver) -> Call:
    params: dict[str, Value] = {
        "aaz218": "MZ00000000000000",
        "bka014": "0102",
        "bka015": "赵六",
        "bka893": "1",
    }
    return Call(params, {"feeinfo": [fee_row("1.00")]})


def happy_110106(d: Driver) -> Call:
    aaz218 = d.register()
    return Call(
        {"aaz218": aaz218, "bka014": "0102", "bka015": "赵六"},
        check=_state_is(d, aaz218, "CANCELLED"),
    )


def reject_110106(d: Driver) -> Call:
    aaz218, _ = _charged(d)
    return Call({"aaz218": aaz218, "bka014": "0102", "bka015": "赵六"})


# ---------------------------------------------------------------- inpatient


def happy_120001(d: Driver) -> Call:
    def check(reply: PersonInfoReply) -> None:
        (person,) = reply.persons
        assert (person.aac001, person.bka026, person.bka888) == (NORMAL, "S52.501", "0")
        assert person.aae030 == dt.date(2026, 1, 1) and person.baa027 == "440100"

    params: dict[str, Value] = {
        "bka895": "aac002",
        "bka896": NORMAL_ID_NUMBER,
        "aka130": "42",
        "bka006": "420",
        "bka017": DISCHARGED_ON,
    }
    return Call(params, check=check)


def reject_120001(d: Driver) -> Call:
    return Call({"bka895": "aac001", "bka896": NOT_INSURED, "aka130": "42", "bka006": "420"})


def happy_120103(d: Driver) -> Call:
    def check(reply: RegistrationReply) -> None:
        assert reply.aaz218.startswith("ZY") and d.state(reply.aaz218) == "ADMITTED"

    return Call(admission(), check=check)


def reject_120103(d: Driver) -> Call:
    return Call(admission(ELSEWHERE))


def happy_120102(d: Driver) -> Call:
    aaz218 = d.admit(bka025="ZY-E2E-4711")

    def check(reply: BusinessInfoReply) -> None:
        (business,) = reply.businesses
        assert (business.aaz218, business.bka025, business.bka891) == (aaz218, "ZY-E2E-4711", "0")
        assert business.bka017 == dt.date(2026, 11, 20) and business.aka130 == "42"

    return Call(
        {"bka895": "bka025", "bka896": "ZY-E2E-4711", "aka130": "42", "bka891": "0"}, check=check
    )


def reject_120102(d: Driver) -> Call:
    return Call({"bka895": "aac001", "bka896": NORMAL, "aka130": "42", "bka891": "2"})


def happy_120002(d: Driver) -> Call:
    aaz218 = d.admit()

    def check(reply: Any) -> None:
        assert [r["aaz213"] for r in d.business(aaz218)["rows"]] == ["1", "2", "3", "4"]

    return Call({"aaz218": aaz218}, {"feeinfo": inpatient_rows()}, check)


def reject_120002(d: Driver) -> Call:
    return Call({"aaz218": d.discharged()}, {"feeinfo": [fee_row("5.00", "9")]})


def happy_120003(d: Driver) -> Call:
    rows = inpatient_rows()
    return Call({"aaz218": d.admitted(rows), "bka438": "1"}, check=_figures_of(d, rows))


def reject_120003(d: Driver) -> Call:
    return Call({"aaz218": "ZY00000000000000", "bka438": "1"})


def happy_120105(d: Driver) -> Call:
    rows = inpatient_rows()
    aaz218 = d.admitted(rows)

    def check(reply: SettlementReply) -> None:
        _figures_of(d, rows)(reply)
        assert d.state(aaz218) == "DISCHARGED"

    return Call(discharge(aaz218), check=check)


def reject_120105(d: Driver) -> Call:
    return Call(discharge(d.admit(), day=dt.date(2026, 11, 1)))


def happy_120106(d: Driver) -> Call:
    rows = inpatient_rows()
    aaz218 = d.discharged(rows)

    def check(reply: SettlementReply) -> None:
        _figures_of(d, rows)(reply)
        assert d.state(aaz218) == "SETTLED" and len(d.business(aaz218)["settlements"]) == 1

    return Call({"aaz218": aaz218, "bka046": "0101", "bka047": "李四"}, check=check)


def reject_120106(d: Driver) -> Call:
    return Call({"aaz218": d.admit(), "bka046": "0101", "bka047": "李四"})


def happy_120104(d: Driver) -> Call:
    aaz218 = d.admit()

    def check(reply: Any) -> None:
        fields = d.business(aaz218)["fields"]
        assert (fields["bka021"], fields["bka022"], fields["bka023"]) == ("W07", "手外科病区", "15")

    return Call(
        {"aaz218": aaz218, "bka021": "W07", "bka022": "手外科病区", "bka023": "15"}, check=check
    )


def reject_120104(d: Driver) -> Call:
    return Call({"aaz218": d.admit(), "bka017": dt.date(2026, 11, 19)})


def happy_120109(d: Driver) -> Call:
    aaz218 = d.admit()
    return Call({"aaz218": aaz218}, check=_state_is(d, aaz218, "CANCELLED"))


def reject_120109(d: Driver) -> Call:
    return Call({"aaz218": d.discharged()})


def happy_120108(d: Driver) -> Call:
    aaz218 = d.discharged()
    return Call({"aaz218": aaz218}, check=_state_is(d, aaz218, "ADMITTED"))


def reject_120108(d: Driver) -> Call:
    return Call({"aaz218": d.settled(inpatient_rows())})


def happy_120004(d: Driver) -> Call:
    aaz218 = d.admitted(inpatient_rows())

    def check(reply: Any) -> None:
        assert d.business(aaz218)["rows"] == []

    return Call({"aaz218": aaz218}, check=check)


def reject_120004(d: Driver) -> Call:
    return Call({"aaz218": d.discharged(inpatient_rows())})


def happy_120107(d: Driver) -> Call:
    aaz218 = d.settled(inpatient_rows())

    def check(reply: Any) -> None:
        business = d.business(aaz218)
        assert business["state"] == "DISCHARGED"
        assert business["settlements"][-1]["reversed_at"] is not None

    return Call({"aaz218": aaz218}, check=check)


def reject_120107(d: Driver) -> Call:
    return Call({"aaz218": d.admit()})


def happy_slip(d: Driver) -> Call:
    rows = inpatient_rows()
    aaz218 = d.settled(rows)
    split = expected_split(rows, d.sim.config.covered_items)

    def check(reply: SettlementSlipReply) -> None:
        slip = reply.slip
        assert (slip.aaz218, slip.aac001, slip.bka025, slip.bka006) == (
            aaz218,
            NORMAL,
            "ZY-E2E-0001",
            "420",
        )
        assert (slip.bka979, slip.bka811, slip.bka812) == (
            split["akc264"],
            split["bka832"],
            split["bka831"],
        )
        assert slip.bka032 == DISCHARGED_ON and slip.bka030 == "5"
        assert [f.bka800 for f in reply.funds] == ["工伤保险支付范围费用", "个人自付费用", "合计"]
        assert reply.funds[-1].bka801_7 == split["akc264"]
        for fund in reply.funds:
            parts = [getattr(fund, f"bka801_{i}") for i in range(1, 7)]
            assert fund.bka801_7 == sum(parts, Decimal(0))

    return Call({"aaz218": aaz218}, check=check)


def reject_slip(d: Driver) -> Call:
    return Call({"aaz218": d.admit()})
