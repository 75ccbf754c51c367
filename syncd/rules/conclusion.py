"""How one platform call ended, and the transition that makes of its unit (pure).

A :class:`Conclusion` is the one value every path through the exchange ends in: a reply
checked by the client (``by=REPLY``), an UNKNOWN decided by a resolution query (``QUERY``)
or an operator's verdict (``OPERATOR``).  :func:`transition_of` turns it into the unit's
next status with the outbox policy (:mod:`syncd.rules.outbox`); :func:`fields_for` and
:func:`result_for` are what a success writes back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from syncd.core.records import ArchiveEntry, ConcludedBy, Outcome
from syncd.protocol.decoded import Program
from syncd.rules import outbox
from syncd.rules.replies import FLAG_KEY, ReplyFlag, result_doc
from syncd.rules.resolve.question import batch_sum
from syncd.rules.visits import FEE_UPLOAD

Datasets = Mapping[str, Sequence[Mapping[str, object]]]


@dataclass(frozen=True)
class Conclusion:
    """How one call ended: the outcome, the reply (or what a query or an operator adopted),
    and how that was learnt."""

    outcome: Outcome
    call_id: str
    return_code: str | None = None
    message: str = ""
    reply: Program | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    by: ConcludedBy = ConcludedBy.REPLY
    flag: ReplyFlag = field(default_factory=ReplyFlag)  # false: the reply read cleanly
    unarchived: ArchiveEntry | None = None  # the exchange, archived with the result

    @property
    def succeeded(self) -> bool:
        return self.outcome is Outcome.SUCCEEDED


def transition_of(
    ended: Conclusion,
    kind: str,
    attempts: int,
    policy: outbox.RetryPolicy,
    now: datetime,
    draw: float,
) -> outbox.Transition:
    """The unit's next status after a call that used attempt number ``attempts``: a query
    that proved the call not processed sends it again at once (or gives up once the attempts
    are used); every other ending follows :func:`~syncd.rules.outbox.after_outcome`."""
    if ended.outcome is Outcome.RETRY and ended.by is ConcludedBy.QUERY:
        return outbox.not_processed(attempts, policy, now)
    return outbox.after_outcome(ended.outcome, kind, attempts, policy, now, draw)


def fields_for(function_id: str, ended: Conclusion, datasets: Datasets) -> dict[str, str]:
    """The reply fields, plus ``feeinfo.sum`` (the visit's known total) and ``feeinfo.rows``
    (the rows it carried) for a fee upload."""
    fields = dict(ended.fields)
    if function_id == FEE_UPLOAD and "feeinfo.sum" not in fields:
        fields["feeinfo.sum"] = str(batch_sum(datasets.get("feeinfo", ())))
    if function_id == FEE_UPLOAD and "feeinfo.rows" not in fields:
        fields["feeinfo.rows"] = str(len(datasets.get("feeinfo", ())))
    return fields


def result_for(ended: Conclusion, fields: Mapping[str, str]) -> dict[str, Any]:
    """``result_json`` of a success: the reply, or the fields a resolution or an operator
    adopted (no reply came), marked with who found them; a flagged reply's flag under
    ``reply_flag``."""
    adopted = None if ended.by is ConcludedBy.REPLY else fields
    doc = result_doc(ended.reply, adopted, by=ended.by.value)
    if ended.flag:
        doc[FLAG_KEY] = ended.flag.as_json()
    return doc
