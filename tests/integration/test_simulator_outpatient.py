"""The outpatient (门诊) side and the person queries of the simulator over real HTTP."""

from __future__ import annotations

from decimal import Decimal

from test_simulator_support import (
    FROZEN,
    NORMAL,
    NOT_INSURED,
    SECOND,
    Client,
    assert_identities,
    client,
    fee,
    sim,
)

from syncd.logs import mask_id_numbers
from syncd.simulator.rules_outpatient import ALREADY_REFUNDED

__all__ = ["client", "sim"]  # fixtures


def _charge(
    c: Client, aaz218: str, rows: list[dict[str, str]], bka893: str = "1"
) -> dict[str, str]:
    reply = c.ok(
        "bizh110105", aaz218=aaz218, bka014="0102", bka015="赵六", bka893=bka893, feeinfo=rows
    )
    [payinfo] = reply.rows("payinfo")
    return payinfo


def _refund_rows(c: Client, aaz218: str, bka001: str) -> list[dict[str, str]]:
    reply = c.ok("bizh110103", bka895="aaz218", bka896=aaz218, bka006="410", bka001=bka001)
    return reply.rows("feeinfo")


def test_outpatient_person_query_returns_certificate_and_freeze_info(client: Client) -> None:
    """110001: a normal worker has bka042 and bka888=0; a frozen one bka888=1 + freezeinfo;
    by aac002 and bka100 as well as aac001."""
    normal = client.ok("bizh110001", bka895="aac002", bka896="440106198503124219", bka006="410")
    [person] = normal.rows("personinfo")
    assert (person["aac001"], person["aac003"], person["bka888"]) == (NORMAL, "张伟明", "0")
    assert normal.rows("injuryorbirthinfo")[0]["bka042"] == "GS2026000101"
    assert normal.rows("freezeinfo") == []
    frozen = client.ok("bizh110001", bka895="bka100", bka896="K44000002", bka006="410")
    assert frozen.rows("personinfo")[0]["bka888"] == "1"
    assert frozen.rows("freezeinfo")[0]["aac031"] == "1"


def test_person_queries_refuse_not_insured_and_unknown_people(client: Client) -> None:
    """110001 and 120001 refuse a not-insured person (Chinese reason, never bka888=9) and an
    unknown one."""
    for function_id, bka006 in (("bizh110001", "410"), ("bizh120001", "420")):
        reply = client.rejected(function_id, bka895="aac001", bka896=NOT_INSURED, bka006=bka006)
        assert "未参保" in reply.message
        client.rejected(function_id, bka895="aac001", bka896="999", bka006=bka006)


def test_inpatient_person_query_merges_injury_data(client: Client) -> None:
    """120001: one personinfo row carrying bka888, bka042 and aae030/aae031."""
    reply = client.ok("bizh120001", bka895="aac001", bka896=FROZEN, bka006="420", aka130="42")
    [row] = reply.rows("personinfo")
    assert (row["bka888"], row["bka042"]) == ("1", "GS2026000102")
    assert (row["aae030"], row["aae031"], row["bka006"]) == ("20260301", "20270228", "420")


