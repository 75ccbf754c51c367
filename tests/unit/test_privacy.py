"""Personal data shown masked: by field code, by ID-number shape, in XML and in JSON."""

from __future__ import annotations

from syncd.protocol.archived import HIDDEN, decode_head, pretty, search_fields
from syncd.protocol.privacy import Personal, kind_of, mask_id_numbers, mask_value, masked

ID_NUMBER = "440106198503124219"
NAME = "张伟明"


def test_each_kind_of_personal_field_has_its_mask() -> None:
    assert mask_value("aac002", ID_NUMBER) == "4401**********4219"
    assert mask_value("aac003", NAME) == "张*明"
    assert mask_value("aae005", "13812345678") == "138****5678"
    assert mask_value("aac010", "广东省深圳市南山区科技园") == "广东省***"
    assert mask_value("aac001", "1000010001") == "1000010001"  # the person number is no secret
    assert mask_value("akc264", "12.50") == "12.50"


def test_a_look_up_value_is_masked_only_when_it_is_an_id_number() -> None:
    assert kind_of("bka896", {"bka895": "aac002"}) is Personal.ID_NUMBER
    assert kind_of("bka896", {"bka895": "aac001"}) is None
    assert mask_value("bka896", ID_NUMBER, {"bka895": "aac002"}) == "4401**********4219"


def test_id_number_shapes_are_masked_in_free_text_and_unknown_fields() -> None:
    text = f"参保人 {ID_NUMBER} 已在他院住院；就医登记号 ZY20261125000001 不变"
    assert (
        mask_id_numbers(text)
        == "参保人 4401**********4219 已在他院住院；就医登记号 ZY20261125000001 不变"
    )
    assert mask_value("remark", ID_NUMBER) == "4401**********4219"


def test_nested_documents_are_masked_by_field_code() -> None:
    doc = {
        "fields": {"aac003": NAME, "bka001": 3},
        "datasets": {"personinfo": [{"aac002": ID_NUMBER, "aac001": "1000010001"}]},
    }
    out = masked(doc)
    assert out["fields"] == {"aac003": "张*明", "bka001": 3}
    assert out["datasets"]["personinfo"] == [
        {"aac002": "4401**********4219", "aac001": "1000010001"}
    ]
    assert doc["fields"]["aac003"] == NAME  # the original is left alone


REQUEST = (
    f"<?xml version='1.0' encoding='utf-8'?><program><session_id>S-123</session_id>"
    f"<function_id>bizh120001</function_id><bka895>aac001</bka895>"
    f"<bka896>1000010001</bka896><bka015>{NAME}</bka015></program>"
).encode()
REPLY = (
    f"<program><return_code>1</return_code><personinfo><row><aac001>1000010001</aac001>"
    f"<aac002>{ID_NUMBER}</aac002><aac003>{NAME}</aac003></row></personinfo>"
    f"</program>"
).encode()


def test_pretty_documents_mask_personal_values_and_never_show_the_session() -> None:
    shown = pretty(REQUEST) + pretty(REPLY)
    assert ID_NUMBER not in shown and NAME not in shown and "S-123" not in shown
    assert "<aac003>张*明</aac003>" in shown and "<aac002>4401**********4219</aac002>" in shown
    assert f"<session_id>{HIDDEN}</session_id>" in shown
    assert "    <row>\n      <aac001>1000010001</aac001>" in shown
    revealed = pretty(REPLY, reveal=True) + pretty(REQUEST, reveal=True)
    assert ID_NUMBER in revealed and NAME in revealed and "S-123" not in revealed


def test_an_unreadable_reply_is_shown_as_text_with_id_numbers_masked() -> None:
    text = f"服务执行发生异常 {ID_NUMBER} <session_id>S-9</session_id>".encode()
    shown = pretty(text)
    assert "服务执行发生异常" in shown and ID_NUMBER not in shown and "S-9" not in shown


def test_search_fields_name_the_person_and_the_platform_visit() -> None:
    assert search_fields(REQUEST, REPLY).aac001 == "1000010001"
    by_id = REQUEST.replace(b"<bka895>aac001</bka895>", b"<bka895>aac002</bka895>").replace(
        b"<bka896>1000010001</bka896>", f"<bka896>{ID_NUMBER}</bka896>".encode()
    )
    assert search_fields(by_id, REPLY).aac001 == "1000010001"  # from the reply's personinfo
    assert search_fields(by_id, None).aac001 is None  # an ID number is never the person key
    admission = (
        b"<program><function_id>bizh120103</function_id><aac001>1000010005</aac001></program>"
    )
    answer = b"<program><return_code>1</return_code><aaz218>ZY2026000001</aaz218></program>"
    assert search_fields(admission, answer) == search_fields(admission, answer).__class__(
        "1000010005", "ZY2026000001"
    )
    assert search_fields(b"not xml", b"\xff") == search_fields(None, None)


def test_the_head_of_a_large_upload_is_read_without_its_rows() -> None:
    rows = "".join(f"<row><aaz213>{i}</aaz213></row>" for i in range(5000))
    body = f"<program><function_id>bizh120002</function_id><aaz218>ZY1</aaz218><feeinfo>{rows}"
    head = decode_head((body + "<broken").encode())  # the rest is never parsed
    assert head.values == {"function_id": "bizh120002", "aaz218": "ZY1"}
