"""The fingerprint of what a row maps to (fix, then send again): equal exactly when the same
request would be sent, or the same refusal given."""

from __future__ import annotations

from syncd.core.records import SourceRow
from syncd.db.memory import MemoryChildViews
from syncd.engine.fixed import fingerprint
from syncd.engine.prepare import Preparation, RenderInputs
from syncd.mapping import FeedSpec
from syncd.rules.visits import Visit

FEES = FeedSpec.model_validate(
    {
        "source": {"view": "V_FEE", "key": "FEE_ID"},
        "function_id": "bizh120002",
        "visit": {"column": "VISIT_NO"},
        "fields": {"akb020": {"setting": "hospital.akb020"}, "aaz218": {"visit": "aaz218"}},
        "batch": {
            "dataset": "feeinfo",
            "order_by": ["FEE_ID"],
            "fields": {
                "ake005": {"column": "ITEM", "required": True},
                "bka058": {"column": "AMOUNT", "decimal": 2},
            },
        },
    }
).model_copy(update={"feed": "fees"})
PREP = Preparation(RenderInputs({"hospital.akb020": "SS0001"}, {}, 300), MemoryChildViews())
VISIT = Visit("ZY1", "INPATIENT", "ADMITTED", aaz218="Z1")


def row(**values: object) -> SourceRow:
    return SourceRow(
        "1", "", {"FEE_ID": 1, "VISIT_NO": "ZY1", "ITEM": "X1", "AMOUNT": "1.00"} | values
    )


def test_the_same_mapped_values_give_the_same_fingerprint() -> None:
    assert fingerprint(PREP, FEES, row(), VISIT) == fingerprint(PREP, FEES, row(), VISIT)
    # a column the mapping does not read, or a visit field it does not send, changes nothing
    assert fingerprint(PREP, FEES, row(), VISIT) == fingerprint(
        PREP, FEES, row(NOTE="x"), Visit("ZY1", "INPATIENT", "DISCHARGED", aaz218="Z1")
    )


def test_a_fixed_value_a_fixed_visit_or_a_filled_gap_changes_it() -> None:
    before = fingerprint(PREP, FEES, row(), VISIT)
    assert fingerprint(PREP, FEES, row(AMOUNT="2.00"), VISIT) != before
    assert fingerprint(PREP, FEES, row(), Visit("ZY1", "INPATIENT", aaz218="Z2")) != before
    missing = fingerprint(PREP, FEES, row(ITEM=None), VISIT)
    assert missing != before
    assert fingerprint(PREP, FEES, row(ITEM=None), VISIT) == missing  # the same refusal
