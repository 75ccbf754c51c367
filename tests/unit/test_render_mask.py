"""`syncd render --mask`: which values are hidden and how — the console's masking
(:mod:`syncd.protocol.privacy`), one rule for both."""

from __future__ import annotations

from syncd.protocol.privacy import Personal, kind_of, masked

ID_NUMBER = "440106198503124219"


def test_telephone_and_address_fields_are_found_by_their_catalogue_names() -> None:
    """病案首页's contact fields are known from the catalogue, not from a list of codes."""
    for code in ("yzy021", "yzy028", "yzy090"):
        assert kind_of(code) is Personal.PHONE, code
    for code in ("aac010", "yzy020", "yzy027", "yzy089"):
        assert kind_of(code) is Personal.ADDRESS, code
    assert all(kind_of(code) is None for code in ("yzy008", "yzy026", "akb020", "bka006"))


def test_masked_hides_id_numbers_names_telephone_numbers_and_addresses() -> None:
    values = {
        "aac002": ID_NUMBER,
        "aac003": "张伟明",
        "yzy089": "广东省广州市海珠区示例路1号",
        "yzy090": "020-12345678",
        "bka896": "13812345678",
        "bka006": "420",
        "yzy026": "配偶",
    }
    assert masked(values) == {
        "aac002": "4401**********4219",
        "aac003": "张*明",
        "yzy089": "广东省***",
        "yzy090": "020*****5678",
        "bka896": "138****5678",
        "bka006": "420",
        "yzy026": "配偶",
    }
