"""What a concluded call writes: the reply fields, the staging columns, an adopted resolution."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from syncd.core.errors import OperatorError
from syncd.core.records import Outcome
from syncd.engine.delivery import Sent
from syncd.mapping import FeedSpec
from syncd.rules.replies import result_doc, writeback_columns
from syncd.rules.resolve import Found, Resolution, batch_sum, hinted_batch
from syncd.rules.visits import FEE_UPLOAD, OUTPATIENT_CHARGE, TAKES_AAZ218, Visit

PROCESSED_ZH = "经查询确认平台已处理（应答丢失）"
NOT_PROCESSED_ZH = "经查询确认平台未处理，将重新发送"
OPERATOR_PROCESSED_ZH = (
    "人工核对确认平台已处理（未取得应答，金额等结果请在平台查询）"  # --processed
)


def adopt(sent: Sent, found: Resolution) -> Sent:
    """The outcome a resolution stands for: SUCCEEDED (adopt), RETRY (send again), UNKNOWN."""
    if found.found is Found.PROCESSED:
        return Sent(Outcome.SUCCEEDED, sent.call_id, None, PROCESSED_ZH, None, found.fields, True)
    if found.found is Found.NOT_PROCESSED:
        return Sent(Outcome.RETRY, sent.call_id, None, NOT_PROCESSED_ZH, resolved=True)
    return Sent(Outcome.UNKNOWN, sent.call_id, None, found.reason_zh, resolved=True)


def operator_processed(
    call_id: str, function_id: str, params: Mapping[str, object] | None,
    given: Mapping[str, str], visit: Visit | None, hints: Mapping[str, object],
) -> Sent:  # fmt: skip
    """An operator checked the platform: the unsettled call was processed.  The outcome as
    if its reply had come, with ``given`` for what only the reply tells (an admission's
    aaz218, a charge's batch).  ``params``: the call as sent (None: not known); ``hints``: the
    fields of its first step (a refund's batch).  OperatorError says what is wrong."""
    fields = dict(given)
    if ("aaz218" in given) != (function_id in TAKES_AAZ218):
        raise OperatorError("--aaz218 只用于且必须用于入院登记、门诊挂号：给出平台上该业务的"
                            "就医登记号（登记后才能继续上传费用等）")  # fmt: skip
    if params is None and function_id in (FEE_UPLOAD, OUTPATIENT_CHARGE):
        raise OperatorError("归档中没有该调用的报文，也无法按当前HIS数据重建，无法得知本次金额；"
                            "请在平台核对后由 DBA 按 README 的说明手工登记")  # fmt: skip
    settles = function_id == OUTPATIENT_CHARGE and str((params or {}).get("bka893")) == "1"
    if not settles and "payinfo.bka001" in given:
        raise OperatorError("--bka001 只用于门诊结算或退费")
    if settles:
        fields["payinfo.bka001"] = _batch_given(given.get("payinfo.bka001", ""), visit, hints)
    return Sent(Outcome.SUCCEEDED, call_id, None, OPERATOR_PROCESSED_ZH, None, fields, True)


def _batch_given(given: str, visit: Visit | None, hints: Mapping[str, object]) -> str:
    """The batch of an outpatient settlement (a new one: after the visit's last known batch)
    or of a refund (the batch its first step named)."""
    refunded = hinted_batch(hints)
    if refunded:
        if given and given != refunded:
            raise OperatorError(f"本次退费的是第{refunded}批次，--bka001 应为 {refunded}")
        return refunded
    last = visit.last_batch if visit else 0
    if not given.isdigit() or int(given) <= last:
        raise OperatorError(f"请用 --bka001 给出平台上该次结算的批次号（数字，大于本就诊已知的"
                            f"最后批次 {last}）")  # fmt: skip
    return given


def fields_for(
    function_id: str, sent: Sent, datasets: Mapping[str, Sequence[Mapping[str, object]]]
) -> dict[str, str]:
    """The reply fields, plus ``feeinfo.sum`` for a fee upload (the visit's known total)."""
    fields = dict(sent.fields)
    if function_id == FEE_UPLOAD and "feeinfo.sum" not in fields:
        fields["feeinfo.sum"] = str(batch_sum(datasets.get("feeinfo", ())))
    return fields


def result_for(sent: Sent, fields: Mapping[str, str]) -> dict[str, Any]:
    """``result_json`` of a success: the reply, or the fields a resolution or an operator
    adopted (no reply came)."""
    by = "operator" if sent.message == OPERATOR_PROCESSED_ZH else "query"
    return result_doc(sent.program, fields if sent.resolved else None, by=by)


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
    doc = result_for(sent, fields)
    columns["result_json"] = json.dumps(doc, ensure_ascii=False)
    aaz218 = fields.get("aaz218") or (visit.aaz218 if visit else "")
    if aaz218:
        columns["aaz218"] = aaz218
    columns.update(writeback_columns(spec.writeback, fields, writable))
    return columns
