"""Every shipped mapping, rendered from the seeded reference HIS, is accepted by the simulator.

The real client talks HTTP to :class:`Simulator` on a free 127.0.0.1 port.  Calls go in an
order the platform's state machine accepts (registration before charges, admission before
fees, discharge before 病案 and settlement …); the test fails if a shipped feed is not sent.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from syncd.db.views import ViewReader
from syncd.simulator import ServedFunctionIds, Simulator, SimulatorConfig
from tests.integration.mappings_support import (
    LATE_UPLOAD_ID,
    TAG,
    Flow,
    seeded_engine,
    settings_for,
    sources_for,
)

LI_OP, LIU_OP, NO_AAC001_OP = f"MZ{TAG}001", f"MZ{TAG}002", f"MZ{TAG}003"
ZHANG, LI, LIU = f"ZY{TAG}001", f"ZY{TAG}002", f"ZY{TAG}003"
OPERATOR = {"operator_no": "S004", "operator_name": "邓海燕"}


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    ids = ServedFunctionIds(illness_late_upload=LATE_UPLOAD_ID)
    sim = Simulator(SimulatorConfig(function_ids=ids, fee_delete_allowed=True))
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def flow(request: pytest.FixtureRequest, simulator: Simulator) -> Iterator[Flow]:
    url = str(request.getfixturevalue(f"{request.param}_url"))
    settings = settings_for(url, platform_url=simulator.endpoint)
    engine = seeded_engine(settings)
    running = Flow(sources_for(engine, settings))
    yield running
    running.close()
    engine.dispose()


def _first_fee(flow: Flow, view: str, stay: str) -> str:
    rows = ViewReader(flow.engine).select(view, ["FEE_ID"], {"STAY_NO": stay}, ["FEE_ID"])
    return str(rows[0]["FEE_ID"])


def _outpatient(flow: Flow) -> None:
    flow.send("op_person", flow.command("op_person", bka895="aac002", bka896="44030419920708362x"))
    flow.register("op_registration", LI_OP, "OUTPATIENT")
    flow.register("op_registration", LIU_OP, "OUTPATIENT")
    flow.send("op_business", flow.command("op_business", LI_OP))
    trial = flow.command("op_charge", LI_OP, charge_no=f"SF{TAG}0001", bka893="0", **OPERATOR)
    flow.send("op_charge", trial)
    charge = flow.command("op_charge", LI_OP, charge_no=f"SF{TAG}0001", bka893="1", **OPERATOR)
    (paid,) = flow.send("op_charge", charge)
    assert paid.reply is not None and paid.reply.rows("payinfo")[0].get("bka001") == "1"
    info = flow.send("op_refund_info", flow.command("op_refund_info", LI_OP, bka001="1"))[0]
    assert info.reply is not None
    refund = flow.command("op_refund", LI_OP, bka001="1", **OPERATOR)
    reply = {name: [dict(row.values) for row in rows] for name, rows in info.reply.datasets.items()}
    flow.send("op_refund", refund, reply=reply)
    second = flow.command("op_charge", LI_OP, charge_no=f"SF{TAG}0002", bka893="1", **OPERATOR)
    flow.send("op_charge", second)
    flow.send("op_business", flow.command("op_business", LIU_OP))  # op_cancel's first step
    flow.send("op_cancel", flow.command("op_cancel", LIU_OP, **OPERATOR))


def _inpatient(flow: Flow) -> None:
    flow.send(
        "ip_person",
        flow.command("ip_person", bka895="aac001", bka896="1000010001", bka017="2026-11-19"),
    )
    for stay in (ZHANG, LI, LIU):
        flow.register("ip_admission", stay, "INPATIENT")
    flow.send("ip_business", flow.command("ip_business", ZHANG, bka891="0"))
    flow.send("ip_admission_change", str(int(TAG) * 1_000_000 + 1))
    for stay in (ZHANG, LI, LIU):
        calls = flow.send("ip_fee", _first_fee(flow, "V_WI_IP_FEE", stay))
        assert len(calls) == (2 if stay == ZHANG else 1)  # > 300 rows: two batches
    flow.send("ip_presettle", flow.command("ip_presettle", ZHANG))
    for stay in (ZHANG, LI, LIU):
        flow.send("ip_discharge", stay)
        flow.send("mr_patient", stay)
        flow.send("mr_diagnosis", stay)
        flow.send("mr_summary", stay)
    flow.send("mr_operation", ZHANG)
    flow.send("mr_birth", LI)
    flow.send("mr_tumour", LIU)


def _settlement(flow: Flow) -> None:
    flow.send("ip_settle", flow.command("ip_settle", ZHANG, **OPERATOR))
    flow.send("ip_settlement_slip", flow.command("ip_settlement_slip", ZHANG))
    flow.send("illness_late_upload", _first_fee(flow, "V_WI_IP_ILLNESS_FEE", ZHANG))
    flow.send("ip_cancel_settlement", flow.command("ip_cancel_settlement", ZHANG))
    flow.send("ip_cancel_discharge", flow.command("ip_cancel_discharge", ZHANG))
    flow.send("ip_delete_fees", flow.command("ip_delete_fees", ZHANG))
    flow.send("ip_cancel_discharge", flow.command("ip_cancel_discharge", LIU))
    flow.send("ip_cancel_admission", flow.command("ip_cancel_admission", LIU))


def _queries(flow: Flow) -> None:
    flow.send(
        "cumulative_query", flow.command("cumulative_query", aac001="1000010001", aae001="2026")
    )
    flow.send(
        "fund_status_query",
        flow.command(
            "fund_status_query", aac001="1000010002", aae030="20260101", aae031="20261231"
        ),
    )
    flow.send("code_table_query", flow.command("code_table_query", aaa100="bka006"))


def test_every_shipped_mapping_renders_a_request_the_simulator_accepts(flow: Flow) -> None:
    """All 30 feeds: rendered from the seeded views and WI_VISIT, accepted over HTTP."""
    _outpatient(flow)
    _inpatient(flow)
    _settlement(flow)
    _queries(flow)
    assert set(flow.sent) == set(flow.sources.feeds)


def test_the_bad_seeded_row_is_refused_with_a_chinese_reason(flow: Flow) -> None:
    """黄小明 has no 电脑号: his registration is a mapping error naming the field, in Chinese."""
    rendered = flow.render("op_registration", NO_AAC001_OP)
    assert rendered.requests == []
    assert rendered.errors == [f"op_registration {NO_AAC001_OP} aac001: 缺少必填项：电脑号(aac001)"]


def test_fee_deletion_is_refused_in_chinese_where_the_city_forbids_it(flow: Flow) -> None:
    """With city.fee_delete_allowed false the command is refused before anything is sent."""
    settings = flow.sources.settings.model_copy(
        update={"city": flow.sources.settings.city.model_copy(update={"fee_delete_allowed": False})}
    )
    forbidding = Flow(sources_for(flow.engine, settings))
    flow.set_visit(ZHANG, "INPATIENT", "ZY20261125000001")
    rendered = forbidding.render("ip_delete_fees", forbidding.command("ip_delete_fees", ZHANG))
    forbidding.close()
    assert rendered.requests == []
    (error,) = rendered.errors
    assert "本统筹区不允许删除住院费用明细" in error


def test_a_visit_without_aaz218_renders_with_the_value_marked_and_a_note(flow: Flow) -> None:
    """Before admission there is no aaz218: the fee upload shows the mark and says why."""
    rendered = flow.render("ip_fee", _first_fee(flow, "V_WI_IP_FEE", LI))
    assert rendered.errors == []
    assert all(r.params["aaz218"] == "(待登记)" for r in rendered.requests)
    assert any("没有就医登记号 aaz218" in note for note in rendered.notes)


def test_two_step_commands_render_both_steps_unless_the_second_needs_the_reply(
    flow: Flow,
) -> None:
    """op_cancel shows 110102 then 110106; op_refund shows 110103 and says why no 110105."""
    flow.set_visit(LI_OP, "OUTPATIENT", "MZ20261125000001")
    cancel = flow.render("op_cancel", flow.command("op_cancel", LI_OP, **OPERATOR))
    assert [r.function_id for r in cancel.requests] == ["bizh110102", "bizh110106"]
    refund = flow.render("op_refund", flow.command("op_refund", LI_OP, bka001="1", **OPERATOR))
    assert [r.function_id for r in refund.requests] == ["bizh110103"]
    assert any("bizh110105" in note for note in refund.notes)


def test_a_look_up_by_person_needs_no_visit(flow: Flow) -> None:
    """op_business by bka895/bka896 (no visit_key): no aaz218 note, the person's key is sent."""
    key = flow.command("op_business", bka895="aac001", bka896="1000010002")
    rendered = flow.render("op_business", key)
    assert rendered.notes == [] and rendered.errors == []
    (request,) = rendered.requests
    assert (request.params["bka895"], request.params["bka896"]) == ("aac001", "1000010002")
