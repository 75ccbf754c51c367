"""Row-batched feeds (``batch:``) and two-step commands (``before:`` + ``from_reply:``)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from syncd.config.mappings import load_mappings
from syncd.core.errors import ConfigError, MappingError
from syncd.mapping import FeedSpec, RenderContext, render, render_batch
from syncd.protocol import catalogue

IP_FEE = """\
source: {view: V_WI_IP_FEE, key: FEE_ID}
function_id: bizh120002
visit: {column: VISIT_NO}
requires:
  visit: {kind: INPATIENT, state: ADMITTED}
fields:
  akb020: {setting: hospital.akb020}
  aaz218: {visit: aaz218}
batch:
  dataset: feeinfo
  order_by: FEE_SEQ
  fields:
    ake005: {column: ITEM_CODE}
    ake006: {column: ITEM_NAME}
    bka056: {column: PRICE, decimal: 4}
    bka057: {column: QTY, decimal: 2}
    bka058: {column: AMOUNT, decimal: 2}
    bka051: {column: FEE_TIME, date: yyyyMMdd}
    aaz213: {column: FEE_SEQ}
    bka061: {column: ILLNESS, codes: {"Y": "1", "N": "0"}, default: "0"}
"""

REFUND_INFO = """\
source: {command: op_refund_info, params: [visit_key, bka001]}
function_id: bizh110103
visit: {param: visit_key}
fields:
  akb020: {setting: hospital.akb020}
  bka895: {const: aaz218}
  bka896: {visit: aaz218}
  bka006: {const: "410"}
  bka001: {param: bka001}
"""

REFUND = """\
source: {command: op_refund, params: [visit_key, bka001, operator_no, operator_name]}
function_id: bizh110105
before: op_refund_info
visit: {param: visit_key}
fields:
  akb020: {setting: hospital.akb020}
  aaz218: {visit: aaz218}
  bka014: {param: operator_no}
  bka015: {param: operator_name}
  bka893: {const: "1"}
datasets:
  feeinfo:
    from_reply: feeinfo
    fields:
      aaz213: {column: aaz213}
      ake005: {column: ake005}
      ake006: {column: ake006}
      bka051: {column: bka051, date: yyyyMMdd}
      bka056: {column: bka056, decimal: 4}
      bka057: {column: bka057, decimal: 2}
      bka058: {column: bka058, decimal: 2}
