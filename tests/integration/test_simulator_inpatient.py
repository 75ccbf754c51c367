"""The inpatient (住院) side of the simulator over real HTTP: state machine, fees, figures."""

from __future__ import annotations

from decimal import Decimal

from test_simulator_support import (
    ELSEWHERE,
    NORMAL,
    SECOND,
    Client,
    assert_identities,
    client,
    fee,
    make_sim,
    sim,
)

__all__ = ["client", "sim"]  # fixtures


def _discharge(c: Client, aaz218: str) -> dict[str, str]:
    return c.ok(
        "bizh120105",
        aaz218=aaz218,
        bka032="20261125",
        bka033="0101",
        bka034="李四",
        bka031="S52.501",
        bkf004="02",
    ).scalars


def _settle(c: Client, aaz218: str) -> dict[str, str]:
    return c.ok("bizh120106", aaz218=aaz218, bka046="0101", bka047="李四").scalars


def _state(c: Client, aaz218: str) -> str:
    return str(c.business(aaz218)["state"])


def test_full_inpatient_chain_keeps_figures_exact_and_reversals(client: Client) -> None:
    """Admit, 2 uploads (refund + 因病 rows), pre-settle, discharge, settle, slip, cancel
    settlement, cancel discharge, settle again: figures follow the rows and keep §8.1."""
    aaz218 = client.admit()
    batch1 = [
        fee("1", "25.00"),
        fee("2", "-12.50", quantity="-1.00"),
        fee("3", "40.00", item="Z0004"),
        fee("4", "18.00", bka061="1"),
    ]
    batch2 = [fee("5", "7.30", item="NOTCOVERED"), fee("6", "100.00", item="Z0005")]
    client.ok("bizh120002", aaz218=aaz218, feeinfo=batch1)
    client.ok("bizh120002", aaz218=aaz218, feeinfo=batch2)
    fund = Decimal("25.00") - Decimal("12.50") + Decimal("40.00") + Decimal("100.00")
    own = Decimal("18.00") + Decimal("7.30")
    pre = client.ok("bizh120003", aaz218=aaz218, bka438="1").scalars
    assert_identities(pre)
    assert (Decimal(pre["bka832"]), Decimal(pre["bka831"])) == (fund, own)
    assert Decimal(pre["akc264"]) == fund + own and Decimal(pre["akb067"]) == own
    discharged = _discharge(client, aaz218)
    assert {k: discharged[k] for k in pre} == pre
    assert _state(client, aaz218) == "DISCHARGED"
    settled = _settle(client, aaz218)
    assert_identities(settled)
    assert settled["akc264"] == pre["akc264"] and _state(client, aaz218) == "SETTLED"
    slip = client.ok("bizh120206", aaz218=aaz218)
    assert slip.scalars["bka979"] == settled["akc264"]
    assert slip.scalars["bka811"] == settled["bka832"]
    assert slip.scalars["bka812"] == settled["bka831"]
    total_row = slip.rows("fundlist")[-1]
    assert Decimal(total_row["bka801_7"]) == fund + own
    client.ok("bizh120107", aaz218=aaz218)
    assert _state(client, aaz218) == "DISCHARGED"
    client.ok("bizh120108", aaz218=aaz218)
    assert _state(client, aaz218) == "ADMITTED"
    client.ok("bizh120002", aaz218=aaz218, feeinfo=[fee("7", "10.00", item="Z0006")])
    _discharge(client, aaz218)
    again = _settle(client, aaz218)
    assert_identities(again)
    assert Decimal(again["bka832"]) == fund + Decimal("10.00")
    settlements = client.business(aaz218)["settlements"]
    assert [s["reversed_at"] is not None for s in settlements] == [True, False]
    assert settlements[0]["figures"]["akc264"] == settled["akc264"]


