"""What a concluded call writes: the reply fields, the staging columns, an adopted resolution."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from syncd.delivery import Sent
from syncd.errors import OperatorError
from syncd.mapping import FeedSpec
from syncd.records import Outcome
from syncd.replies import result_doc, writeback_columns
from syncd.resolve import Found, Resolution, batch_sum
from syncd.visits import FEE_UPLOAD, OUTPATIENT_CHARGE, TAKES_AAZ218, Visit

PROCESSED_ZH = "经查询确认平台已处理（应答丢失）"
NOT_PROCESSED_ZH = "经查询确认平台未处理，将重新发送"
OPERATOR_PROCESSED_ZH = "人工核对确认平台已处理"  # `syncd retry … --processed`


def adopt(sent: Sent, found: Resolution) -> Sent:
    """The outcome a resolution stands for: SUCCEEDED (adopt), RETRY (send again), UNKNOWN."""
    if found.found is Found.PROCESSED:
        return Sent(Outcome.SUCCEEDED, sent.call_id, None, PROCESSED_ZH, None, found.fields, True)
    if found.found is Found.NOT_PROCESSED:
        return Sent(Outcome.RETRY, sent.call_id, None, NOT_PROCESSED_ZH, resolved=True)
    return Sent(Outcome.UNKNOWN, sent.call_id, None, found.reason_zh, resolved=True)


def operator_processed(
    call_id: str, function_id: str, params: Mapping[str, object] | None,
    given: Mapping[str, str],
) -> Sent:  # fmt: skip
    """An operator checked the platform: the unsettled call was processed.  The outcome as
    if its reply had come, with ``given`` for what only the reply tells (an admission's
    aaz218, a charge's batch).  ``params``: the call as sent (None: not known), needed where
    the visit ledger takes something from it.  OperatorError says what is missing."""
    if function_id in TAKES_AAZ218 and not given.get("aaz218"):
        raise OperatorError(
            "请用 --aaz218 给出平台上该业务的就医登记号（登记后才能继续上传费用等）"
        )
    if params is None and function_id in (FEE_UPLOAD, OUTPATIENT_CHARGE):
        raise OperatorError("归档中没有该调用的报文（已过保留期或未写入），无法得知本次金额；"
                            "请按 README 的 SQL 手工登记")  # fmt: skip
    settles = function_id == OUTPATIENT_CHARGE and str((params or {}).get("bka893")) == "1"
    if settles and not given.get("payinfo.bka001"):
        raise OperatorError("请用 --bka001 给出平台上该次结算（或退费）的批次号")
    return Sent(Outcome.SUCCEEDED, call_id, None, OPERATOR_PROCESSED_ZH, None, given, True)


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
