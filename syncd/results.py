"""What a concluded call writes: the reply fields, the staging columns, an adopted resolution."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from syncd.delivery import Sent
from syncd.mapping import FeedSpec
from syncd.records import Outcome
from syncd.replies import result_doc, writeback_columns
from syncd.resolve import Found, Resolution, batch_sum
from syncd.visits import FEE_UPLOAD, Visit

PROCESSED_ZH = "经查询确认平台已处理（应答丢失）"
NOT_PROCESSED_ZH = "经查询确认平台未处理，将重新发送"


def adopt(sent: Sent, found: Resolution) -> Sent:
    """The outcome a resolution stands for: SUCCEEDED (adopt), RETRY (send again), UNKNOWN."""
    if found.found is Found.PROCESSED:
        return Sent(Outcome.SUCCEEDED, sent.call_id, None, PROCESSED_ZH, None, found.fields, True)
    if found.found is Found.NOT_PROCESSED:
        return Sent(Outcome.RETRY, sent.call_id, None, NOT_PROCESSED_ZH, resolved=True)
    return Sent(Outcome.UNKNOWN, sent.call_id, None, found.reason_zh, resolved=True)


def fields_for(
    function_id: str, sent: Sent, datasets: Mapping[str, Sequence[Mapping[str, object]]]
) -> dict[str, str]:
    """The reply fields, plus ``feeinfo.sum`` for a fee upload (the visit's known total)."""
    fields = dict(sent.fields)
    if function_id == FEE_UPLOAD and "feeinfo.sum" not in fields:
        fields["feeinfo.sum"] = str(batch_sum(datasets.get("feeinfo", ())))
    return fields


def columns_for(
    spec: FeedSpec, sent: Sent, fields: Mapping[str, str], visit: Visit | None,
    writable: frozenset[str],
) -> dict[str, object]:  # fmt: skip
    """Staging columns of the outbox row: reply code and message, result, write-back."""
    columns: dict[str, object] = {"request_id": sent.call_id}
    if sent.return_code is not None or sent.outcome is Outcome.SUCCEEDED:
        columns["return_code"] = sent.return_code
        columns["return_code_message"] = sent.message[:1000]
    if sent.outcome is not Outcome.SUCCEEDED:
        return columns
    columns["last_error"] = None
    doc = result_doc(sent.program, fields if sent.resolved else None)
    columns["result_json"] = json.dumps(doc, ensure_ascii=False)
    aaz218 = fields.get("aaz218") or (visit.aaz218 if visit else "")
    if aaz218:
        columns["aaz218"] = aaz218
    columns.update(writeback_columns(spec.writeback, fields, writable))
    return columns