def test_fee_upload_only_while_admitted_and_never_empty(client: Client) -> None:
    """120002 is refused with an empty feeinfo, a missing serial, a duplicate serial, and
    after discharge registration."""
    aaz218 = client.admit()
    client.rejected("bizh120002", aaz218=aaz218, feeinfo=[])
    client.rejected("bizh120002", aaz218=aaz218, feeinfo=[fee("")])
    client.ok("bizh120002", aaz218=aaz218, feeinfo=[fee("1")])
    dup = client.rejected("bizh120002", aaz218=aaz218, feeinfo=[fee("1")])
    assert "aaz213" in dup.message
    _discharge(client, aaz218)
    late = client.rejected("bizh120002", aaz218=aaz218, feeinfo=[fee("2")])
    assert "出院登记" in late.message
    assert len(client.business(aaz218)["rows"]) == 1


def test_fee_upload_accepts_300_rows_and_refuses_301(client: Client) -> None:
    """The 300-row limit per call: 300 stored, 301 refused as a whole."""
    aaz218 = client.admit()
    client.ok("bizh120002", aaz218=aaz218, feeinfo=[fee(str(i), "1.00") for i in range(300)])
    reply = client.rejected(
        "bizh120002", aaz218=aaz218, feeinfo=[fee(f"b{i}", "1.00") for i in range(301)]
    )
    assert "300" in reply.message
    assert len(client.business(aaz218)["rows"]) == 300


def test_person_in_hospital_elsewhere_cannot_be_admitted(client: Client) -> None:
    """业务互斥: the fixture person in hospital at SS0999, and a fresh stay at SS0001 blocking
    SS0002 until it is settled."""
    reply = client.rejected(
        "bizh120103",
        aka130="42",
        bka006="420",
        aac001=ELSEWHERE,
        bka017="20261120",
        bka014="01",
        bka015="李四",
    )
    assert "业务互斥" in reply.message
    aaz218 = client.admit(SECOND, akb020="SS0001")
    blocked = client.rejected(
        "bizh120103",
        akb020="SS0002",
        aka130="42",
        bka006="420",
        aac001=SECOND,
        bka017="20261121",
        bka014="01",
        bka015="李四",
    )
    assert "业务互斥" in blocked.message
    _discharge(client, aaz218)
    _settle(client, aaz218)
    assert client.admit(SECOND, akb020="SS0002") != aaz218


def test_modify_changes_only_the_modifiable_fields(client: Client) -> None:
    """120104 changes ward/bed/住院号 (visible in 120102) and refuses bka017 or aac001."""
    aaz218 = client.admit()
    client.ok(
        "bizh120104", aaz218=aaz218, bka021="W07", bka022="手外科病区", bka023="3", bka025="ZY0099"
    )
    found = client.ok("bizh120102", bka895="bka025", bka896="ZY0099", aka130="42")
    assert [(r["aaz218"], r["bka021"], r["bka023"]) for r in found.rows("bizinfo")] == [
        (aaz218, "W07", "3")
    ]
    for field, value in (("bka017", "20261101"), ("aac001", SECOND)):
        reply = client.rejected("bizh120104", aaz218=aaz218, bka023="5", **{field: value})
        assert field in reply.message and "不能修改" in reply.message
    assert client.business(aaz218)["fields"]["bka017"] == "20261120"
    assert client.business(aaz218)["fields"]["bka023"] == "3"


def test_delete_all_fees_when_the_city_allows_it(client: Client) -> None:
    """120004 with the switch on deletes every uploaded row (pre-settlement back to 0)."""
    aaz218 = client.admit()
    client.ok("bizh120002", aaz218=aaz218, feeinfo=[fee("1"), fee("2", "3.00")])
    client.ok("bizh120004", aaz218=aaz218)
    assert client.ok("bizh120003", aaz218=aaz218, bka438="1").scalars["akc264"] == "0.00"
    client.ok("bizh120002", aaz218=aaz218, feeinfo=[fee("1")])  # serials free again


def test_delete_all_fees_refused_when_the_city_forbids_it() -> None:
    """120004 with the switch off is refused in Chinese and the rows stay."""
    with make_sim(fee_delete_allowed=False) as sim, Client(sim) as c:
        aaz218 = c.admit()
        c.ok("bizh120002", aaz218=aaz218, feeinfo=[fee("1")])
        reply = c.rejected("bizh120004", aaz218=aaz218)
        assert "不允许删除" in reply.message
        assert len(c.business(aaz218)["rows"]) == 1


