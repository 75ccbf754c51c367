"""The engine on its in-memory fakes (:mod:`syncd.db.memory`) and a scripted platform: a feed
pipeline, the command runner and the operator module wired as the worker wires them, with no
database and no HTTP, so the exchange's own tests run in milliseconds.

:class:`ScriptedPlatform` keeps just enough platform state for the resolution queries the tests
need (admissions by person, fee totals, settlements) and takes, per function id, a queue of
modes: ``ok``, ``lost`` (processed, reply lost: UNKNOWN), ``unseen`` (not processed, reply
lost: UNKNOWN), ``refused`` (REJECTED), ``down`` (nothing sent: RETRY), ``expired`` (a
-9 reply: RETRY with a code).  It notes at every
business call whether the unit it serves was IN_FLIGHT under that call id (the intent first).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from mapping_folders import feeds_in

from syncd.core.records import Outcome
from syncd.db.memory import (
    MemoryAudit,
    MemoryChildViews,
    MemoryFeedSource,
    MemoryStores,
)
from syncd.engine.commands import CommandRunner
from syncd.engine.exchange import Exchange, PlatformCalls
from syncd.engine.operator import Actor, Operator
from syncd.engine.pipeline import FeedPipeline
from syncd.engine.prepare import RenderInputs
from syncd.engine.reports import CommandReport, TickReport
from syncd.mapping import FeedSpec
from syncd.protocol import catalogue
from syncd.protocol.calls import CallResult, HttpExchange
from syncd.protocol.decoded import Program, Row
from syncd.protocol.messages import Request
from syncd.rules.outbox import RetryPolicy

MAPPINGS = Path(__file__).parent.parent / "data" / "engine"
CATALOGUE = catalogue.load()
FEEDS: dict[str, FeedSpec] = feeds_in(MAPPINGS)
START = datetime(2026, 11, 25, 9, 0, 0)
HOLD_S = 300.0  # the in-flight window of these tests
QUERIES = {"bizh120102", "bizh120003", "bizh120206"}


def ok(**values: str) -> Program:
    return Program(values={"return_code": "1", "return_code_message": "成功", **values})


@dataclass
class ScriptedPlatform:
    stores: MemoryStores
    modes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    calls: list[tuple[str, str | None, bool]] = field(default_factory=list)  # fid, id, intent
    admissions: dict[str, tuple[str, str]] = field(default_factory=dict)  # aaz218 → person, 住院号
    fees: defaultdict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    settled: set[str] = field(default_factory=set)

    def script(self, function_id: str, *modes: str) -> None:
        self.modes[function_id].extend(modes)

    def business(self, function_id: str) -> list[str | None]:
        """The call ids of the business calls made to ``function_id``, in order."""
        return [call_id for fid, call_id, _ in self.calls if fid == function_id]

    def call(self, request: Request, call_id: str | None = None) -> CallResult:
        fid = request.function_id
        mode = self.modes[fid].pop(0) if self.modes[fid] else "ok"
        self.calls.append((fid, call_id, self._in_flight(call_id)))
        if mode == "down":
            return _result(request, call_id, Outcome.RETRY, None, "connection refused")
        if mode == "expired":  # a transient reply with a code: RETRY
            return _result(
                request, call_id, Outcome.RETRY, None, "会话已过期，重新登录后仍过期", "-9"
            )
        if mode == "refused":
            return _result(request, call_id, Outcome.REJECTED, None, "平台拒绝", "-1")
        reply = ok() if mode == "unseen" else self._process(request)
        if mode in ("lost", "unseen"):
            return _result(request, call_id, Outcome.UNKNOWN, None, "ReadTimeout")
        return _result(request, call_id, Outcome.SUCCEEDED, reply, "成功", "1")

    def _in_flight(self, call_id: str | None) -> bool:
        rows = [*self.stores.outbox.rows.values(), *self.stores.requests.rows.values()]
        return any(
            r.status == "IN_FLIGHT"
            and call_id in (getattr(r, "request_id", None), getattr(r, "call_id", None))
            for r in rows
        )

    def _process(self, request: Request) -> Program:
        p, fid = request.params, request.function_id
        if fid == "bizh120103":
            aaz218 = f"ZY{len(self.admissions) + 1:04d}"
            self.admissions[aaz218] = (str(p["aac001"]), str(p.get("bka025", "")))
            return ok(aaz218=aaz218)
        if fid == "bizh120002":
            rows = request.datasets.get("feeinfo", ())
            self.fees[str(p["aaz218"])] += sum(Decimal(str(r["bka058"])) for r in rows)
        if fid == "bizh120004":
            self.fees[str(p["aaz218"])] = Decimal(0)
        if fid == "bizh120106":
            self.settled.add(str(p["aaz218"]))
            return ok(akc264="80.00", bka831="70.00", bka832="10.00")
        return self._query(fid, p)

    def _query(self, fid: str, p: Mapping[str, object]) -> Program:
        if fid == "bizh120003":
            return ok(akc264=str(self.fees[str(p["aaz218"])]))
        if fid == "bizh120206":
            return ok(bka979="80.00", bka811="70.00", bka812="10.00")
        if fid != "bizh120102":
            return ok()
        if p["bka895"] == "aac001":
            found = [
                {"aaz218": a, "bka025": no}
                for a, (person, no) in self.admissions.items()
                if person == p["bka896"]
            ]
        else:
            aaz218 = str(p["bka896"])
            found = [{"aaz218": aaz218, "bka891": "1" if aaz218 in self.settled else "0"}]
        return Program(values=ok().values, datasets={"bizinfo": tuple(Row(r) for r in found)})


def _result(
    request: Request,
    call_id: str | None,
    outcome: Outcome,
    reply: Program | None,
    message: str,
    code: str | None = None,
) -> CallResult:
    body = request.encode(session_id="S1")
    exchange = HttpExchange(body, None if reply is None else b"<program/>")
    return CallResult(
        call_id or "q", request.function_id, outcome, reply, code, message, (exchange,), 0.01, START
    )


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Engine:
    """One engine over the fakes: ``views`` holds each fact-view feed's rows (as the mapping
    names the columns), ``children`` the child views by name."""

    def __init__(self, owner: str = "engine-a", stores: MemoryStores | None = None) -> None:
        self.stores = stores or MemoryStores()
        self.audit = MemoryAudit()  # what the operator module writes
        self.archive, self.clock = self.stores.archive, Clock()
        self.platform = ScriptedPlatform(self.stores)
        calls = PlatformCalls(self.platform, CATALOGUE, self.archive, self.clock, "SS0001")
        policy = RetryPolicy(
            max_attempts=3, initial_s=10, max_s=60, wait_s=5, unknown_hold_s=HOLD_S
        )
        self.exchange = Exchange(calls, policy, random.Random(1).random, owner, HOLD_S)
        self.views: dict[str, list[dict[str, object]]] = defaultdict(list)
        self.children: dict[str, list[dict[str, object]]] = defaultdict(list)
        self.inputs = RenderInputs({"hospital.akb020": "SS0001"}, {}, 300)
        self.sources = {
            name: MemoryFeedSource(spec, self.views[name], self.stores.outbox, self.children)
            for name, spec in FEEDS.items()
            if spec.source.view
        }
        self.pipelines = {name: self._pipeline(FEEDS[name]) for name in self.sources}
        self.commands = CommandRunner(
            FEEDS,
            self.exchange,
            self.stores,
            MemoryChildViews(self.children),
            batch_size=50,
            lease_s=60,
        )

    def _pipeline(self, spec: FeedSpec) -> FeedPipeline:
        after = [self.sources[n] for n in spec.requires.after if n in self.sources]
        return FeedPipeline(
            spec,
            self.sources[spec.feed],
            after,
            self.exchange,
            self.stores,
            batch_size=50,
            lease_s=60,
        )

    def tick(self, feed: str) -> TickReport:
        return self.pipelines[feed].tick(self.inputs)

    def tick_commands(self) -> CommandReport:
        return self.commands.tick(self.inputs)

    def operator(self) -> Operator:
        parts = (self.stores, self.exchange, self.pipelines, self.commands)
        actor = Actor("wang", "10.0.0.7")
        return Operator(FEEDS, *parts, lambda: self.inputs, HOLD_S, self.audit, actor)

    def row(self, feed: str, key: str) -> Any:
        (row,) = [
            r for r in self.stores.outbox.rows.values() if r.feed == feed and r.source_key == key
        ]
        return row


def admission(engine: Engine, adm_id: int = 1, visit: str = "ZY1", person: str = "P1") -> None:
    engine.views["ip_admission"].append(
        {
            "ADM_ID": adm_id,
            "VISIT_NO": visit,
            "PERSON_NO": person,
            "ADMIT_DATE": "20261120",
            "CLERK_NO": "0101",
            "CLERK_NAME": "李四",
            "WARD_CODE": "W05",
            "INPATIENT_NO": f"NO-{visit}",
        }
    )


def fee(engine: Engine, fee_id: str, amount: str, visit: str = "ZY1") -> None:
    engine.views["ip_fee"].append(
        {
            "FEE_ID": fee_id,
            "VISIT_NO": visit,
            "ITEM_CODE": "X0101",
            "ITEM_NAME": "换药",
            "PRICE": amount,
            "QTY": "1.00",
            "AMOUNT": amount,
            "FEE_DATE": "20261121",
            "ILLNESS": "0",
        }
    )
