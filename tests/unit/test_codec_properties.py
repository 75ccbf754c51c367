"""Property tests: decode(encode(x)) == x for scalars and datasets, Chinese and XML-special text."""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from syncd.protocol.codec import Value, decode_program, encode_program, format_value

# Text XML 1.0 can carry (no control characters except \t \n \r, no surrogates), as decoded
# values come back stripped: no leading or trailing whitespace.
XML_CHARS = st.characters(
    blacklist_categories=["Cs"],
    blacklist_characters="".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF])),
)
SPECIAL = st.sampled_from(["&", "<", ">", "]]>", "'", '"', "\r\n", "\r", "&amp;", "张三", "骨科"])


def texts(max_size: int) -> st.SearchStrategy[str]:
    """Stripped text (decoded values come back stripped): generated so, never rejected."""
    return st.lists(st.one_of(XML_CHARS.map(str), SPECIAL), max_size=max_size).map(
        lambda parts: "".join(parts).strip()
    )


TEXT = texts(12)
CELL = texts(6)  # the dataset property is about rows and their order; TEXT covers the text
# [a-z][a-z0-9_]{0,7}, built directly (from_regex spends most of the run generating)
CODES = st.builds(
    str.__add__,
    st.sampled_from(string.ascii_lowercase),
    st.text(string.ascii_lowercase + string.digits + "_", max_size=7),
).filter(lambda c: not c.startswith("xml") and c != "row")
MONEY = st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2)
PRICE = st.decimals(min_value=Decimal("-9999999.9999"), max_value=Decimal("9999999.9999"), places=4)
DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31))
Table = list[dict[str, str]]
SCALARS = st.dictionaries(CODES, TEXT, max_size=8)
ROWS = st.lists(st.dictionaries(CODES, CELL, min_size=1, max_size=6), min_size=1, max_size=4)
DATASET_NAMES = st.sampled_from(
    ["feeinfo", "detail", "personinfo", "payinfo", "bizinfo", "codeinfo"]
)


@given(SCALARS, st.booleans())
def test_scalar_text_round_trips(scalars: dict[str, str], declaration: bool) -> None:
    """Any XML-representable text, Chinese and XML-special characters included, survives."""
    decoded = decode_program(encode_program(scalars, xml_declaration=declaration))
    assert decoded.values == scalars
    assert decoded.datasets == {}


@given(SCALARS, st.dictionaries(DATASET_NAMES, ROWS, max_size=3))
def test_datasets_round_trip(
    scalars: dict[str, str], datasets: dict[str, list[dict[str, str]]]
) -> None:
    """Dataset rows come back in order, each with the same cells."""
    scalars = {k: v for k, v in scalars.items() if k not in datasets}
    decoded = decode_program(encode_program(scalars, datasets))
    assert decoded.values == scalars
    assert {n: [r.values for r in rows] for n, rows in decoded.datasets.items()} == datasets


@given(MONEY, PRICE, DATES)
def test_money_prices_and_dates_round_trip(amount: Decimal, price: Decimal, day: dt.date) -> None:
    """Negative amounts (refunds) included: the typed accessors give the same values back."""
    row: dict[str, Value] = {"bka058": amount, "bka056": price, "bka051": day}
    decoded = decode_program(encode_program({"akc264": amount}, {"feeinfo": [row]}))
    (fee,) = decoded.rows("feeinfo")
    assert decoded.decimal("akc264") == amount
    assert (fee.decimal("bka058"), fee.decimal("bka056"), fee.date("bka051")) == (
        amount,
        price,
        day,
    )
    assert fee.text("bka056").split(".")[1].__len__() == 4


@given(MONEY)
def test_money_is_always_written_with_exactly_two_places(amount: Decimal) -> None:
    text = format_value("bka058", amount)
    assert len(text.split(".")[1]) == 2
    assert Decimal(text) == amount