def test_state_machine_refuses_out_of_order_calls(client: Client) -> None:
    """Each state change is refused from a state the spec's table does not allow."""
    aaz218 = client.admit()
    client.rejected("bizh120106", aaz218=aaz218, bka046="1", bka047="x")  # not discharged
    client.rejected("bizh120108", aaz218=aaz218)  # not discharged
    client.rejected("bizh120107", aaz218=aaz218)  # not settled
    client.rejected("bizh120206", aaz218=aaz218)  # slip needs SETTLED
    _discharge(client, aaz218)
    client.rejected("bizh120105", aaz218=aaz218, bka032="20261125", bka033="1", bka034="x")
    client.rejected("bizh120109", aaz218=aaz218)  # must undo discharge first
    client.rejected("bizh120104", aaz218=aaz218, bka023="9")
    client.rejected("bizh120004", aaz218=aaz218)
    _settle(client, aaz218)
    client.rejected("bizh120003", aaz218=aaz218, bka438="1")
    assert _state(client, aaz218) == "SETTLED"


def test_cancel_admission_only_while_admitted(client: Client) -> None:
    """120109 moves ADMITTED to CANCELLED; the aaz218 is then unknown to every call."""
    aaz218 = client.admit()
    client.ok("bizh120109", aaz218=aaz218)
    assert _state(client, aaz218) == "CANCELLED"
    client.rejected("bizh120109", aaz218=aaz218)
    client.rejected("bizh120003", aaz218=aaz218, bka438="1")
    assert client.admit() != aaz218  # no longer 在院


def test_inpatient_lookup_by_every_key_and_filters(client: Client) -> None:
    """120102 finds the stay by aac001/aac002/bka100/aaz218/bka025 and applies bka891 and the
    date range; a bad key type is refused."""
    aaz218 = client.admit(bka025="ZY7777")
    keys = {
        "aac001": NORMAL,
        "aac002": "440106198503124219",
        "bka100": "K44000001",
        "aaz218": aaz218,
        "bka025": "ZY7777",
    }
    for key, value in keys.items():
        rows = client.ok("bizh120102", bka895=key, bka896=value, aka130="42").rows("bizinfo")
        assert [r["aaz218"] for r in rows] == [aaz218], key
        assert rows[0]["bka891"] == "0"
    settled = client.ok("bizh120102", bka895="aac001", bka896=NORMAL, bka891="1")
    assert settled.rows("bizinfo") == []
    early = client.ok("bizh120102", bka895="aac001", bka896=NORMAL, aae030="20261121")
    assert early.rows("bizinfo") == []
    ranged = client.ok(
        "bizh120102", bka895="aac001", bka896=NORMAL, aae030="20261120", aae031="20261120"
    )
    assert len(ranged.rows("bizinfo")) == 1
    client.rejected("bizh120102", bka895="name", bka896="张伟明")


def test_late_illness_upload_accepts_only_bka061_1() -> None:
    """The configured late 因病 upload adds bka061=1 rows to a settled stay, refuses other
    rows, and leaves the settlement untouched; without an id it is an unknown function."""
    from syncd.simulator import ServedFunctionIds

    ids = ServedFunctionIds(illness_late_upload="bizh120010")
    with make_sim(function_ids=ids) as sim, Client(sim) as c:
        aaz218 = c.admit()
        c.ok("bizh120002", aaz218=aaz218, feeinfo=[fee("1")])
        _discharge(c, aaz218)
        settled = _settle(c, aaz218)
        c.ok("bizh120010", aaz218=aaz218, feeinfo=[fee("L1", "9.00", bka061="1")])
        reply = c.rejected("bizh120010", aaz218=aaz218, feeinfo=[fee("L2", "9.00", bka061="0")])
        assert "bka061=1" in reply.message
        business = c.business(aaz218)
        assert [r["aaz213"] for r in business["late_rows"]] == ["L1"]
        assert business["settlements"][-1]["figures"] == {
            k: v for k, v in settled.items() if k not in ("akb020", "aaz218")
        }
    with make_sim() as plain, Client(plain) as c:
        assert "未知的交易号" in c.rejected("bizh120010", aaz218="x").message
