"""Shared parts of the end-to-end tests: the real PlatformClient against the real simulator.

The simulator is started on a free port of 127.0.0.1; the client is built from a
``PlatformSettings`` pointing at it, with its own session cache so tests never share a session.
The three configurable function ids are given once (``FUNCTION_IDS``) to both the settings and
the simulator's config.  :class:`Driver` sends typed requests through the client and reads the
typed replies; its ``admitted()``/``settled()``/... helpers bring a stay to a state.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from syncd.config.settings import FunctionIds, PlatformSettings
from syncd.core.clock import Clock
from syncd.core.records import Outcome
from syncd.platform.client import PlatformClient, SessionCache
from syncd.protocol import catalogue
from syncd.protocol.calls import CallResult
from syncd.protocol.codec import Value
from syncd.protocol.messages import (
    Reply,
    Request,
    SettlementReply,
    parse_reply,
)
from syncd.protocol.reply_rows import IDENTITIES, SettlementFigures
from syncd.simulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USERID,
    ServedFunctionIds,
    Simulator,
    SimulatorConfig,
)

NORMAL = "1000010001"  # insured, work-injury certificate GS2026000101
FROZEN = "1000010002"  # insured, fund frozen (bka888=1)
NOT_INSURED = "1000010003"
ELSEWHERE = "1000010004"  # already in hospital at SS0999: 业务互斥
SECOND = "1000010005"  # insured, a second person
NORMAL_ID_NUMBER = "440106198503124219"  # aac002 of NORMAL in the fixture (synthetic)
NORMAL_NAME = "张伟明"
SECOND_ID_NUMBER = "440106199505201315"
AKB020 = "SS0001"
ADMITTED_ON = dt.date(2026, 11, 20)
DISCHARGED_ON = dt.date(2026, 11, 25)

# The ids the spec cannot pin down, given to the settings and the simulator alike.
FUNCTION_IDS = {
    "settlement_slip": "bizh120206",
    "medical_record_patient": "bizh200101",
    "illness_late_upload": "bizh120005",
}
SLIP = FUNCTION_IDS["settlement_slip"]
RECORD_PATIENT = FUNCTION_IDS["medical_record_patient"]
LATE_UPLOAD = FUNCTION_IDS["illness_late_upload"]
CAT = catalogue.load(FUNCTION_IDS)
ZERO = Decimal("0.00")


def sim_config(**overrides: Any) -> SimulatorConfig:
    ids = ServedFunctionIds(
        settlement_slip=SLIP, record_patient=RECORD_PATIENT, illness_late_upload=LATE_UPLOAD
    )
    return SimulatorConfig(**({"function_ids": ids} | overrides))


def settings_for(sim: Simulator, **overrides: Any) -> PlatformSettings:
    values: dict[str, Any] = {
        "url": sim.endpoint,
        "userid": DEFAULT_USERID,
        "password": SecretStr(DEFAULT_PASSWORD),
        "connect_timeout_s": 2.0,
        "read_timeout_s": 5.0,
        "function_ids": FunctionIds(**FUNCTION_IDS),
    }
    return PlatformSettings(**(values | overrides))


def make_client(
    sim: Simulator, *, clock: Clock | None = None, transport: Any = None, **overrides: Any
) -> PlatformClient:
    """A client of its own (own session cache) for ``sim``."""
    return PlatformClient(
        settings_for(sim, **overrides), clock=clock, transport=transport, sessions=SessionCache()
    )


def wait_for(condition: Callable[[], bool], what: str, deadline_s: float = 5.0) -> None:
    """Poll ``condition`` until it holds or the deadline passes (no sleeping for luck)."""
    end = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


# ---------------------------------------------------------------- fee rows


def fee_row(
    amount: str,
    serial: str | None = None,
    *,
    item: str = "X0101",
    bka061: str = "0",
    day: dt.date = dt.date(2026, 11, 21),
) -> dict[str, Value]:
    """One feeinfo row: quantity ±1, unit price |amount|, money as Decimal."""
    value = Decimal(amount)
    quantity = Decimal("1.00") if value >= 0 else Decimal("-1.00")
    return {
        "ake005": item,
        "ake006": f"项目{item}",
        "bka056": abs(value).quantize(Decimal("0.0001")),
        "bka057": quantity,
        "bka058": value,
        "bka051": day,
        "bka063": "0101",
        "bka064": "李四",
        "aaz213": serial,
        "aka036": "0",
        "bka061": bka061,
    }


def expected_split(rows: Sequence[Mapping[str, Value]], covered: frozenset[str]) -> dict[str, Any]:
    """akc264 / bka831 (self-paid: 因病 or not covered) / bka832 (fund) of ``rows``."""
    self_paid = fund = ZERO
    for row in rows:
        amount = row["bka058"]
        assert isinstance(amount, Decimal)
        if row.get("bka061") == "1" or row["ake005"] not in covered:
            self_paid += amount
        else:
            fund += amount
    return {"akc264": self_paid + fund, "bka831": self_paid, "bka832": fund}


def assert_identities(figures: SettlementFigures) -> None:
    """The three totals identities of spec §8.1, exactly, with Decimal."""
    for total, parts in IDENTITIES:
        assert getattr(figures, total) == sum((getattr(figures, p) for p in parts), ZERO), total
    assert figures.identity_errors() == []


def assert_split(figures: SettlementFigures | None, expected: Mapping[str, Decimal]) -> None:
    assert figures is not None
    assert_identities(figures)
    got = {k: getattr(figures, k) for k in expected}
    assert got == dict(expected)


# ---------------------------------------------------------------- the driver


@dataclass
class Driver:
    """Sends requests through the real client and brings stays to a state."""

    sim: Simulator
    client: PlatformClient
    results: list[CallResult] = field(default_factory=list)

    def request(
        self,
        function_id: str,
        datasets: Mapping[str, Sequence[Mapping[str, Value]]] | None = None,
        /,
        **params: Value,
    ) -> Request:
        return Request.build(CAT, function_id, {"akb020": AKB020, **params}, datasets)

    def call(
        self,
        function_id: str,
        datasets: Mapping[str, Sequence[Mapping[str, Value]]] | None = None,
        /,
        **params: Value,
    ) -> CallResult:
        result = self.client.call(self.request(function_id, datasets, **params))
        self.results.append(result)
        return result

    def ok(
        self,
        function_id: str,
        datasets: Mapping[str, Sequence[Mapping[str, Value]]] | None = None,
        /,
        **params: Value,
    ) -> Any:
        """SUCCEEDED, seen by the simulator as code 1; the typed reply."""
        result = self.call(function_id, datasets, **params)
        assert result.outcome is Outcome.SUCCEEDED, (function_id, result.outcome, result.message)
        assert result.return_code == "1" and result.reply is not None
        last = self.sim.calls()[-1]
        assert (last["function_id"], last["return_code"]) == (function_id, "1")
        return parse_reply(CAT.get(function_id), result.reply)

    def rejected(
        self,
        function_id: str,
        datasets: Mapping[str, Sequence[Mapping[str, Value]]] | None = None,
        /,
        **params: Value,
    ) -> str:
        """REJECTED with the platform's message (returned verbatim for the caller to check)."""
        result = self.call(function_id, datasets, **params)
        assert result.outcome is Outcome.REJECTED, (function_id, result.outcome, result.message)
        assert result.return_code == "-1" and result.reply is not None
        typed: Reply = parse_reply(CAT.get(function_id), result.reply)
        assert typed.return_code_message == result.message
        return result.message

    def business(self, aaz218: str) -> dict[str, Any]:
        return next(b for b in self.sim.businesses() if b["aaz218"] == aaz218)

    def state(self, aaz218: str) -> str:
        return str(self.business(aaz218)["state"])

    # --- outpatient -----------------------------------------------------------------

    def register(self, aac001: str = NORMAL) -> str:
        reply = self.ok(
            "bizh110104",
            aac001=aac001,
            aka130="41",
            bka006="410",
            bka017=DISCHARGED_ON,
            bka014="0102",
            bka015="赵六",
        )
        return str(reply.aaz218)

    def charge(self, aaz218: str, rows: list[dict[str, Value]]) -> SettlementReply:
        reply: SettlementReply = self.ok(
            "bizh110105",
            {"feeinfo": rows},
            aaz218=aaz218,
            bka014="0102",
            bka015="赵六",
            bka893="1",
        )
        return reply

    # --- inpatient ------------------------------------------------------------------

    def admit(self, aac001: str = NORMAL, bka025: str = "ZY-E2E-0001") -> str:
        reply = self.ok("bizh120103", **admission(aac001, bka025))
        return str(reply.aaz218)

    def admitted(self, rows: list[dict[str, Value]] | None = None, **kw: Any) -> str:
        aaz218 = self.admit(**kw)
        if rows:
            self.ok("bizh120002", {"feeinfo": rows}, aaz218=aaz218)
        return aaz218

    def discharged(self, rows: list[dict[str, Value]] | None = None, **kw: Any) -> str:
        aaz218 = self.admitted(rows, **kw)
        self.ok("bizh120105", **discharge(aaz218))
        return aaz218

    def settled(self, rows: list[dict[str, Value]] | None = None, **kw: Any) -> str:
        aaz218 = self.discharged(rows, **kw)
        self.ok("bizh120106", aaz218=aaz218, bka046="0101", bka047="李四")
        return aaz218


