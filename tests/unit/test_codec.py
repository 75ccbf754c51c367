"""The <program> codec: golden messages from spec §9, escaping, decimals, dates, tolerance."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from syncd.core.errors import PlatformProtocolError, RequestEncodingError
from syncd.protocol import codec
from syncd.protocol.codec import (
    SESSION_MASK,
    Value,
    decode_program,
    encode_program,
    encode_request,
    masked_session,
)

XML = Path(__file__).resolve().parent.parent / "data" / "xml"


def golden(name: str) -> bytes:
    """A §9 example with the whitespace between elements removed (as the encoder writes)."""
    text = (XML / name).read_text(encoding="utf-8").strip()
    return re.sub(r">\s+<", "><", text).encode("utf-8")


# ---------------------------------------------------------------- golden requests


def test_login_request_matches_the_spec_example_with_its_xml_declaration() -> None:
    body = codec.encode_request("sys0001", {"userid": "SS0001", "password": "••••••"})
    assert body == golden("login_request.xml")


def test_person_lookup_request_matches_the_spec_example_without_declaration() -> None:
    params: dict[str, Value] = {
        "akb020": "SS0001",
        "bka895": "aac002",
        "bka896": "440000199001010011",
        "aka130": "42",
        "bka017": dt.date(2024, 3, 1),
        "bka006": "420",
    }
    body = codec.encode_request("bizh120001", params, session_id="3f0c…", xml_declaration=False)
    assert body == golden("person_lookup_request.xml")


def test_admission_request_matches_the_spec_example() -> None:
    params: dict[str, Value] = dict(
        akb020="SS0001",
        aka130="42",
        bka006="420",
        aac001="1000012345",
        bka017=dt.date(2024, 3, 1),
        bka014="0101",
        bka015="李四",
        bka021="W05",
        bka022="骨科病区",
        bka019="D05",
        bka020="骨科",
        bka026="S52.501",
        bka025="ZY2024000456",
        bka023="12",
        bka024="1",
        bka503="DOC088",
        ykc679="4",
        ykc680="1",
    )
    body = codec.encode_request("bizh120103", params, session_id="3f0c…", xml_declaration=False)
    assert body == golden("admission_request.xml")


def test_fee_upload_with_a_refund_row_matches_the_spec_example() -> None:
    common: dict[str, Value] = dict(
        ake005="X0101", ake006="头孢呋辛钠注射液", bka056=Decimal("12.5")
    )
    charge = common | dict(
        bka057=Decimal(2),
        bka058=Decimal(25),
        bka051=dt.date(2024, 3, 2),
        bka063="0101",
        bka064="李四",
        bka070="CF001",
        bka074="DOC088",
        bka075="王五",
        aaz213=1,
        aka036="0",
        bka061="0",
    )
    refund = common | dict(
        bka057=Decimal("-1"),
        bka058=Decimal("-12.5"),
        bka051=dt.date(2024, 3, 3),
        bka063="0101",
        bka064="李四",
        aaz213=2,
        aka036="0",
        bka061="0",
    )
    body = codec.encode_request(
        "bizh120002",
        {"akb020": "SS0001", "aaz218": "441900240301000017"},
        {"feeinfo": [charge, refund]},
        session_id="3f0c…",
        xml_declaration=False,
    )
    assert body == golden("fee_upload_request.xml")


def test_outpatient_charge_keeps_an_empty_serial_element() -> None:
    row: dict[str, Value] = dict(
        ake005="Z0001",
        ake006="换药(中)",
        aaz213="",
        bka051=dt.date(2024, 3, 5),
        bka056=Decimal(30),
        bka057=Decimal(1),
        bka058=Decimal(30),
        bka074="DOC012",
        bka075="钱七",
        bka071="MZ778899",
        aka036="0",
        aaz267="0",
        bka061="0",
    )
    params = {"akb020": "SS0001", "aaz218": "441900240305000021", "bka014": "0102"}
    params |= {"bka015": "赵六", "bka893": "1"}
    body = codec.encode_request(
        "bizh110105", params, {"feeinfo": [row]}, session_id="3f0c…", xml_declaration=False
    )
    assert body == golden("outpatient_charge_request.xml")


# ---------------------------------------------------------------- golden replies


def test_login_reply_gives_the_session_id() -> None:
    reply = decode_program((XML / "login_reply.xml").read_bytes())
    assert reply.return_code == "1"
    assert reply.return_code_message == "成功"
    assert reply.get("session_id") == "3f0c2a7e-5b1d-4c8e-9a44-0d2e6f1b7c90"


def test_session_expired_reply_is_minus_nine_with_its_chinese_message() -> None:
    reply = decode_program((XML / "session_expired_reply.xml").read_bytes())
    assert reply.integer("return_code") == -9
    assert reply.return_code_message == "session已失效，请重新登录"


def test_person_reply_dataset_rows_decode_with_chinese_text_and_dates() -> None:
    reply = decode_program((XML / "person_lookup_reply.xml").read_bytes())
    (person,) = reply.rows("personinfo")
    assert person.text("aac003") == "张三"
    assert person.text("bka008") == "某某制造有限公司"
    assert person.date("aae031") == dt.date(2025, 2, 14)
    assert reply.rows("freezeinfo") == ()


def test_flat_settlement_reply_decodes_money_as_decimal() -> None:
    reply = decode_program((XML / "settlement_reply.xml").read_bytes())
    assert reply.require_decimal("akc264") == Decimal("12.50")
    assert reply.decimal("bka831") == Decimal(0)
    assert reply.get("aaz218") == "441900240301000017"


def test_outpatient_reply_payinfo_row() -> None:
    reply = decode_program((XML / "outpatient_charge_reply.xml").read_bytes())
    (pay,) = reply.rows("payinfo")
    assert pay.integer("bka001") == 1
    assert pay.require_decimal("ake039") == Decimal("30.00")


def test_request_golden_files_decode_to_what_was_encoded() -> None:
    request = decode_program((XML / "fee_upload_request.xml").read_bytes())
    assert request.get("function_id") == "bizh120002"
    rows = request.rows("feeinfo")
    assert [r.decimal("bka058") for r in rows] == [Decimal("25.00"), Decimal("-12.50")]
    assert rows[1].get("bka070") is None


# ---------------------------------------------------------------- hostile and broken bodies


def test_billion_laughs_is_refused_before_expansion() -> None:
    with pytest.raises(PlatformProtocolError, match="DTD"):
        decode_program((XML / "billion_laughs.xml").read_bytes())


def test_external_entity_is_refused() -> None:
    with pytest.raises(PlatformProtocolError, match="refused"):
        decode_program((XML / "external_entity.xml").read_bytes())


def test_a_bare_doctype_is_refused_too() -> None:
    with pytest.raises(PlatformProtocolError, match="DTD"):
        decode_program(b'<!DOCTYPE program SYSTEM "http://x/p.dtd"><program/>')


def test_server_exception_text_is_a_protocol_error_naming_the_text() -> None:
    body = (XML / "server_exception_reply.txt").read_bytes()
    with pytest.raises(PlatformProtocolError, match="服务执行发生异常"):
        decode_program(body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<html><body>502</body></html>", "not a <program>"),
        (b"<program><return_code>1</return_code>", "not well-formed"),
        (b"<program><feeinfo><row/><x/></feeinfo></program>", "mixes"),
    ],
)
def test_unreadable_bodies_are_protocol_errors(body: bytes, message: str) -> None:
    with pytest.raises(PlatformProtocolError, match=message):
        decode_program(body)


# ---------------------------------------------------------------- tolerance


def test_a_repeated_element_keeps_its_last_non_empty_value_as_the_zhongshan_client_reads() -> None:
    """Zhongshan's reading (XML → JSON): the last value wins, an empty one is dropped; the
    codes whose repeats disagreed are noted, an identical or empty repeat is not."""
    reply = decode_program(
        b"<program><return_code>1</return_code><akc264>10.00</akc264><akc264>10.01</akc264>"
        b"<bka831>2.00</bka831><bka831></bka831><aaz218>Z1</aaz218><aaz218>Z1</aaz218>"
        b"<payinfo><row><bka001>1</bka001><bka001>2</bka001></row></payinfo>"
        b"<payinfo><row><bka001>3</bka001></row></payinfo></program>"
    )
    assert (reply.text("akc264"), reply.text("bka831"), reply.text("aaz218")) == (
        "10.01",
        "2.00",
        "Z1",
    )
    assert [row.text("bka001") for row in reply.rows("payinfo")] == ["2", "3"]
    assert reply.repeated == ("akc264", "payinfo.bka001")


def test_missing_declaration_bom_and_leading_whitespace_are_accepted() -> None:
    body = "\ufeff  \n<program><return_code>1</return_code></program>".encode()
    assert decode_program(body).return_code == "1"


def test_a_declared_gbk_body_is_decoded() -> None:
    body = '<?xml version="1.0" encoding="GBK"?><program><m>成功</m></program>'.encode("gbk")
    assert decode_program(body).text("m") == "成功"


def test_empty_and_missing_optional_elements_read_as_none() -> None:
    reply = decode_program(b"<program><aaz218/><bka831></bka831><akc264> 1.5 </akc264></program>")
    assert reply.get("aaz218") is None
    assert reply.decimal("bka831") is None
    assert reply.decimal("missing") is None
    assert reply.decimal("akc264") == Decimal("1.5")


def test_a_known_dataset_left_empty_decodes_as_no_rows() -> None:
    reply = decode_program(b"<program><feeinfo>\n  </feeinfo><personinfo/></program>")
    assert reply.datasets == {"feeinfo": (), "personinfo": ()}


def test_a_dataset_without_row_wrappers_reads_as_one_row() -> None:
    reply = decode_program(b"<program><payinfo><akc264>1.00</akc264></payinfo></program>")
    assert reply.rows("payinfo")[0].decimal("akc264") == Decimal("1.00")


# ---------------------------------------------------------------- typed accessors


@pytest.mark.parametrize(
    ("code", "accessor"),
    [("m", "decimal"), ("m", "integer"), ("m", "date"), ("d", "date"), ("n", "decimal")],
)
def test_typed_accessors_name_the_element_on_bad_text(code: str, accessor: str) -> None:
    reply = decode_program(b"<program><m>abc</m><d>20240230</d><n>NaN</n></program>")
    with pytest.raises(PlatformProtocolError, match=f"<{code}>"):
        getattr(reply, accessor)(code)


def test_dates_accept_dashes_and_a_time_part() -> None:
    reply = decode_program(b"<program><a>2024-03-01</a><b>20240301120000</b></program>")
    assert reply.date("a") == reply.date("b") == dt.date(2024, 3, 1)


def test_require_decimal_refuses_a_missing_element() -> None:
    with pytest.raises(PlatformProtocolError, match="<akc264> is missing"):
        decode_program(b"<program/>").require_decimal("akc264")


def test_repr_of_a_reply_shows_no_values() -> None:
    reply = decode_program((XML / "person_lookup_reply.xml").read_bytes())
    assert "440000199001010011" not in repr(reply)
    assert "张三" not in repr(reply.rows("personinfo")[0])


# ---------------------------------------------------------------- encoding rules


def test_values_are_escaped_and_carriage_returns_survive() -> None:
    text = "a&b<c>d]]>e\r\nf'\""
    body = encode_program({"x": text})
    assert b"&amp;b&lt;c&gt;d]]&gt;e&#13;" in body
    assert decode_program(body).text("x") == text


def test_unit_price_gets_four_places_and_money_two() -> None:
    body = encode_program({"bka056": Decimal("3.5"), "bka058": Decimal("-7"), "akc264": Decimal(0)})
    assert b"<bka056>3.5000</bka056><bka058>-7.00</bka058><akc264>0.00</akc264>" in body


def test_a_decimal_that_would_lose_a_fen_is_refused() -> None:
    with pytest.raises(RequestEncodingError, match="more than 2 decimal places") as info:
        encode_program({"bka058": Decimal("10.005")})
    assert info.value.field == "bka058"
    assert info.value.reason_zh == "小数位数超过2位"


def test_unit_price_with_five_places_is_refused() -> None:
    with pytest.raises(RequestEncodingError, match="4 decimal places"):
        encode_program({"bka056": Decimal("1.23456")})


def test_negative_zero_is_written_as_zero() -> None:
    assert b"<bka058>0.00</bka058>" in encode_program({"bka058": Decimal("-0.00")})


@pytest.mark.parametrize(
    "value", [1.5, Decimal("NaN"), Decimal("Infinity"), dt.datetime(2024, 3, 1), b"x"]
)
def test_floats_non_finite_decimals_datetimes_and_bytes_are_refused(value: object) -> None:
    with pytest.raises(RequestEncodingError, match="field x"):
        encode_program({"x": value})  # type: ignore[dict-item]


def test_control_characters_are_refused() -> None:
    with pytest.raises(RequestEncodingError, match="control character"):
        encode_program({"x": "a\x00b"})


@pytest.mark.parametrize("name", ["1abc", "a b", "a<b", "xmlfoo", ""])
def test_bad_element_names_are_refused(name: str) -> None:
    with pytest.raises(RequestEncodingError, match="not a valid element name"):
        encode_program({name: "1"})


def test_none_values_are_omitted_and_bools_are_flags() -> None:
    body = encode_program({"a": None, "b": True, "c": False, "d": 7})
    assert body.endswith(b"<program><b>1</b><c>0</c><d>7</d></program>")


def test_places_may_be_given_explicitly() -> None:
    assert b"<q>1.2500</q>" in encode_program({"q": Decimal("1.25")}, places={"q": 4})


def test_the_session_id_is_masked_and_nothing_else_changes() -> None:
    """What the archive stores: the session shown as render shows it, the rest byte for byte
    (a later session_id-looking text inside a value is not touched)."""
    params: dict[str, Value] = {"akb020": "SS0001", "bka043": "<session_id>x</session_id>"}
    body = encode_request("bizh120109", params, session_id="3f0c2a7e-5b1d-4c8e")
    masked = masked_session(body)
    assert b"3f0c2a7e" not in masked
    assert masked == body.replace(b"3f0c2a7e-5b1d-4c8e", SESSION_MASK.encode(), 1)
    assert decode_program(masked).text("session_id") == SESSION_MASK
    assert masked_session(b"<program><function_id>sys0001</function_id></program>").endswith(
        b"</program>"
    )


def test_pretty_indents_a_request_and_changes_nothing_but_whitespace() -> None:
    sent = encode_program(
        {"function_id": "bizh120002", "aaz218": "A&B <1>", "bka001": ""},
        {"feeinfo": [{"ake005": "X1", "bka058": Decimal("-1.50")}]},
    )
    pretty = codec.pretty(sent)
    assert pretty.splitlines() == [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<program>",
        "  <function_id>bizh120002</function_id>",
        "  <aaz218>A&amp;B &lt;1&gt;</aaz218>",
        "  <bka001></bka001>",
        "  <feeinfo>",
        "    <row>",
        "      <ake005>X1</ake005>",
        "      <bka058>-1.50</bka058>",
        "    </row>",
        "  </feeinfo>",
        "</program>",
    ]
    assert re.sub(r">\s+<", "><", pretty).encode("utf-8") == sent
