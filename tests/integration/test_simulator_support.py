"""Shared helpers for the simulator tests: a tiny hand-written XML client over httpx.

Deliberately not the project's codec/client: the simulator is tested on its own terms.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

import httpx
import pytest

from syncd.simulator import DEFAULT_PASSWORD, DEFAULT_USERID, Simulator, SimulatorConfig

NORMAL = "1000010001"  # insured, work-injury certificate
FROZEN = "1000010002"  # insured, fund frozen
NOT_INSURED = "1000010003"
ELSEWHERE = "1000010004"  # already in hospital at SS0999
SECOND = "1000010005"  # insured, for a second business


DATASETS = frozenset(
    {
        "personinfo",
        "freezeinfo",
        "injuryorbirthinfo",
        "bizinfo",
        "feeinfo",
        "payinfo",
        "codeinfo",
        "batchinfo",
        "fundlist",
        "fundinfo",
        "cumulativeinfo",
    }
)


@dataclass
class Reply:
    code: str
    message: str
    scalars: dict[str, str] = field(default_factory=dict)
    datasets: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def rows(self, name: str) -> list[dict[str, str]]:
        return self.datasets.get(name, [])


def parse_reply(body: bytes) -> Reply:
    root = ET.fromstring(body)
    scalars: dict[str, str] = {}
    datasets: dict[str, list[dict[str, str]]] = {}
    for child in root:
        rows = [{c.tag: c.text or "" for c in row} for row in child if row.tag == "row"]
        if rows or child.tag in DATASETS:
            datasets[child.tag] = rows
        else:
            scalars[child.tag] = child.text or ""
    code = scalars.pop("return_code")
    return Reply(code, scalars.pop("return_code_message"), scalars, datasets)


def build_xml(function_id: str, scalars: dict[str, str], datasets: dict[str, Any]) -> str:
    parts = [f"<function_id>{function_id}</function_id>"]
    parts += [f"<{k}>{escape(str(v))}</{k}>" for k, v in scalars.items()]
    for name, rows in datasets.items():
        body = "".join(
            "<row>" + "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in r.items()) + "</row>"
            for r in rows
        )
        parts.append(f"<{name}>{body}</{name}>")
    return "<program>" + "".join(parts) + "</program>"


class Client:
    """Login once, then ``call(function_id, **scalars)`` with optional datasets."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.http = httpx.Client(timeout=5)
        self.session_id = ""

    def __enter__(self) -> Client:
        self.login()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def post(
        self, body: str | bytes, content_type: str = "text/xml; charset=UTF-8"
    ) -> httpx.Response:
        data = body.encode("utf-8") if isinstance(body, str) else body
        return self.http.post(
            self.sim.endpoint, content=data, headers={"Content-Type": content_type}
        )

    def login(self, userid: str = DEFAULT_USERID, password: str = DEFAULT_PASSWORD) -> Reply:
        reply = self.request("sys0001", {"userid": userid, "password": password}, {})
        if reply.code == "1":
            self.session_id = reply.scalars["session_id"]
        return reply

    def request(self, function_id: str, scalars: dict[str, str], datasets: dict[str, Any]) -> Reply:
        xml = '<?xml version="1.0" encoding="utf-8"?>' + build_xml(function_id, scalars, datasets)
        response = self.post(xml)
        assert response.status_code == 200, response.text
        return parse_reply(response.content)

    def call(
        self,
        function_id: str,
        *,
        akb020: str = "SS0001",
        feeinfo: list[dict[str, str]] | None = None,
        detail: list[dict[str, str]] | None = None,
        **scalars: str,
    ) -> Reply:
        head = {"session_id": self.session_id, "akb020": akb020}
        datasets: dict[str, Any] = {}
        if feeinfo is not None:
            datasets["feeinfo"] = feeinfo
        if detail is not None:
            datasets["detail"] = detail
        return self.request(function_id, {**head, **scalars}, datasets)

    def ok(self, function_id: str, **kwargs: Any) -> Reply:
        reply = self.call(function_id, **kwargs)
        assert reply.code == "1", f"{function_id}: {reply.code} {reply.message}"
        return reply

    def rejected(self, function_id: str, **kwargs: Any) -> Reply:
        reply = self.call(function_id, **kwargs)
        assert reply.code == "-1", f"{function_id} should be rejected: {reply.code} {reply.message}"
        assert reply.message and reply.message != "成功"
        return reply

    # --- common steps --------------------------------------------------------------

    def admit(self, aac001: str = NORMAL, akb020: str = "SS0001", bka025: str = "ZY0001") -> str:
        reply = self.ok(
            "bizh120103",
            akb020=akb020,
            aka130="42",
            bka006="420",
            aac001=aac001,
            bka017="20261120",
            bka014="0101",
            bka015="李四",
            bka021="W05",
            bka022="骨科病区",
            bka019="D05",
            bka020="骨科",
            bka025=bka025,
            bka023="12",
        )
        return reply.scalars["aaz218"]

    def register(self, aac001: str = NORMAL) -> str:
        certificate = {"bka042": "GS2026000101"} if aac001 == NORMAL else {}
        reply = self.ok(
            "bizh110104",
            aac001=aac001,
            aka130="41",
            bka006="410",
            bka017="20261125",
            bka014="0102",
            bka015="赵六",
            **certificate,
        )
        return reply.scalars["aaz218"]

    def business(self, aaz218: str) -> dict[str, Any]:
        return next(b for b in self.sim.businesses() if b["aaz218"] == aaz218)


def fee(
    aaz213: str = "",
    amount: str = "25.00",
    item: str = "X0101",
    bka061: str = "0",
    quantity: str = "2.00",
) -> dict[str, str]:
    price = (Decimal(amount) / Decimal(quantity)).quantize(Decimal("0.0001"))
    return {
        "ake005": item,
        "ake006": f"项目{item}",
        "bka056": str(abs(price)),
        "bka057": quantity,
        "bka058": amount,
        "bka051": "20261121",
        "bka063": "0101",
        "bka064": "李四",
        "aaz213": aaz213,
        "aka036": "0",
        "bka061": bka061,
    }


IDENTITY_SELF = ("akb067", "akb066", "bka839")
IDENTITY_FUND = ("ake039", "ake035", "ake026", "ake029", "bka841", "bka842", "bka840", "bka821")


def assert_identities(values: dict[str, str]) -> None:
    """The three totals identities of spec §8.1, exactly, on two-place decimals."""
    d = {
        k: Decimal(values[k])
        for k in ("akc264", "bka831", "bka832", *IDENTITY_SELF, *IDENTITY_FUND)
    }
    assert all(values[k].count(".") == 1 and len(values[k].split(".")[1]) == 2 for k in d)
    assert d["akc264"] == d["bka831"] + d["bka832"]
    assert d["bka831"] == sum((d[k] for k in IDENTITY_SELF), Decimal(0))
    assert d["bka832"] == sum((d[k] for k in IDENTITY_FUND), Decimal(0))


def make_sim(**config: Any) -> Simulator:
    clock = config.pop("clock", None)
    return Simulator(SimulatorConfig(**config), clock=clock)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = make_sim(test_mode=True)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def client(sim: Simulator) -> Iterator[Client]:
    c = Client(sim)
    assert c.login().code == "1"
    yield c
    c.http.close()
