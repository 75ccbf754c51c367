"""Properties of the mapping engine, checked with Hypothesis over arbitrary rows and rules."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from mapping_folders import feeds_in

from syncd.core.errors import MappingError
from syncd.mapping import FeedSpec, RenderContext, render
from syncd.mapping.engine import split_batches
from syncd.mapping.transforms import TRANSFORMS

VALID = Path(__file__).parent.parent / "data" / "mappings" / "valid"
FEEDS = feeds_in(VALID)
ADMISSION, FEES = FEEDS["admission"], FEEDS["fee_upload"]
CONTEXT = RenderContext(
    settings={"hospital.akb020": "SS0001"},
    code_tables={"bka019": {"D05": "0305"}},
    visit={"aaz218": "441900240301000017"},
)
ID_NUMBERS = st.from_regex(r"[1-9]\d{16}[\dX]", fullmatch=True)
ANY_VALUE = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.integers(),
    st.booleans(),
    st.binary(max_size=8),
    st.decimals(),
    st.floats(),
    st.dates(),
    st.datetimes(),
    ID_NUMBERS,
    st.sampled_from(["", " ", "D05", "20240301", "2024-03-01", "12.50", "-0", "1e400", "普通"]),
)
CJK_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40
).filter(lambda text: text.strip() != "")


def rows_for(spec: FeedSpec) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({column: ANY_VALUE for column in sorted(spec.columns())})


def fee_rows() -> st.SearchStrategy[list[dict[str, Any]]]:
    columns = sorted(FEES.datasets["feeinfo"].columns())
    row = st.fixed_dictionaries({column: ANY_VALUE for column in columns})
    return st.lists(row, max_size=4)


def value_in(error: MappingError, row: dict[str, Any]) -> list[str]:
    """Distinctive text values of the row found in the error's reason or field name.

    (The message also names the row key, by design; the reason is what the HIS user reads.)
    """
    text = f"{error.feed} {error.field} {error.reason_zh}"
    return [v for v in row.values() if isinstance(v, str) and len(v) >= 18 and v in text]


@given(row=rows_for(ADMISSION))
def test_engine_raises_only_mapping_errors_and_never_shows_a_value(row: dict[str, Any]) -> None:
    try:
        render(ADMISSION, row, CONTEXT)
    except MappingError as error:
        assert error.feed == "admission"
        assert error.field in ADMISSION.fields
        assert value_in(error, row) == []


@given(row=rows_for(FEES), children=fee_rows())
def test_engine_raises_only_mapping_errors_for_datasets_too(
    row: dict[str, Any], children: list[dict[str, Any]]
) -> None:
    ctx = RenderContext(
        settings=CONTEXT.settings, visit=CONTEXT.visit, datasets={"feeinfo": children}
    )
    try:
        rendered = render(FEES, row, ctx)
    except MappingError as error:
        assert error.reason_zh
        for child in children:
            assert value_in(error, child) == []
    else:
        assert len(rendered.datasets["feeinfo"]) == len(children) > 0


BLANK = st.sampled_from([None, "", "   ", "\u3000"])
TEXT = st.text(alphabet="住院号ABC123", min_size=1, max_size=20)
MOSTLY_VALID = {
    "ADMISSION_ID": st.integers(1, 10**6),
    "PERSON_NO": TEXT,
    "CLERK_NO": TEXT,
    "CLERK_NAME": TEXT,
    "ADMIT_TIME": st.dates(),
    "DEPT_CODE": st.just("D05"),
    "ADMIT_REASON": st.sampled_from(["普通", "外伤"]),
    "WARD_NAME": st.text(max_size=20),
    "BED_NO": st.integers(1, 99),
}


@st.composite
def mostly_valid_admissions(draw: st.DrawFn) -> dict[str, Any]:
    """Rows that render often, with any column now and then (one in ten) blank."""
    row = {}
    for column in sorted(ADMISSION.columns()):
        blank = draw(st.integers(0, 9)) == 0
        row[column] = draw(BLANK if blank else MOSTLY_VALID.get(column, TEXT))
    return row


@given(row=mostly_valid_admissions())
def test_required_fields_are_never_dropped(row: dict[str, Any]) -> None:
    try:
        rendered = render(ADMISSION, row, CONTEXT)
    except MappingError:
        return
    assert set(rendered.params) == set(ADMISSION.fields)
    required = [code for code, rule in ADMISSION.fields.items() if rule.required]
    assert {"aac001", "bka017", "bka014", "bka015"} <= set(required)
    assert all(rendered.params[code] != "" for code in required)


def amount_feed(places: int) -> FeedSpec:
    data = {
        "source": {"view": "V", "key": "ID"},
        "function_id": "bizh120109",
        "fields": {"bka058": {"column": "AMOUNT", "decimal": places}},
    }
    return FeedSpec.model_validate(data)


@given(
    amount=st.decimals(
        allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12
    ),
    places=st.integers(0, 4),
    as_text=st.booleans(),
)
def test_decimal_formatting_never_loses_a_fen(amount: Decimal, places: int, as_text: bool) -> None:
    value: object = str(amount) if as_text else amount
    try:
        sent = render(amount_feed(places), {"ID": 1, "AMOUNT": value}, RenderContext())
    except MappingError as error:
        assert error.reason_zh.startswith("小数位数超过")
        assert amount.quantize(Decimal(1).scaleb(-places)) != amount
        return
    out = sent.params["bka058"]
    assert isinstance(out, Decimal)
    assert out == amount
    assert out.as_tuple().exponent == -places


@given(name=CJK_TEXT, count=st.integers(1, 3))
def test_chinese_text_survives_unchanged(name: str, count: int) -> None:
    rows = [
        {
            "ITEM_CODE": "X1",
            "ITEM_NAME": name,
            "PRICE": 1,
            "QTY": 1,
            "AMOUNT": 1,
            "FEE_TIME": "20240301",
            "FEE_SEQ": i,
            "ILLNESS_FLAG": None,
        }
        for i in range(count)
    ]
    ctx = RenderContext(settings=CONTEXT.settings, visit=CONTEXT.visit, datasets={"feeinfo": rows})
    rendered = render(FEES, {"VISIT_NO": name}, ctx)
    assert [row["ake006"] for row in rendered.datasets["feeinfo"]] == [name] * count
    assert rendered.key == name


@given(count=st.integers(0, 700), limit=st.integers(1, 300))
def test_batches_keep_every_row_in_order_within_the_limit(count: int, limit: int) -> None:
    rows = tuple({"aaz213": str(i)} for i in range(count))
    batches = split_batches({"feeinfo": rows}, {"feeinfo": limit})
    assert tuple(row for batch in batches for row in batch["feeinfo"]) == rows
    assert all(len(batch["feeinfo"]) <= limit for batch in batches)
    assert len(batches) == max(1, math.ceil(count / limit))


RULE_SHAPES = st.one_of(
    st.just({}),
    st.builds(lambda p: {"date": p}, st.sampled_from(["yyyyMMdd", "yyyy-MM-dd HH:mm:ss"])),
    st.builds(
        lambda places, rnd, sign: {"decimal": places, "sign": sign, **rnd},
        st.integers(0, 4),
        st.sampled_from([{}, {"round": "half_up"}]),
        st.sampled_from(["any", "positive", "non_negative", "negative", "non_positive"]),
    ),
    st.builds(
        lambda codes: {"codes": codes},
        st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=3),
    ),
)


@st.composite
def rules(draw: st.DrawFn) -> dict[str, Any]:
    rule: dict[str, Any] = {"column": "C", **draw(RULE_SHAPES)}
    rule["transform"] = draw(st.lists(st.sampled_from(sorted(TRANSFORMS)), max_size=2))
    rule["trim"] = draw(st.booleans())
    if draw(st.booleans()):
        rule["max_length"] = draw(st.integers(1, 20))
    if draw(st.booleans()):
        rule["required"] = True
    return rule


@given(rule=rules(), value=ANY_VALUE)
def test_any_valid_rule_on_any_value_gives_a_wire_value_or_a_mapping_error(
    rule: dict[str, Any], value: object
) -> None:
    data = {
        "source": {"view": "V", "key": "ID"},
        "function_id": "bizh120109",
        "fields": {"fx": rule},
    }
    spec = FeedSpec.model_validate(data)
    try:
        out = render(spec, {"ID": 1, "C": value}, RenderContext()).params["fx"]
    except MappingError as error:
        assert error.field == "fx"
        return
    assert isinstance(out, str | Decimal)
    if rule.get("required"):
        assert out != ""


def test_the_mostly_valid_rows_do_render_often() -> None:
    """Guards the property above from being vacuous: many generated rows must succeed."""
    ok = 0
    strategy = mostly_valid_admissions()

    @settings(max_examples=100, database=None)  # a fixed sample: the count below needs it
    @given(row=strategy)
    def count(row: dict[str, Any]) -> None:
        nonlocal ok
        try:
            render(ADMISSION, row, CONTEXT)
            ok += 1
        except MappingError:
            pass

    count()
    assert ok >= 10
