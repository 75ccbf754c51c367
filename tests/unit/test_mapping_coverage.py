"""The mapping language can express every transaction of the catalogue (all 30 but login)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from mapping_folders import feeds_in

from syncd.config.mappings import load_mappings
from syncd.mapping import RenderContext, render
from syncd.protocol import catalogue
from syncd.protocol.catalogue import CallKind, FieldSpec, FunctionSpec

VALID = Path(__file__).parent.parent / "data" / "mappings" / "valid"
LATE_UPLOAD_ID = "bizh120009"


def rule_yaml(field: FieldSpec) -> str:
    if field.code == "akb020":
        return "{setting: hospital.akb020}"
    if field.code == "aaz218":
        return "{visit: aaz218}"
    if field.type == "date":
        return f"{{column: {field.code.upper()}, date: yyyyMMdd}}"
    if field.type == "decimal":
        return f"{{column: {field.code.upper()}, decimal: {field.places}}}"
    return f"{{column: {field.code.upper()}}}"


def feed_yaml(function: FunctionSpec) -> str:
    """A feed mapping every input (required or not) and every dataset field of ``function``."""
    lines = [
        "source: {view: V_SRC, key: ROW_ID}",
        f"function_id: {function.name}",
        "visit: {column: VISIT_NO}",
        "fields:",
        *(f"  {f.code}: {rule_yaml(f)}" for f in function.inputs),
    ]
    if function.datasets:
        lines.append("datasets:")
    for name, fields in function.datasets.items():
        lines += [
            f"  {name}:",
            "    view: V_CHILD",
            "    join: {VISIT_NO: VISIT_NO}",
            "    order_by: SEQ",
            "    fields:",
        ]
        lines += [f"      {f.code}: {rule_yaml(f)}" for f in fields]
    outputs = [f.code for f in function.outputs][:2]
    outputs += [f"{ds}.{rows[0].code}" for ds, rows in function.output_datasets.items() if rows]
    if outputs:
        # a view feed writes into WI_SYNC_STATUS, whose only reply column is aaz218
        lines += ["writeback:", *(f"  {path}: aaz218" for path in outputs)]
    return "\n".join(lines) + "\n"


def test_every_transaction_but_login_has_a_valid_mapping(tmp_path: Path) -> None:
    cat = catalogue.load({"illness_late_upload": LATE_UPLOAD_ID})
    functions = [f for f in cat.all() if f.kind is not CallKind.SESSION]
    assert len(functions) == 29
    for function in functions:
        (tmp_path / f"{function.name}.yaml").write_text(feed_yaml(function), encoding="utf-8")
    feeds = load_mappings(tmp_path, cat)
    assert sorted(feeds) == sorted(f.name for f in functions)
    assert feeds["illness_late_upload"].function == LATE_UPLOAD_ID
    assert feeds["medical_record_patient"].function == "bizh200101"
    assert len(feeds["medical_record_patient"].fields) > 150


def test_outpatient_charge_command_renders_a_refund_row_with_its_serial() -> None:
    feed = feeds_in(VALID)["outpatient_charge"]
    refund = {
        "ITEM_CODE": "Z0001 ",
        "ITEM_NAME": "换药(中)",
        "REFUND_SERIAL": "7",
        "FEE_TIME": dt.date(2024, 3, 5),
        "PRICE": "30",
        "QTY": "-1",
        "AMOUNT": "-30",
        "FEE_ID": "MZ778899",
        "LIMITED": None,
    }
    context = RenderContext(
        key="REQ-1",
        settings={"hospital.akb020": "SS0001"},
        visit={"aaz218": "441900240305000021"},
        params={
            "visit_no": "MZ1",
            "bka893": "结算",
            "operator_no": "0102",
            "operator_name": "赵六",
        },
        datasets={"feeinfo": [refund]},
    )
    rendered = render(feed, {}, context)
    assert rendered.key == "REQ-1"
    assert rendered.params == {
        "akb020": "SS0001",
        "aaz218": "441900240305000021",
        "bka014": "0102",
        "bka015": "赵六",
        "bka893": "1",
    }
    (row,) = rendered.datasets["feeinfo"]
    assert row["aaz213"] == "7"
    assert (row["bka056"], row["bka057"], row["bka058"]) == (
        Decimal("30.0000"),
        Decimal("-1.00"),
        Decimal("-30.00"),
    )
    assert (row["aka036"], row["bka061"], row["ake005"]) == ("0", "0", "Z0001")
    assert feed.params() == {"visit_no", "bka893", "operator_no", "operator_name"}
