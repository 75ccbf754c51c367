"""`syncd render --mask`: which values are hidden, and how much of each is kept."""

from __future__ import annotations

from syncd.protocol import catalogue
from syncd.service.render import contact_codes, masked

ID_NUMBER = "440106198503124219"


def test_telephone_and_address_fields_are_found_by_their_catalogue_names() -> None:
    codes = contact_codes(catalogue.load().get("bizh200101"))  # 病案首页住院病人信息
    assert {"aac010", "yzy020", "yzy021", "yzy027", "yzy028", "yzy089", "yzy090"} <= codes
    assert not codes & {"aac002", "aac003", "yzy008", "yzy026", "akb020"}


def test_masked_hides_id_numbers_names_telephone_numbers_and_addresses() -> None:
    values = {
        "aac002": ID_NUMBER, "aac003": "张伟明", "yzy089": "广东省广州市海珠区示例路1号",
        "yzy090": "020-12345678", "bka896": "13812345678", "bka006": "420", "yzy026": "配偶",
    }  # fmt: skip
    assert masked(values, frozenset({"yzy089", "yzy090"})) == {
        "aac002": "440106************", "aac003": "张**", "yzy089": "广东省" + "*" * 11,
        "yzy090": "020*********", "bka896": "138********", "bka006": "420", "yzy026": "配偶",
    }  # fmt: skip
