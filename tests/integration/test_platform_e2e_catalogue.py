"""Every function_id of the catalogue, through the real client, against the simulator over HTTP.

Table-driven (``CASES`` in :mod:`test_platform_e2e_cases`): for each of the 30 transactions a
happy call (SUCCEEDED, the typed reply parsed and checked) and a rejection (REJECTED with the
platform's Chinese message verbatim).  The parameters are the catalogue's ids, so a function
without a case fails here, and the table must name exactly the catalogue's functions.
"""

from __future__ import annotations

import pytest
from test_platform_e2e_cases import CASES
from test_platform_e2e_support import (
    CAT,
    FUNCTION_IDS,
    Driver,
    admission,
    driver,
    make_client,
    settings_for,
    sim,
    sim_config,
)

from syncd.core.records import Outcome
from syncd.protocol import catalogue
from syncd.protocol.catalogue import LOGIN_FUNCTION_ID
from syncd.protocol.messages import RegistrationReply, Request, parse_reply
from syncd.simulator import ServedFunctionIds as ServedFunctionIds
from syncd.simulator import Simulator

__all__ = ["driver", "sim"]  # fixtures

ALL_IDS = sorted(str(spec.function_id) for spec in CAT.all())
BUSINESS_IDS = [f for f in ALL_IDS if f != LOGIN_FUNCTION_ID]


def test_the_table_covers_exactly_the_catalogue() -> None:
    """30 transactions, all with an id (the configurable ones from the settings), one case
    each besides login, and the settings' function_ids give the same catalogue."""
    ids = [spec.function_id for spec in CAT.all()]
    assert len(ids) == 30 and None not in ids
    assert set(CASES) | {LOGIN_FUNCTION_ID} == set(ids)
    settings = settings_for(Simulator(sim_config()))
    from_settings = catalogue.load(settings.function_ids.model_dump())
    assert [s.function_id for s in from_settings.all()] == ids


@pytest.mark.parametrize("function_id", BUSINESS_IDS)
def test_happy_path_succeeds_with_a_checked_typed_reply(driver: Driver, function_id: str) -> None:
    """The call SUCCEEDS, the simulator saw it answer 1, and the typed reply holds what the
    platform state implies (figures with the §8.1 identities, aaz218, rows, fields)."""
    call = CASES[function_id].happy(driver)
    reply = driver.ok(function_id, call.datasets, **call.params)
    assert driver.results[-1].function_id == function_id
    call.check(reply)


@pytest.mark.parametrize("function_id", BUSINESS_IDS)
def test_rejection_carries_the_platform_message_verbatim(driver: Driver, function_id: str) -> None:
    """The call is REJECTED (final) with the simulator's Chinese message, unchanged."""
    case = CASES[function_id]
    call = case.reject(driver)
    assert driver.rejected(function_id, call.datasets, **call.params) == case.message


def test_login_succeeds_and_its_session_is_used(sim: Simulator) -> None:
    """sys0001 with the configured account SUCCEEDS; the next call uses that session (no
    second login)."""
    with make_client(sim) as client:
        assert client.login().outcome is Outcome.SUCCEEDED
        request = Driver(sim, client).request("bizh120103", **admission())
        result = client.call(request)
    assert result.outcome is Outcome.SUCCEEDED and not result.relogged
    assert isinstance(parse_reply(request.spec, result.reply), RegistrationReply)  # type: ignore[arg-type]
    assert [(c["function_id"], c["return_code"]) for c in sim.calls()] == [
        (LOGIN_FUNCTION_ID, "1"),
        ("bizh120103", "1"),
    ]


def test_login_refused_is_rejected_with_the_platform_message(sim: Simulator) -> None:
    """A wrong password: REJECTED, login_failed, the platform's message verbatim inside; the
    business call is never sent."""
    with make_client(sim, password="wrong-password") as client:
        login = client.login()
        call = client.call(Driver(sim, client).request("bizh120205", aaa100="bka006"))
    assert login.outcome is Outcome.REJECTED and login.login_failed
    assert login.message == "登录失败（sys0001）：登录失败：用户名或密码错误"
    assert call.outcome is Outcome.REJECTED and call.exchanges == ()
    assert [c["function_id"] for c in sim.calls()] == [LOGIN_FUNCTION_ID] * 2


def test_configurable_ids_flow_from_settings_to_the_wire() -> None:
    """Other ids for the slip / 病案 patient / late 因病 upload, set in the settings and the
    simulator alike, are what the client sends and what the simulator serves; the default
    slip id is then unknown to the simulator."""
    other = {
        "settlement_slip": "bizh120299",
        "medical_record_patient": "bizh200199",
        "illness_late_upload": "bizh120298",
    }
    cat = catalogue.load(other)
    sim_ids = ServedFunctionIds(
        other["settlement_slip"], other["medical_record_patient"], other["illness_late_upload"]
    )
    with Simulator(sim_config(function_ids=sim_ids)) as simulator:
        with make_client(simulator, function_ids=other) as client:
            params = {"akb020": "SS0001", "aaz218": "ZY00000000000001"}
            slip = client.call(
                Request.build(cat, cat.by_name("settlement_slip").function_id or "", params)
            )
            default = client.call(Request.build(CAT, FUNCTION_IDS["settlement_slip"], params))
        logged = [c["function_id"] for c in simulator.calls()[1:]]
    assert slip.outcome is Outcome.REJECTED
    assert slip.message == "就医登记号ZY00000000000001不存在有效的住院业务"
    assert default.message == "未知的交易号function_id：bizh120206"
    assert logged == ["bizh120299", "bizh120206"]
