"""UNKNOWN on bizh120104 (入院登记信息修改) and bizh120004 (删除住院业务费用明细), resolved
against the real simulator over HTTP with the real PlatformClient.

``reply_lost`` commits the call and closes the connection without a reply; ``drop`` closes it
before processing.  The client sees both as UNKNOWN; :func:`syncd.rules.resolve.resolve` must tell
them apart with the query the strategy uses (120102 by aaz218 / 120003's akc264).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from test_platform_e2e_support import (
    CAT,
    Driver,
    driver,
    fee_row,
    sim,
)

from syncd.core.records import Outcome
from syncd.protocol.codec import Value
from syncd.protocol.decoded import Program
from syncd.protocol.messages import Request
from syncd.rules import resolve
from syncd.rules.visits import Visit

__all__ = ["driver", "sim"]  # fixtures
AKB020 = "SS0001"
MODIFY: dict[str, str] = {"bka021": "W09", "bka022": "康复病区", "bka023": "30", "bka503": "DR0042"}


def ask_through(d: Driver) -> resolve.Ask:
    """The daemon's ``ask`` (``PlatformCalls._query``): a query through the real client; its
    reply when it SUCCEEDED, else None."""

    def ask(function_id: str, params: Mapping[str, str]) -> Program | None:
        result = d.client.call(Request.build(CAT, function_id, params))
        return result.reply if result.outcome is Outcome.SUCCEEDED else None

    return ask


def unknown(d: Driver, fault: str, function_id: str, **params: Value) -> None:
    """Send ``function_id`` with ``fault`` injected on it: the client must say UNKNOWN."""
    d.sim.add_faults(f"{fault}:function={function_id}")
    result = d.call(function_id, **params)
    assert result.outcome is Outcome.UNKNOWN and result.reply_bytes is None, result.message
    assert d.sim.calls()[-1]["function_id"] == function_id


def sent(
    function_id: str,
    aaz218: str,
    visit: Visit | None = None,
    params: Mapping[str, str] | None = None,
) -> resolve.Question:
    values = {"akb020": AKB020, "aaz218": aaz218, **(params or {})}
    return resolve.Question(function_id, values, {}, visit, AKB020)


# ---------------------------------------------------------------- bizh120104


def test_modify_processed_but_reply_lost_is_resolved_processed(driver: Driver) -> None:
    d = driver
    aaz218 = d.admit()
    unknown(d, "reply_lost", "bizh120104", aaz218=aaz218, **MODIFY)
    fields = d.business(aaz218)["fields"]
    assert {k: fields[k] for k in MODIFY} == MODIFY  # the platform did change the stay
    found = resolve.resolve(sent("bizh120104", aaz218, params=MODIFY), ask_through(d))
    assert found.found is resolve.Found.PROCESSED, found.reason_zh
    assert d.sim.calls()[-1]["function_id"] == "bizh120102"


def test_modify_not_processed_is_resolved_not_processed(driver: Driver) -> None:
    d = driver
    aaz218 = d.admit()
    unknown(d, "drop", "bizh120104", aaz218=aaz218, **MODIFY)
    assert d.business(aaz218)["fields"]["bka021"] == "W05"  # nothing changed
    found = resolve.resolve(sent("bizh120104", aaz218, params=MODIFY), ask_through(d))
    assert found.found is resolve.Found.NOT_PROCESSED
    d.ok("bizh120104", aaz218=aaz218, **MODIFY)  # sent again: now it is seen as processed
    again = resolve.resolve(sent("bizh120104", aaz218, params=MODIFY), ask_through(d))
    assert again.found is resolve.Found.PROCESSED


# ---------------------------------------------------------------- bizh120004


def _stay_with_fees(d: Driver) -> tuple[str, Visit]:
    rows = [fee_row("120.00", "1"), fee_row("35.50", "2", item="Y9001")]
    aaz218 = d.admitted(rows)
    uploaded = sum((Decimal(str(r["bka058"])) for r in rows), Decimal(0))
    visit = Visit("V-E2E", "INPATIENT", "ADMITTED", aaz218=aaz218, fee_amount=str(uploaded))
    return aaz218, visit


def test_fee_delete_processed_but_reply_lost_is_resolved_processed(driver: Driver) -> None:
    d = driver
    aaz218, visit = _stay_with_fees(d)
    unknown(d, "reply_lost", "bizh120004", aaz218=aaz218)
    assert d.business(aaz218)["rows"] == []  # the platform did delete them
    found = resolve.resolve(sent("bizh120004", aaz218, visit), ask_through(d))
    assert found.found is resolve.Found.PROCESSED, found.reason_zh
    assert d.sim.calls()[-1]["function_id"] == "bizh120003"


def test_fee_delete_not_processed_is_resolved_not_processed(driver: Driver) -> None:
    d = driver
    aaz218, visit = _stay_with_fees(d)
    unknown(d, "drop", "bizh120004", aaz218=aaz218)
    assert len(d.business(aaz218)["rows"]) == 2  # nothing deleted
    found = resolve.resolve(sent("bizh120004", aaz218, visit), ask_through(d))
    assert found.found is resolve.Found.NOT_PROCESSED