def test_outpatient_chain_register_trial_settle_refund_cancel(client: Client) -> None:
    """Register, trial (no batch), settle batches 1 and 2, refund 1 once (second refund
    refused with the exact text), cancel refused while batch 2 lives, allowed after."""
    aaz218 = client.register()
    assert len(aaz218) <= 20 and mask_id_numbers(aaz218) == aaz218
    listed = client.ok("bizh110102", bka895="aac001", bka896=NORMAL, bka006="410")
    assert [r["aaz218"] for r in listed.rows("bizinfo")] == [aaz218]
    rows = [fee(amount="30.00", item="Z0001", quantity="1.00"), fee(amount="8.80", item="OTHER")]
    trial = _charge(client, aaz218, rows, bka893="0")
    assert_identities(trial)
    assert (trial["bka832"], trial["bka831"]) == ("30.00", "8.80")
    assert client.business(aaz218)["batches"] == []
    first = _charge(client, aaz218, rows)
    assert first["bka001"] == "1" and first["akc264"] == trial["akc264"]
    second = _charge(client, aaz218, [fee(amount="12.00", item="Z0007", quantity="1.00")])
    assert second["bka001"] == "2"
    refund = _refund_rows(client, aaz218, "1")
    assert [Decimal(r["bka058"]) for r in refund] == [Decimal("-30.00"), Decimal("-8.80")]
    assert all(r["aaz213"] for r in refund)
    refunded = _charge(client, aaz218, refund)
    assert refunded["bka001"] == "1" and refunded["akc264"] == "-38.80"
    assert_identities(refunded)
    again = client.rejected(
        "bizh110105", aaz218=aaz218, bka014="0102", bka015="赵六", bka893="1", feeinfo=refund
    )
    assert again.message == ALREADY_REFUNDED == "已经办理过退费，不能重复退费"
    fetch = client.rejected("bizh110103", bka895="aaz218", bka896=aaz218, bka006="410", bka001="1")
    assert fetch.message == ALREADY_REFUNDED
    everything = client.ok("bizh110103", bka895="aaz218", bka896=aaz218, bka006="410", bka001="0")
    assert [(b["bka001"], b["aae100"]) for b in everything.rows("batchinfo")] == [
        ("1", "0"),
        ("2", "1"),
    ]
    refused = client.rejected("bizh110106", aaz218=aaz218, bka014="0102", bka015="赵六")
    assert "第2批" in refused.message
    _charge(client, aaz218, _refund_rows(client, aaz218, "2"))
    client.ok("bizh110106", aaz218=aaz218, bka014="0102", bka015="赵六")
    assert client.business(aaz218)["state"] == "CANCELLED"
    after = client.ok("bizh110102", bka895="aaz218", bka896=aaz218, bka006="410")
    assert after.rows("bizinfo") == []


def test_refund_must_cover_one_whole_batch_with_matching_amounts(client: Client) -> None:
    """A partial refund, a changed amount, or rows without serials are refused."""
    aaz218 = client.register()
    _charge(client, aaz218, [fee(amount="10.00"), fee(amount="20.00")])
    rows = _refund_rows(client, aaz218, "1")
    partial = client.rejected(
        "bizh110105", aaz218=aaz218, bka014="1", bka015="x", bka893="1", feeinfo=rows[:1]
    )
    assert "整批" in partial.message
    changed = [dict(rows[0], bka058="-1.00"), rows[1]]
    client.rejected(
        "bizh110105", aaz218=aaz218, bka014="1", bka015="x", bka893="1", feeinfo=changed
    )
    bare = [dict(r, aaz213="") for r in rows]
    client.rejected("bizh110105", aaz218=aaz218, bka014="1", bka015="x", bka893="1", feeinfo=bare)
    assert client.business(aaz218)["batches"][0]["refunded_at"] is None


def test_outpatient_registration_and_charge_rejections(client: Client) -> None:
    """110104 refuses a not-insured person and a wrong certificate; 110105 refuses a bad
    bka893 and an unknown aaz218; 110103 refuses a batch that does not exist."""
    reply = client.rejected(
        "bizh110104", aac001=NOT_INSURED, aka130="41", bka006="410", bka014="1", bka015="x"
    )
    assert "未参保" in reply.message
    client.rejected(
        "bizh110104",
        aac001=SECOND,
        aka130="41",
        bka006="410",
        bka014="1",
        bka015="x",
        bka042="GS-WRONG",
    )
    aaz218 = client.register(SECOND)
    client.rejected(
        "bizh110105", aaz218=aaz218, bka014="1", bka015="x", bka893="2", feeinfo=[fee()]
    )
    client.rejected("bizh110105", aaz218="MZ0", bka014="1", bka015="x", bka893="1", feeinfo=[fee()])
    client.rejected("bizh110103", bka895="aaz218", bka896=aaz218, bka006="410", bka001="1")
    client.rejected("bizh110102", bka895="bka025", bka896="ZY1", bka006="410")
    client.rejected("bizh110106", aaz218="MZ0", bka014="1", bka015="x")


def test_registration_with_feeinfo_registers_and_settles_in_one_call(client: Client) -> None:
    """110104 with feeinfo and bka893=1 returns aaz218 and a payinfo row of batch 1."""
    reply = client.ok(
        "bizh110104",
        aac001=NORMAL,
        aka130="41",
        bka006="410",
        bka014="1",
        bka015="x",
        bka893="1",
        feeinfo=[fee(amount="5.00")],
    )
    [payinfo] = reply.rows("payinfo")
    assert payinfo["aaz218"] == reply.scalars["aaz218"] and payinfo["bka001"] == "1"