"""


def load(tmp_path: Path, **files: str) -> dict[str, FeedSpec]:
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return load_mappings(tmp_path, catalogue.load())


def problems(tmp_path: Path, **files: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, **files)
    return [str(p) for p in info.value.problems]


def fee_row(n: int, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "FEE_ID": f"F{n:04d}",
        "VISIT_NO": "V1",
        "FEE_SEQ": n,
        "ITEM_CODE": "X0101",
        "ITEM_NAME": "头孢呋辛钠注射液",
        "PRICE": Decimal("12.5"),
        "QTY": Decimal("2"),
        "AMOUNT": Decimal("25.00"),
        "FEE_TIME": "20260301",
        "ILLNESS": "N",
    }
    row.update(changes)
    return row


def fee_context() -> RenderContext:
    return RenderContext(
        settings={"hospital.akb020": "SS0001"}, visit={"aaz218": "ZY2026030100001"}
    )


def test_batch_feed_loads_and_carries_catalogue_labels(tmp_path: Path) -> None:
    spec = load(tmp_path, ip_fee=IP_FEE)["ip_fee"]
    assert spec.batch is not None and spec.batch.dataset == "feeinfo"
    assert spec.batch.fields["bka058"].required is True
    assert {"FEE_ID", "VISIT_NO", "FEE_SEQ", "ITEM_CODE", "AMOUNT"} <= spec.columns()


def test_batch_of_301_rows_is_two_calls_of_300_and_1_in_order(tmp_path: Path) -> None:
    spec = load(tmp_path, ip_fee=IP_FEE)["ip_fee"]
    result = render_batch(spec, [fee_row(n) for n in range(1, 302)], fee_context())
    assert [len(call.keys) for call in result.calls] == [300, 1]
    first, second = result.calls
    assert first.keys[0] == "F0001" and second.keys == ("F0301",)
    assert first.request.function_id == "bizh120002"
    assert first.request.params == {"akb020": "SS0001", "aaz218": "ZY2026030100001"}
    rows = first.request.datasets["feeinfo"]
    assert rows[0]["bka056"] == Decimal("12.5000") and rows[0]["ake006"] == "头孢呋辛钠注射液"
    assert [r["aaz213"] for r in rows[:3]] == ["1", "2", "3"]


def test_settings_row_limit_caps_the_batch(tmp_path: Path) -> None:
    spec = load(tmp_path, ip_fee=IP_FEE)["ip_fee"]
    ctx = RenderContext(settings={"hospital.akb020": "S"}, visit={"aaz218": "Z"}, max_rows=100)
    result = render_batch(spec, [fee_row(n) for n in range(1, 251)], ctx)
    assert [len(call.keys) for call in result.calls] == [100, 100, 50]


def test_a_bad_row_is_rejected_alone_and_the_others_still_go(tmp_path: Path) -> None:
    spec = load(tmp_path, ip_fee=IP_FEE)["ip_fee"]
    rows = [fee_row(1), fee_row(2, AMOUNT="十二元"), fee_row(3)]
    result = render_batch(spec, rows, fee_context())
    assert [call.keys for call in result.calls] == [("F0001", "F0003")]
    (error,) = result.rejected
    assert (error.key, error.field) == ("F0002", "feeinfo.bka058")
    assert "金额" in error.reason_zh and "十二元" not in error.reason_zh


def test_a_missing_visit_value_fails_the_whole_batch(tmp_path: Path) -> None:
    spec = load(tmp_path, ip_fee=IP_FEE)["ip_fee"]
    ctx = RenderContext(settings={"hospital.akb020": "SS0001"}, visit={})
    with pytest.raises(MappingError) as info:
        render_batch(spec, [fee_row(1)], ctx)
    assert info.value.field == "aaz218"


def test_batch_needs_a_view_and_a_visit_column(tmp_path: Path) -> None:
    text = IP_FEE.replace("visit: {column: VISIT_NO}\n", "")
    found = problems(tmp_path, ip_fee=text)
    assert any(
        "ip_fee.yaml:1:1:" in p and "'batch' needs a view source and visit: {column: …}" in p
        for p in found
    )


def test_batch_dataset_must_belong_to_the_function(tmp_path: Path) -> None:
    found = problems(tmp_path, ip_fee=IP_FEE.replace("dataset: feeinfo", "dataset: feeinf"))
    assert any("'feeinf' is not a dataset of bizh120002" in p and "feeinfo" in p for p in found)


def test_required_row_field_missing_from_batch_is_reported_at_batch(tmp_path: Path) -> None:
    found = problems(tmp_path, ip_fee=IP_FEE.replace("    ake005: {column: ITEM_CODE}\n", ""))
    assert any(
        "ip_fee.yaml:12:3: " in p and "/ required platform field 'ake005'" in p for p in found
    )


def test_two_step_command_loads_and_renders_reply_rows(tmp_path: Path) -> None:
    feeds = load(tmp_path, op_refund_info=REFUND_INFO, op_refund=REFUND)
    spec = feeds["op_refund"]
    assert spec.before == "op_refund_info" and spec.datasets["feeinfo"].columns() == frozenset()
    reply_row = {
        "aaz213": "1",
        "ake005": "Z0001",
        "ake006": "换药(中)",
        "bka051": "20260301",
        "bka056": "30.0000",
        "bka057": "-1.00",
        "bka058": "-30.00",
    }
    ctx = RenderContext(
        key="42",
        settings={"hospital.akb020": "SS0001"},
        visit={"aaz218": "MZ2026030100001"},
        params={"visit_key": "V9", "bka001": "1", "operator_no": "0102", "operator_name": "赵六"},
        datasets={"feeinfo": [reply_row]},
    )
    (row,) = render(spec, {}, ctx).datasets["feeinfo"]
    assert row["bka058"] == Decimal("-30.00") and row["aaz213"] == "1"


def test_from_reply_without_before_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, op_refund=REFUND.replace("before: op_refund_info\n", ""))
    assert any("dataset 'feeinfo' uses 'from_reply' without 'before'" in p for p in found)


def test_before_must_name_an_existing_command_feed(tmp_path: Path) -> None:
    found = problems(
        tmp_path, op_refund=REFUND.replace("before: op_refund_info", "before: op_refund_inf")
    )
    assert any(":3:1: 没有业务 'op_refund_inf' / unknown feed 'op_refund_inf'" in p for p in found)
    found = problems(
        tmp_path,
        op_refund_info=REFUND_INFO,
        op_refund=REFUND,
        ip_fee=IP_FEE,
        x=REFUND.replace("before: op_refund_info", "before: ip_fee"),
    )
    assert any("'before' must name another command feed; 'ip_fee' is not one" in p for p in found)


def test_dataset_view_needs_join_and_order(tmp_path: Path) -> None:
    text = REFUND.replace("    from_reply: feeinfo\n", "    view: V_WI_X\n")
    found = problems(tmp_path, op_refund_info=REFUND_INFO, op_refund=text)
    assert any("a dataset view needs 'join' and 'order_by'" in p for p in found)


DELETE_FEES = """\
source: {command: ip_delete_fees, params: [visit_key]}
function_id: bizh120004
visit: {param: visit_key}
requires:
  visit: {kind: INPATIENT, state: ADMITTED}
  enabled_by:
    setting: city.fee_delete_allowed
    reason_zh: 本统筹区不允许删除住院费用明细，请上传负数明细冲减
fields:
  akb020: {setting: hospital.akb020}
  aaz218: {visit: aaz218}
"""


@pytest.mark.parametrize("allowed", [True, False])
def test_enabled_by_switch_refuses_in_chinese_only_when_off(tmp_path: Path, allowed: bool) -> None:
    spec = load(tmp_path, ip_delete_fees=DELETE_FEES)["ip_delete_fees"]
    settings = {"hospital.akb020": "SS0001", "city.fee_delete_allowed": allowed}
    ctx = RenderContext(key="7", settings=settings, visit={"aaz218": "ZY1"})
    if allowed:
        assert render(spec, {}, ctx).params == {"akb020": "SS0001", "aaz218": "ZY1"}
        return
    with pytest.raises(MappingError) as info:
        render(spec, {}, ctx)
    assert info.value.reason_zh == "本统筹区不允许删除住院费用明细，请上传负数明细冲减"
    assert info.value.field == "requires.enabled_by"


def test_enabled_by_names_an_existing_setting(tmp_path: Path) -> None:
    text = DELETE_FEES.replace("city.fee_delete_allowed", "city.fee_delete_allowd")
    found = problems(tmp_path, ip_delete_fees=text)
    assert any("ip_delete_fees.yaml:7:5:" in p and "fee_delete_allowed" in p for p in found)
