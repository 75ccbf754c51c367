"""The mapping engine: typed wire values, Chinese reasons without values, batching by 300."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from mapping_folders import feeds_in

from syncd.config.mappings import settings_values
from syncd.config.settings import Settings
from syncd.core.errors import MappingError
from syncd.mapping import FeedSpec, RenderContext, render

VALID = Path(__file__).parent.parent / "data" / "mappings" / "valid"
ID_NUMBER = "44000019900101001X"


@pytest.fixture(scope="module")
def feeds() -> dict[str, FeedSpec]:
    return feeds_in(VALID)


def admission_row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "ADMISSION_ID": 17,
        "PERSON_NO": " 1000012345 ",
        "ADMIT_TIME": dt.datetime(2024, 3, 1, 9),
        "CLERK_NO": "0101",
        "CLERK_NAME": "李四",
        "WARD_CODE": "W05",
        "WARD_NAME": "骨科病区　",
        "DEPT_CODE": "D05",
        "DEPT_NAME": "骨科",
        "INPATIENT_NO": "ZY2024000456",
        "ADMIT_REASON": None,
        "BED_NO": 12,
        "VISIT_NO": "V1",
        "UPDATED_AT": None,
    }
    row.update(changes)
    return row


def context(**changes: Any) -> RenderContext:
    base: dict[str, Any] = {
        "settings": {"hospital.akb020": "SS0001"},
        "code_tables": {"bka019": {"D05": "0305"}},
        "visit": {"aaz218": "441900240301000017"},
    }
    base.update(changes)
    return RenderContext(**base)


def reason(feed: FeedSpec, row: dict[str, Any], ctx: RenderContext | None = None) -> MappingError:
    with pytest.raises(MappingError) as info:
        render(feed, row, ctx or context())
    return info.value


def test_admission_row_renders_typed_wire_values(feeds: dict[str, FeedSpec]) -> None:
    rendered = render(feeds["admission"], admission_row(), context())
    assert rendered.function_id == "bizh120103"
    assert rendered.key == "17"
    assert rendered.params == {
        "akb020": "SS0001",
        "aka130": "42",
        "bka006": "420",
        "aac001": "1000012345",
        "bka017": "20240301",
        "bka014": "0101",
        "bka015": "李四",
        "bka021": "W05",
        "bka022": "骨科病区",
        "bka019": "0305",
        "bka020": "骨科",
        "bka025": "ZY2024000456",
        "ykc679": "4",
        "bka043": "骨科病区　-12",
    }
    assert len(rendered.requests) == 1
    assert rendered.requests[0].datasets == {}


def test_column_names_match_whatever_case_the_driver_returns(feeds: dict[str, FeedSpec]) -> None:
    lower = {key.lower(): value for key, value in admission_row().items()}
    assert render(feeds["admission"], lower, context()).params["bka014"] == "0101"


def test_missing_required_value_names_field_in_chinese_and_never_the_value(
    feeds: dict[str, FeedSpec],
) -> None:
    error = reason(feeds["admission"], admission_row(PERSON_NO="   "))
    assert (error.feed, error.key, error.field) == ("admission", "17", "aac001")
    assert error.reason_zh == "缺少必填项：电脑号(aac001)"


def test_unparsable_date_says_which_pattern(feeds: dict[str, FeedSpec]) -> None:
    error = reason(feeds["admission"], admission_row(ADMIT_TIME="2024-13-45"))
    assert error.reason_zh == "日期格式错误：住院时间(bka017) 应为 yyyyMMdd"


def test_a_bad_date_is_refused_every_time_and_good_ones_stay_right(
    feeds: dict[str, FeedSpec],
) -> None:
    """Date texts are reformatted through a cache: a failure is never cached as a value."""
    for _ in range(2):
        error = reason(feeds["admission"], admission_row(ADMIT_TIME="2024-13-45"))
        assert error.reason_zh == "日期格式错误：住院时间(bka017) 应为 yyyyMMdd"
    for text, wire in [("2024-03-01", "20240301"), ("20240302", "20240302")] * 2:
        rendered = render(feeds["admission"], admission_row(ADMIT_TIME=text), context())
        assert rendered.params["bka017"] == wire


def test_date_text_in_iso_form_is_accepted(feeds: dict[str, FeedSpec]) -> None:
    rendered = render(feeds["admission"], admission_row(ADMIT_TIME="2024-03-01"), context())
    assert rendered.params["bka017"] == "20240301"


def test_code_without_translation_is_a_rejection(feeds: dict[str, FeedSpec]) -> None:
    error = reason(feeds["admission"], admission_row(DEPT_CODE="D99"))
    assert error.reason_zh == "代码无对照：就诊科室(bka019)"
    error = reason(feeds["admission"], admission_row(ADMIT_REASON="其它"))
    assert error.reason_zh == "代码无对照：住院原因(ykc679)"


def test_too_long_text_is_a_rejection(feeds: dict[str, FeedSpec]) -> None:
    error = reason(feeds["admission"], admission_row(WARD_NAME="病" * 51))
    assert error.reason_zh == "超过最大长度 50：病区名称(bka022)"


def test_missing_setting_is_named(feeds: dict[str, FeedSpec]) -> None:
    error = reason(feeds["admission"], admission_row(), context(settings={}))
    assert error.reason_zh == "缺少配置项 hospital.akb020：医疗机构编码(akb020)"


def test_settings_values_flatten_the_settings_without_secrets() -> None:
    settings = Settings.model_validate(
        {
            "hospital": {"akb020": "SS0001"},
            "database": {"url": "sqlite://"},
            "platform": {"userid": "u"},
        }
    )
    values = settings_values(settings)
    assert values["hospital.akb020"] == "SS0001"
    assert values["platform.function_ids.settlement_slip"] == "bizh120206"
    assert not [key for key in values if "password" in key]


def fee_rows(count: int, **changes: Any) -> list[dict[str, Any]]:
    rows = [
        {
            "ITEM_CODE": f"X{i:04d}",
            "ITEM_NAME": "头孢呋辛钠注射液",
            "PRICE": Decimal("12.5"),
            "QTY": 2,
            "AMOUNT": "25.00",
            "FEE_TIME": dt.date(2024, 3, 2),
            "FEE_SEQ": i,
            "ILLNESS_FLAG": "N",
        }
        for i in range(1, count + 1)
    ]
    for row in rows:
        row.update(changes)
    return rows


def fee_context(rows: list[dict[str, Any]], **changes: Any) -> RenderContext:
    return context(datasets={"feeinfo": rows}, **changes)


def test_fee_rows_are_typed_and_quantized(feeds: dict[str, FeedSpec]) -> None:
    rendered = render(feeds["fee_upload"], {"VISIT_NO": "V1"}, fee_context(fee_rows(1)))
    assert rendered.params == {"akb020": "SS0001", "aaz218": "441900240301000017"}
    (row,) = rendered.datasets["feeinfo"]
    assert row == {
        "ake005": "X0001",
        "ake006": "头孢呋辛钠注射液",
        "bka056": Decimal("12.5000"),
        "bka057": Decimal("2.00"),
        "bka058": Decimal("25.00"),
        "bka051": "20240302",
        "aaz213": "1",
        "bka061": "0",
    }
    assert str(row["bka056"]) == "12.5000"


def test_301_fee_rows_go_out_as_300_plus_1_in_order(feeds: dict[str, FeedSpec]) -> None:
    rendered = render(feeds["fee_upload"], {"VISIT_NO": "V1"}, fee_context(fee_rows(301)))
    sizes = [len(request.datasets["feeinfo"]) for request in rendered.requests]
    assert sizes == [300, 1]
    serials = [row["aaz213"] for r in rendered.requests for row in r.datasets["feeinfo"]]
    assert serials == [str(i) for i in range(1, 302)]
    assert {r.params["aaz218"] for r in rendered.requests} == {"441900240301000017"}


def test_the_settings_row_limit_cuts_smaller_batches(feeds: dict[str, FeedSpec]) -> None:
    ctx = fee_context(fee_rows(250), max_rows=100)
    rendered = render(feeds["fee_upload"], {"VISIT_NO": "V1"}, ctx)
    assert [len(r.datasets["feeinfo"]) for r in rendered.requests] == [100, 100, 50]


def test_empty_required_dataset_is_a_rejection(feeds: dict[str, FeedSpec]) -> None:
    error = reason(feeds["fee_upload"], {"VISIT_NO": "V1"}, fee_context([]))
    assert (error.field, error.reason_zh) == ("feeinfo", "缺少明细数据：feeinfo")


def test_amount_with_a_third_decimal_is_refused_not_rounded(feeds: dict[str, FeedSpec]) -> None:
    ctx = fee_context(fee_rows(3) + fee_rows(1, AMOUNT="25.005"))
    error = reason(feeds["fee_upload"], {"VISIT_NO": "V1"}, ctx)
    assert error.field == "feeinfo[3].bka058"
    assert error.reason_zh == "小数位数超过 2 位：金额(bka058)"


def test_non_numeric_amount_is_a_rejection(feeds: dict[str, FeedSpec]) -> None:
    error = reason(feeds["fee_upload"], {"VISIT_NO": "V1"}, fee_context(fee_rows(1, AMOUNT="二十")))
    assert error.reason_zh == "数字格式错误：金额(bka058)"


def test_refund_rows_keep_their_negative_sign(feeds: dict[str, FeedSpec]) -> None:
    ctx = fee_context(fee_rows(1, QTY=-1, AMOUNT=Decimal("-12.5")))
    (row,) = render(feeds["fee_upload"], {"VISIT_NO": "V1"}, ctx).datasets["feeinfo"]
    assert (str(row["bka057"]), str(row["bka058"])) == ("-1.00", "-12.50")


def rule_feed(rule: dict[str, Any]) -> FeedSpec:
    data = {
        "source": {"view": "V", "key": "ID"},
        "function_id": "bizh120109",
        "fields": {"fx": rule},
    }
    return FeedSpec.model_validate(data).model_copy(update={"feed": "t"})


def one(rule: dict[str, Any], value: Any, **ctx: Any) -> Any:
    return render(rule_feed(rule), {"ID": 1, "C": value}, RenderContext(**ctx)).params["fx"]


def test_round_half_up_is_allowed_only_when_asked() -> None:
    assert one({"column": "C", "decimal": 2, "round": "half_up"}, "2.345") == Decimal("2.35")
    with pytest.raises(MappingError):
        one({"column": "C", "decimal": 2}, "2.345")


def test_a_numeric_column_read_as_decimal_is_checked_like_text() -> None:
    """A view's NUMERIC value arrives as a Decimal: the same places, exactness, sign and
    finiteness rules as for text."""
    assert str(one({"column": "C", "decimal": 4}, Decimal("1.25"))) == "1.2500"
    assert str(one({"column": "C", "decimal": 2}, Decimal("-0.00"))) == "0.00"
    assert one({"column": "C", "decimal": 2, "round": "half_up"}, Decimal("2.345")) == Decimal(
        "2.35"
    )
    for bad in (Decimal("2.345"), Decimal("NaN"), Decimal("-Infinity")):
        with pytest.raises(MappingError):
            one({"column": "C", "decimal": 2}, bad)
    with pytest.raises(MappingError):
        one({"column": "C", "decimal": 2, "sign": "positive"}, Decimal("0"))


def test_sign_rule_rejects_the_wrong_sign_in_chinese() -> None:
    with pytest.raises(MappingError) as info:
        one({"column": "C", "decimal": 2, "sign": "non_negative", "label": "金额"}, "-1")
    assert info.value.reason_zh == "数值应为非负数：金额(fx)"


def test_transforms_run_in_order() -> None:
    assert one({"column": "C", "transform": ["halfwidth", "upper"]}, "ａｂｃ１２") == "ABC12"
    assert one({"column": "C", "transform": "digits_only"}, "粤-123 4") == "1234"
    assert one({"column": "C", "decimal": 2, "transform": "negate"}, "12.5") == Decimal("-12.50")


def test_failed_transform_gives_a_chinese_reason() -> None:
    with pytest.raises(MappingError) as info:
        one({"column": "C", "transform": "integer", "label": "床位数"}, "1.5")
    assert info.value.reason_zh == "应为整数：床位数(fx)"


def test_datetime_pattern_and_text_input_pattern() -> None:
    rule = {"column": "C", "date": "yyyy-MM-dd HH:mm:ss", "date_in": "dd/MM/yyyy HH:mm"}
    assert one(rule, "01/03/2024 09:30") == "2024-03-01 09:30:00"


def test_default_is_sent_for_empty_values_and_typed_for_decimals() -> None:
    assert one({"column": "C", "default": "0"}, None) == "0"
    assert one({"column": "C", "decimal": 2, "default": "0"}, "") == Decimal("0.00")
    assert one({"column": "C"}, None) == ""


def test_param_and_visit_sources_read_the_context() -> None:
    assert one({"param": "bka896"}, None, params={"bka896": ID_NUMBER}) == ID_NUMBER
    assert one({"visit": "aaz218"}, None, visit={"aaz218": "A1"}) == "A1"


def test_rejection_never_carries_the_value() -> None:
    rule = {"column": "C", "max_length": 10, "label": "社会保障号码"}
    with pytest.raises(MappingError) as info:
        one(rule, ID_NUMBER)
    assert ID_NUMBER not in str(info.value)
    assert ID_NUMBER not in info.value.reason_zh
    assert info.value.reason_zh == "超过最大长度 10：社会保障号码(fx)"


def test_spec_exposes_what_the_database_step_must_read(feeds: dict[str, FeedSpec]) -> None:
    fee = feeds["fee_upload"]
    assert fee.source.view == "V_WI_FEE_VISIT"
    assert fee.columns() == {"VISIT_NO", "FEE_COUNT"}
    assert fee.datasets["feeinfo"].columns() == {
        "VISIT_NO",
        "FEE_SEQ",
        "ITEM_CODE",
        "ITEM_NAME",
        "PRICE",
        "QTY",
        "AMOUNT",
        "FEE_TIME",
        "ILLNESS_FLAG",
    }
    assert feeds["admission"].code_categories() == {"bka019"}
    assert feeds["person_lookup"].params() == {"bka895", "bka896"}
    assert feeds["settlement_slip"].function == "bizh120206"
    assert feeds["settlement_slip"].settings() == {"hospital.akb020"}


def test_a_translation_to_blank_leaves_a_required_field_missing() -> None:
    """`codes:` mapping a value to "" must not slip an empty value past `required: true`."""
    from syncd.mapping.fieldvalue import FieldFailed, Scope, render_field
    from syncd.mapping.rules import FieldRule

    rule = FieldRule.model_validate(
        {"column": "FLAG", "codes": {"Y": "1", "N": ""}, "required": True, "label": "标志"}
    )
    assert render_field("bka061", rule, Scope(row={"FLAG": "Y"})) == "1"
    with pytest.raises(FieldFailed) as failed:
        render_field("bka061", rule, Scope(row={"FLAG": "N"}))
    assert failed.value.reason_zh == "缺少必填项：标志(bka061)"
    optional = FieldRule.model_validate({"column": "FLAG", "codes": {"N": ""}})
    assert render_field("bka061", optional, Scope(row={"FLAG": "N"})) == ""
