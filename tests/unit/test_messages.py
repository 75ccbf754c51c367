"""Typed requests (validated against the catalogue) and typed replies (Decimals, identities)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from syncd.core.errors import (
    ConfigError,
    InvalidRequest,
    PlatformProtocolError,
    RequestEncodingError,
)
from syncd.protocol import catalogue
from syncd.protocol.codec import Value, decode_program, encode_program
from syncd.protocol.messages import (
    REPLY_TYPES,
    BusinessInfoReply,
    CodeTableReply,
    CumulativeReply,
    DischargeReply,
    FundStatusReply,
    LoginReply,
    PersonInfoReply,
    RefundInfoReply,
    RegistrationReply,
    Reply,
    Request,
    SettlementReply,
    SettlementSlipReply,
    parse_reply,
)

XML = Path(__file__).resolve().parent.parent / "data" / "xml"
CAT = catalogue.load()
OK: dict[str, Value] = {"return_code": "1", "return_code_message": "成功"}


def fee(n: int = 1, **extra: Value) -> dict[str, Value]:
    row: dict[str, Value] = dict(
        ake005=f"X{n}",
        ake006="头孢",
        bka056=Decimal("1.5"),
        bka057=Decimal(2),
        bka058=Decimal(3),
        bka051=dt.date(2024, 3, 2),
        aaz213=str(n),
    )
    return row | extra


def upload(rows: list[dict[str, Value]]) -> Request:
    params = {"akb020": "SS0001", "aaz218": "441900240301000017"}
    return Request.build(CAT, "bizh120002", params, {"feeinfo": rows})


# ---------------------------------------------------------------- requests


def test_a_valid_fee_upload_builds_and_encodes_with_the_session() -> None:
    request = upload([fee(1), fee(2, bka058=Decimal("-3"))])
    body = decode_program(request.encode(session_id="S1", xml_declaration=False))
    assert body.get("session_id") == "S1"
    assert body.get("function_id") == "bizh120002"
    assert [r.text("bka058") for r in body.rows("feeinfo")] == ["3.00", "-3.00"]
    assert request.kind is catalogue.CallKind.STATE_CHANGE


def test_missing_required_inputs_are_named() -> None:
    with pytest.raises(InvalidRequest, match="aac001,bka017") as info:
        Request.build(
            CAT,
            "bizh120103",
            {
                "akb020": "SS0001",
                "aka130": "42",
                "bka006": "420",
                "bka014": "01",
                "bka015": "李四",
                "bka017": " ",
            },
        )
    assert info.value.field == "aac001,bka017"
    assert info.value.reason_zh == "缺少必填项：aac001,bka017"


def test_missing_required_row_fields_name_the_row_and_field() -> None:
    with pytest.raises(InvalidRequest, match=r"feeinfo\[2\]\.bka058"):
        upload([fee(1), fee(2, bka058=None)])


def test_an_unknown_dataset_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="not part of this call"):
        Request.build(CAT, "bizh120109", {"akb020": "A", "aaz218": "B"}, {"feeinfo": [fee()]})


def test_an_empty_fee_upload_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="must not be empty"):
        upload([])


def test_three_hundred_rows_pass_and_three_hundred_and_one_are_refused() -> None:
    assert len(upload([fee(n) for n in range(300)]).datasets["feeinfo"]) == 300
    with pytest.raises(InvalidRequest, match="301 rows, at most 300") as info:
        upload([fee(n) for n in range(301)])
    assert "分批上传" in info.value.reason_zh


def test_a_value_the_wire_cannot_carry_is_refused_at_build_time() -> None:
    with pytest.raises(RequestEncodingError, match="decimal places"):
        upload([fee(1, bka058=Decimal("3.001"))])


def test_a_function_id_not_in_the_catalogue_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not in the platform catalogue"):
        Request.build(CAT, "bizh_unset", {})


def test_request_repr_shows_no_values() -> None:
    request = Request.build(
        CAT,
        "bizh120001",
        {"akb020": "A", "bka895": "aac002", "bka896": "440000199001010011", "bka006": "420"},
    )
    assert "440000199001010011" not in repr(request)


# ---------------------------------------------------------------- replies


def reply(name: str) -> bytes:
    return (XML / name).read_bytes()


def test_login_reply_gives_the_session_and_requires_it() -> None:
    login = LoginReply.from_program(decode_program(reply("login_reply.xml")))
    assert login.session_id.startswith("3f0c2a7e")
    assert (login.return_code, login.return_code_message) == ("1", "成功")
    with pytest.raises(PlatformProtocolError, match="session_id"):
        LoginReply.from_program(decode_program(encode_program(OK)))


def test_person_info_reply_types_dates_and_hides_values_in_repr() -> None:
    info = PersonInfoReply.from_program(decode_program(reply("person_lookup_reply.xml")))
    (person,) = info.persons
    assert person.aac003 == "张三"
    assert person.bka042 == "GS2024000123"
    assert person.aae030 == dt.date(2024, 2, 15)
    assert person.raw.text("bka008") == "某某制造有限公司"
    assert info.freezes == () and info.injuries == ()
    assert "张三" not in repr(person) and "张三" not in repr(info)


def test_person_reply_with_freeze_and_injury_rows() -> None:
    body = encode_program(
        OK,
        {
            "personinfo": [{"aac001": "1"}],
            "freezeinfo": [{"aac031": "1", "aaa157": "410"}],
            "injuryorbirthinfo": [{"bka042": "GS1", "aae031": "20250101"}],
        },
    )
    info = PersonInfoReply.from_program(decode_program(body))
    assert info.freezes[0].aac031 == "1"
    assert info.injuries[0].aae031 == dt.date(2025, 1, 1)


def test_business_info_rows() -> None:
    body = encode_program(OK, {"bizinfo": [{"aaz218": "A1", "bka017": "20240301", "bka891": "0"}]})
    (biz,) = BusinessInfoReply.from_program(decode_program(body)).businesses
    assert (biz.aaz218, biz.bka017, biz.bka891, biz.bka032) == (
        "A1",
        dt.date(2024, 3, 1),
        "0",
        None,
    )


def test_outpatient_settlement_reads_payinfo_and_checks_identities() -> None:
    settled = SettlementReply.from_program(decode_program(reply("outpatient_charge_reply.xml")))
    assert settled.figures is not None
    assert settled.figures.akc264 == Decimal("30.00")
    assert settled.figures.bka001 == 1
    assert settled.aaz218 == "441900240305000021"


def test_inpatient_settlement_reads_flat_fields() -> None:
    settled = SettlementReply.from_program(decode_program(reply("settlement_reply.xml")))
    assert settled.figures is not None
    assert settled.figures.ake039 == Decimal("12.50")
    assert settled.figures.bka001 is None


def test_figures_breaking_an_identity_are_read_as_sent_and_the_identity_named() -> None:
    """The §8.1 identities are [inferred]: figures off them are read, not refused; a cent off
    is within a 0.01 tolerance."""
    body = encode_program(
        OK
        | {
            "akc264": Decimal(10),
            "bka831": Decimal(1),
            "bka832": Decimal(9),
            "akb067": Decimal(1),
            "ake039": Decimal("8.99"),
        }
    )
    settled = SettlementReply.from_program(decode_program(body))
    assert settled.figures is not None and settled.figures.ake039 == Decimal("8.99")
    assert settled.figures.identity_errors() == [
        "bka832 9.00 != ake039+ake035+ake026+ake029+bka841+bka842+bka840+bka821 8.99"
    ]
    assert settled.figures.identity_errors(Decimal("0.01")) == []


def test_of_two_payinfo_rows_the_first_is_read_as_the_public_clients_read_them() -> None:
    first = {
        "akc264": Decimal(30),
        "bka831": Decimal(5),
        "bka832": Decimal(25),
        "akb067": Decimal(5),
        "ake039": Decimal(25),
        "bka001": 1,
    }
    second = {"akc264": Decimal(0), "bka831": Decimal(0), "bka832": Decimal(0), "bka001": 2}
    rows = [first, second]
    settled = SettlementReply.from_program(decode_program(encode_program(OK, {"payinfo": rows})))
    assert settled.figures is not None
    assert (settled.figures.akc264, settled.figures.bka001) == (Decimal("30.00"), 1)
    assert settled.payinfo_rows == 2


def test_negative_figures_of_a_refund_satisfy_the_identities() -> None:
    body = encode_program(
        OK,
        {
            "payinfo": [
                {
                    "akc264": Decimal(-30),
                    "bka831": Decimal(-5),
                    "bka832": Decimal(-25),
                    "akb067": Decimal(-5),
                    "ake039": Decimal(-25),
                    "bka001": 2,
                }
            ]
        },
    )
    settled = SettlementReply.from_program(decode_program(body))
    assert settled.figures is not None and settled.figures.akc264 == Decimal("-30.00")


def test_a_settlement_without_totals_is_a_protocol_error() -> None:
    with pytest.raises(PlatformProtocolError, match="<akc264> is missing"):
        SettlementReply.from_program(decode_program(encode_program(OK | {"bka831": "0"})))
    with pytest.raises(PlatformProtocolError, match="no settlement figures"):
        SettlementReply.from_program(decode_program(encode_program(OK)))


def test_a_rejected_settlement_carries_the_message_and_no_figures() -> None:
    body = encode_program({"return_code": "-1", "return_code_message": "业务互斥"})
    settled = SettlementReply.from_program(decode_program(body))
    assert (settled.return_code, settled.return_code_message, settled.figures) == (
        "-1",
        "业务互斥",
        None,
    )


def test_refund_rows_can_be_sent_back_unchanged() -> None:
    row = {
        "aaz213": "7",
        "ake005": "Z1",
        "bka056": "30.0000",
        "bka057": "-1.00",
        "bka058": "-30.00",
    }
    refund = RefundInfoReply.from_program(decode_program(encode_program(OK, {"feeinfo": [row]})))
    (fee_row,) = refund.fee_rows
    assert fee_row.bka058 == Decimal("-30.00")
    assert fee_row.as_request_row() == row


def test_code_table_rows() -> None:
    body = encode_program(
        OK, {"codeinfo": [{"aaa100": "bka006", "aaa102": "410", "aaa103": "工伤门诊"}]}
    )
    (code,) = CodeTableReply.from_program(decode_program(body)).codes
    assert (code.aaa100, code.aaa102, code.aaa103) == ("bka006", "410", "工伤门诊")


def test_settlement_slip_flat_fields_and_fund_list() -> None:
    fund = {"bka800": "工伤统筹", "bka801_1": "0.00", "bka801_7": "12.50"}
    flat = OK | {"aaz218": "A1", "bka979": "12.50", "bka045": "20240310", "akb021": "七院"}
    slip = SettlementSlipReply.from_program(
        decode_program(encode_program(flat, {"fundList": [fund]}))
    )
    assert slip.slip.bka979 == Decimal("12.50")
    assert slip.slip.bka045 == dt.date(2024, 3, 10)
    assert slip.funds[0].bka801_7 == Decimal("12.50")


def test_a_fund_list_under_another_element_name_is_still_read() -> None:
    body = encode_program(OK, {"fundinfo": [{"bka800": "合计", "bka801_7": "1.00"}]})
    slip = SettlementSlipReply.from_program(decode_program(body))
    assert slip.funds[0].bka800 == "合计"


def test_cumulative_and_fund_status_rows() -> None:
    cumulative = encode_program(OK, {"cumulativeinfo": [{"aae001": "2024", "ake053": "100.00"}]})
    assert CumulativeReply.from_program(decode_program(cumulative)).rows[0].ake053 == Decimal(100)
    status = encode_program(
        OK, {"fundinfo": [{"aaa157": "410", "aae003": "202403", "bka888": "0"}]}
    )
    (row,) = FundStatusReply.from_program(decode_program(status)).rows
    assert (row.aaa157, row.aae003, row.bka888) == ("410", "202403", "0")


def test_every_reply_carries_code_and_message() -> None:
    base = Reply.from_program(decode_program(reply("session_expired_reply.xml")))
    assert (base.return_code, base.return_code_message) == ("-9", "session已失效，请重新登录")


def test_a_discharge_reply_may_come_without_figures() -> None:
    discharge = DischargeReply.from_program(decode_program(encode_program(OK | {"aaz218": "A1"})))
    assert (discharge.figures, discharge.aaz218) == (None, "A1")


def test_registration_reply_requires_aaz218_on_success() -> None:
    admitted = RegistrationReply.from_program(decode_program(reply("admission_reply.xml")))
    assert admitted.aaz218 == "441900240301000017"
    with pytest.raises(PlatformProtocolError, match="aaz218"):
        RegistrationReply.from_program(decode_program(encode_program(OK)))


def test_parse_reply_picks_the_model_by_transaction() -> None:
    program = decode_program(reply("settlement_reply.xml"))
    settled = parse_reply(CAT.get("bizh120106"), program)
    assert isinstance(settled, SettlementReply) and settled.figures is not None
    assert type(parse_reply(CAT.get("bizh120109"), program)) is Reply
    assert isinstance(parse_reply(CAT.get("bizh120105"), program), DischargeReply)


def test_every_reply_model_is_named_after_a_catalogue_transaction() -> None:
    names = {spec.name for spec in CAT.all()}
    assert set(REPLY_TYPES) <= names
