"""The exchange's resolution queries (``PlatformCalls.ask``) against a real catalogue: a
site's configured settlement-slip id is the one asked, and a query the catalogue refuses
(ConfigError) is a failed query — UNDECIDED — never an exception that stalls the loop."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from syncd.core.records import ArchiveEntry, Outcome
from syncd.engine.exchange import PlatformCalls, Where
from syncd.protocol import catalogue
from syncd.protocol.calls import CallResult
from syncd.protocol.decoded import Program, Row
from syncd.protocol.messages import Request
from syncd.rules.resolve import Found

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CONFIGURED = catalogue.load({"settlement_slip": "bizh120299"})
SETTLED = Program(
    values={"return_code": "1"},
    datasets={"bizinfo": (Row(values={"aaz218": "Z1", "bka891": "1"}),)},
)
SLIP = Program(values={"return_code": "1", "bka979": "80.00", "bka811": "70.00", "bka812": "10.00"})


class Platform:
    """Answers each query function id with a scripted reply; records what was asked."""

    def __init__(self, replies: Mapping[str, Program]) -> None:
        self.replies, self.asked = replies, list[str]()

    def call(self, request: Request, call_id: str | None = None) -> CallResult:
        self.asked.append(request.function_id)
        reply = self.replies.get(request.function_id)
        outcome = Outcome.SUCCEEDED if reply is not None else Outcome.REJECTED
        return CallResult("c1", request.function_id, outcome, reply, "1", "", (), 0.0, NOW)


class Archive:
    def record(self, exchange: ArchiveEntry, now: datetime) -> None:  # pragma: no cover
        raise AssertionError("no exchange bytes here")


def delivery(platform: Platform, cat: catalogue.Catalogue = CONFIGURED) -> PlatformCalls:
    return PlatformCalls(
        client=platform, catalogue=cat, archive=Archive(), clock=lambda: NOW, akb020="SS0001"
    )


def settlement(cat: catalogue.Catalogue = CONFIGURED) -> Request:
    params = {"akb020": "SS0001", "aaz218": "Z1", "bka046": "20261125", "bka047": "x"}
    return Request.build(cat, "bizh120106", params)


def test_a_settlement_is_confirmed_with_the_configured_slip_id() -> None:
    platform = Platform({"bizh120102": SETTLED, "bizh120299": SLIP})
    found = delivery(platform).ask(settlement(), None, Where())
    assert found.found is Found.PROCESSED and found.fields["akc264"] == "80.00"
    assert platform.asked == ["bizh120102", "bizh120299"]


def test_a_query_the_catalogue_refuses_is_undecided_not_raised() -> None:
    """bizh120206 is not in a catalogue whose slip id is configured: Catalogue.get raises
    ConfigError inside the query; the query failed, nothing was sent."""
    platform = Platform({"bizh120102": SETTLED, "bizh120206": SLIP})
    assert (
        delivery(platform)._query("bizh120206", {"akb020": "SS0001", "aaz218": "Z1"}, Where())
        is None
    )
    assert platform.asked == []


def test_an_unset_slip_id_leaves_a_settled_stay_undecided() -> None:
    unset = catalogue.load({"settlement_slip": ""})
    platform = Platform({"bizh120102": SETTLED})
    found = delivery(platform, unset).ask(settlement(unset), None, Where())
    assert found.found is Found.UNDECIDED and platform.asked == ["bizh120102"]