def admission(aac001: str = NORMAL, bka025: str = "ZY-E2E-0001") -> dict[str, Value]:
    return {
        "aka130": "42",
        "bka006": "420",
        "aac001": aac001,
        "bka017": ADMITTED_ON,
        "bka014": "0101",
        "bka015": "李四",
        "bka021": "W05",
        "bka022": "骨科病区",
        "bka019": "D05",
        "bka020": "骨科",
        "bka025": bka025,
        "bka023": "12",
        "bka026": "S52.501",
    }


def discharge(aaz218: str, day: dt.date = DISCHARGED_ON) -> dict[str, Value]:
    return {
        "aaz218": aaz218,
        "bka032": day,
        "bka033": "0101",
        "bka034": "李四",
        "bka031": "S52.501",
        "bkf004": "02",
    }


def inpatient_rows() -> list[dict[str, Value]]:
    """A covered charge, a partial refund of it, a not-covered item and a 因病 row."""
    return [
        fee_row("120.00", "1"),
        fee_row("-20.00", "2"),
        fee_row("35.50", "3", item="Y9001"),
        fee_row("18.25", "4", bka061="1"),
    ]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = Simulator(sim_config(test_mode=True))
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def driver(sim: Simulator) -> Iterator[Driver]:
    with make_client(sim) as client:
        yield Driver(sim, client)
