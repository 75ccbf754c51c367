"""Resolving an UNKNOWN outcome by asking the platform (design.md, "Delivery rules").

A state-changing or money call whose reply was lost may or may not have been processed.  It is
never sent again blindly: one strategy per function asks with a query the spec already knows
and answers PROCESSED (adopt what the query shows: aaz218, batch, figures), NOT_PROCESSED (safe
to send again) or UNDECIDED (stays UNKNOWN, shown to operators, asked again later; never
re-sent).  The strategies read only their arguments; ``ask`` makes the query call and returns
the reply, or None when the query itself failed (then the answer is UNDECIDED).  A query whose
function id a site may configure (the settlement slip) is asked with the id in
:class:`~syncd.rules.resolve.question.Question`.  The strategies are in :mod:`.inpatient` and
:mod:`.outpatient`; what the engine then does with a resolution (adopt, send again, keep
UNKNOWN) is the pure verdict step :mod:`.verdict`.

===================== =====================================================================
call                  how it is decided
===================== =====================================================================
bizh120103 admission  120102 by person (aac001, 未结算): one business with our 住院号 bka025
                      → processed (adopt aaz218), none → not processed; several → the one
                      shown with the admission date bka017 and ward bka021 we sent, or of
                      those the one still open (no bka032); still several → undecided
bizh120002 fees       120003 akc264 vs the known uploaded sum: = known + batch → processed,
                      = known → not processed, anything else → undecided (operator); a
                      batch that nets to 0 → undecided unasked (both sums are the same;
                      syncd composes none unless it holds only 0.00 items:
                      :mod:`syncd.rules.fee_batches`)
bizh120104 modify     120102 by aaz218: every modifiable field we sent (non-empty) shown
                      with our value → processed; one differs or is not shown → not
                      processed (idempotent; a newer change of the stay waits meanwhile);
                      not found → undecided.  The spec's bizinfo carries bka019/021/023/
                      025/503 only, so a change of bka020/022, ykc679/680 is sent again
bizh120004 fee delete 120003 akc264 vs the known uploaded sum: 0 (known ≠ 0) → processed,
                      = known (≠ 0) → not processed, anything else → undecided (operator)
bizh120105 discharge  120102 by aaz218: 出院日期 bka032 set → processed
bizh120106 settlement 120102 by aaz218: bka891=1 → processed (figures from the slip, asked
                      with the configured id platform.function_ids.settlement_slip)
bizh120107 / 120108   120102 by aaz218: no longer settled / no 出院日期 → processed
bizh120109            120102 by aaz218: the business is gone (cancelled) → processed
bizh110104 register   110102 by person on the visit day: one business with our bka025 →
                      processed (adopt aaz218), none → not processed, several → undecided
bizh110105 charge     110103 bka001=0 lists the batches (``batchinfo``, aae100 0=refunded
                      [inferred]): one batch after the last known one → processed (adopt
                      it), none → not processed, several → undecided; a trial (bka893=0)
                      changes nothing → not processed
bizh110105 refund     the batch its 110103 step asked for (hint ``bka001``; without one,
                      the batch all-negative rows name): aae100=0 → processed (its figures
                      negated: a refund gives back the whole batch), aae100=1 → not
                      processed; no aae100: the batch's rows still in 110103's feeinfo
                      (it lists only what can be refunded) → not processed, none there →
                      processed; not listed / neither told / no batch known → undecided
bizh110106 cancel     110102 by aaz218: the business is gone → processed
===================== =====================================================================

病案首页 uploads and queries never get here: they are safe to repeat and are simply sent again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from syncd.rules.resolve import inpatient, outpatient
from syncd.rules.resolve.question import (
    NOT_PROCESSED,
    Ask,
    Found,
    Question,
    Resolution,
    batch_sum,
    hinted_batch,
    processed,
    undecided,
)


def resolve(call: Question, ask: Ask) -> Resolution:
    """Decide an UNKNOWN with the function's strategy; UNDECIDED when there is none."""
    strategy = STRATEGIES.get(call.function_id)
    if strategy is None:
        return undecided("结果未知：此交易无法通过查询确认，请人工核对后重新提交")
    return strategy(call, ask)


STRATEGIES: Mapping[str, Callable[[Question, Ask], Resolution]] = {
    "bizh120103": inpatient.admission,
    "bizh120002": inpatient.fee_batch,
    "bizh120104": inpatient.modify,
    "bizh120004": inpatient.delete_fees,
    "bizh120105": inpatient.discharge,
    "bizh120106": inpatient.settlement,
    "bizh120107": inpatient.cancel_settlement,
    "bizh120108": inpatient.cancel_discharge,
    "bizh120109": inpatient.cancel_admission,
    "bizh110104": outpatient.registration,
    "bizh110105": outpatient.charge,
    "bizh110106": outpatient.cancel_registration,
}

__all__ = [
    "NOT_PROCESSED",
    "STRATEGIES",
    "Ask",
    "Found",
    "Question",
    "Resolution",
    "batch_sum",
    "hinted_batch",
    "processed",
    "resolve",
    "undecided",
]
