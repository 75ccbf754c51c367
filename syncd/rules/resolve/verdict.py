"""The verdict on an unsettled call (pure): what was found becomes how the call ended.

* :func:`adopted` — a resolution query's answer.  PROCESSED is adopted as if the reply had
  come (its fields: aaz218, batch, figures); NOT_PROCESSED sends the call again — unless it
  was asked right after the call (``just_sent``), when the platform may still be working on
  it: then it stays UNKNOWN and is asked again after the in-flight window; UNDECIDED stays
  UNKNOWN with the reason, for an operator.
* :func:`by_operator` — an operator checked the platform and found the call processed
  (``syncd retry … --processed``), with what only the reply tells (aaz218, batch).

:func:`syncd.rules.conclusion.transition_of` then gives the unit's status (attempts, policy
and now in, the transition out).
"""

from __future__ import annotations

from collections.abc import Mapping

from syncd.core.errors import OperatorError
from syncd.core.records import ConcludedBy, Outcome
from syncd.rules.conclusion import Conclusion
from syncd.rules.resolve.question import Found, Resolution, hinted_batch
from syncd.rules.visits import FEE_UPLOAD, OUTPATIENT_CHARGE, TAKES_AAZ218, Visit

PROCESSED_ZH = "经查询确认平台已处理（应答丢失）"
NOT_PROCESSED_ZH = "经查询确认平台未处理，将重新发送"
STILL_RUNNING_ZH = (
    "结果未知：平台暂未查到此交易，可能仍在处理，稍后再查询确认（确认未处理后才重发）"
)
OPERATOR_PROCESSED_ZH = (
    "人工核对确认平台已处理（未取得应答，金额等结果请在平台查询）"  # --processed
)


def adopted(found: Resolution, call_id: str, *, just_sent: bool = False) -> Conclusion:
    """The ending a resolution stands for: SUCCEEDED (adopt), RETRY (send again), UNKNOWN."""
    if found.found is Found.PROCESSED:
        return Conclusion(
            Outcome.SUCCEEDED, call_id, None, PROCESSED_ZH, None, found.fields, ConcludedBy.QUERY
        )
    if found.found is Found.NOT_PROCESSED and not just_sent:
        return Conclusion(Outcome.RETRY, call_id, message=NOT_PROCESSED_ZH, by=ConcludedBy.QUERY)
    reason = STILL_RUNNING_ZH if found.found is Found.NOT_PROCESSED else found.reason_zh
    return unsettled(call_id, reason)


def unsettled(call_id: str, reason_zh: str) -> Conclusion:
    """The call stays UNKNOWN with ``reason_zh`` (it cannot be decided now)."""
    return Conclusion(Outcome.UNKNOWN, call_id, message=reason_zh, by=ConcludedBy.QUERY)


def by_operator(
    call_id: str,
    function_id: str,
    params: Mapping[str, object] | None,
    given: Mapping[str, str],
    visit: Visit | None,
    hints: Mapping[str, object],
) -> Conclusion:
    """An operator checked the platform: the unsettled call was processed.  The ending as
    if its reply had come, with ``given`` for what only the reply tells (an admission's
    aaz218, a charge's batch).  ``params``: the call as sent (None: not known); ``hints``: the
    fields of its first step (a refund's batch).  OperatorError says what is wrong."""
    fields = dict(given)
    if ("aaz218" in given) != (function_id in TAKES_AAZ218):
        raise OperatorError(
            "--aaz218 只用于且必须用于入院登记、门诊挂号：给出平台上该业务的"
            "就医登记号（登记后才能继续上传费用等） / --aaz218 is for, and required by, an "
            "admission or a registration"
        )
    if params is None and function_id in (FEE_UPLOAD, OUTPATIENT_CHARGE):
        raise OperatorError(
            "归档中没有该调用的报文，也无法按当前HIS数据重建，无法得知本次金额；"
            "请在平台核对后由 DBA 按 README 的说明手工登记 / the call is neither archived "
            "nor rebuildable: its amount is unknown"
        )
    settles = function_id == OUTPATIENT_CHARGE and str((params or {}).get("bka893")) == "1"
    if not settles and "payinfo.bka001" in given:
        raise OperatorError("--bka001 只用于门诊结算或退费 / --bka001 is for an outpatient charge")
    if settles:
        fields["payinfo.bka001"] = _batch_given(given.get("payinfo.bka001", ""), visit, hints)
    return Conclusion(
        Outcome.SUCCEEDED, call_id, None, OPERATOR_PROCESSED_ZH, None, fields, ConcludedBy.OPERATOR
    )


def _batch_given(given: str, visit: Visit | None, hints: Mapping[str, object]) -> str:
    """The batch of an outpatient settlement (a new one: after the visit's last known batch)
    or of a refund (the batch its first step named)."""
    refunded = hinted_batch(hints)
    if refunded:
        if given and given != refunded:
            raise OperatorError(
                f"本次退费的是第{refunded}批次，--bka001 应为 {refunded} / "
                f"this refund gives back batch {refunded}"
            )
        return refunded
    last = visit.last_batch if visit else 0
    if not given.isdigit() or int(given) <= last:
        raise OperatorError(
            f"请用 --bka001 给出平台上该次结算的批次号（数字，大于本就诊已知的最后批次 {last}） / "
            f"give the platform's batch number with --bka001 (a number above {last})"
        )
    return given
