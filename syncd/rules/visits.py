"""The visit state machines of spec §7 as data, and what they allow now (pure).

A feed's ``requires.visit`` names the kind and state(s) a visit must be in.  :func:`check`
answers READY, WAIT (the visit can still get there: a fee row before its admission; costs no
attempt) or REFUSE (it never will as it stands: a fee row after discharge, a visit of the other
kind, a cancelled visit) with a Chinese reason written back for the HIS user.
:func:`effect` is what a success does to the visit (FEEDS.md "visit-state effects").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from syncd.core.records import BlockingRow, SyncStatus, VisitState

STATE_ZH: Mapping[str, str] = {
    "NONE": "未登记",
    "REGISTERED": "已挂号",
    "ADMITTED": "在院",
    "DISCHARGED": "已出院登记",
    "SETTLED": "已结算",
    "CANCELLED": "已取消",
}
KIND_ZH: Mapping[str, str] = {"OUTPATIENT": "门诊", "INPATIENT": "住院"}

# The forward order of each kind's states: a visit "can still get to" a later state.
FORWARD: Mapping[str, tuple[str, ...]] = {
    "INPATIENT": ("NONE", "ADMITTED", "DISCHARGED", "SETTLED"),
    "OUTPATIENT": ("NONE", "REGISTERED"),
}

# function_id → state after success (spec §7; FEEDS.md).  Other calls leave the state alone.
NEXT_STATE: Mapping[str, str] = {
    "bizh110104": "REGISTERED",
    "bizh110106": "CANCELLED",
    "bizh120103": "ADMITTED",
    "bizh120105": "DISCHARGED",
    "bizh120106": "SETTLED",
    "bizh120107": "DISCHARGED",
    "bizh120108": "ADMITTED",
    "bizh120109": "CANCELLED",
}
TAKES_AAZ218 = frozenset({"bizh110104", "bizh120103"})
# what a blocked row's reason calls the row it waits behind
FUNCTION_ZH: Mapping[str, str] = {
    "bizh110104": "门诊登记",
    "bizh110105": "门诊收费",
    "bizh110106": "门诊登记取消",
    "bizh120002": "住院费用明细上传",
    "bizh120103": "入院登记",
    "bizh120105": "出院登记",
    "bizh120106": "出院结算",
    "bizh120107": "出院结算取消",
    "bizh120108": "出院登记取消",
    "bizh120109": "入院登记取消",
}
OUTPATIENT_CHARGE = "bizh110105"
FEE_UPLOAD = "bizh120002"
FEE_DELETE = "bizh120004"


class VisitVerdict(StrEnum):
    READY = "READY"
    WAIT = "WAIT"
    REFUSE = "REFUSE"


@dataclass(frozen=True)
class Visit:
    """What the engine knows of one HIS visit (the ledger row; state NONE when new)."""

    visit_key: str
    kind: str
    state: str = VisitState.NONE.value
    aaz218: str = ""
    aac001: str = ""
    last_batch: int = 0
    fee_amount: str = "0"

    def fields(self) -> dict[str, object]:
        """The values a mapping reads with ``{visit: …}``."""
        return {
            "aaz218": self.aaz218,
            "aac001": self.aac001,
            "visit_key": self.visit_key,
            "kind": self.kind,
            "state": self.state,
        }


@dataclass(frozen=True)
class VisitLook:
    """What one look at a visit before (and after) an intent reads, in one statement: the
    ledger row (None: not asked, or none of either kind), the statuses of the visit's rows
    of the feeds asked for (every feed asked for is a key; one entry per row), and how many
    of the visit's fee-deletion commands are IN_FLIGHT or UNKNOWN."""

    visit: Visit | None
    statuses: Mapping[str, list[SyncStatus]]
    open_deletes: int = 0


@dataclass(frozen=True)
class VisitCheck:
    verdict: VisitVerdict
    reason_zh: str = ""
    blocked_by: str = ""  # a WAIT behind a refused or failed row: which ("feed:key")


READY = VisitCheck(VisitVerdict.READY)


def check(
    kind: str | None, states: Sequence[str], visit: Visit | None, *, can_wait: bool
) -> VisitCheck:
    """May a call needing a ``kind`` visit in one of ``states`` go now?

    ``can_wait`` is true for fact-view rows (they wait for an earlier state to move on) and
    false for commands (the HIS user asked now: an unmet state is refused at once).
    """
    if kind is None:
        return READY
    state = visit.state if visit else VisitState.NONE.value
    if visit is not None and visit.kind != kind and state != VisitState.NONE.value:
        return VisitCheck(
            VisitVerdict.REFUSE, f"就诊类型为{KIND_ZH[visit.kind]}，此交易需要{KIND_ZH[kind]}"
        )
    if state in states:
        return READY
    reason = f"就诊状态为{STATE_ZH[state]}，此交易需要{'或'.join(STATE_ZH[s] for s in states)}"
    if can_wait and _reachable(kind, state, states):
        return VisitCheck(VisitVerdict.WAIT, "等待" + reason.replace("，此交易需要", "变为"))
    return VisitCheck(VisitVerdict.REFUSE, reason)


def moved_by(kind: str, state: str, states: Sequence[str]) -> tuple[str, ...]:
    """The calls whose success takes a ``kind`` visit from ``state`` on towards one of
    ``states`` (an admission for a fee row of a stay not admitted yet): the rows a WAIT on the
    visit's state may be blocked behind."""
    order = FORWARD.get(kind, ())
    if state not in order:
        return ()
    wanted = [order.index(s) for s in states if s in order]
    ahead = set(order[order.index(state) + 1 : max(wanted, default=-1) + 1])
    return tuple(sorted(f for f, to in NEXT_STATE.items() if to in ahead))


def blocker(rows: Sequence[BlockingRow], failed_only: bool) -> BlockingRow | None:
    """Of a visit's rows calling the functions a WAIT needs (newest first), the one it waits
    behind: the newest REJECTED or FAILED row of a function none of whose rows succeeded or
    is still open; with ``failed_only`` (the feeds it comes after), the newest FAILED row."""
    if failed_only:
        return next((r for r in rows if r.status == "FAILED"), None)
    done = {r.function_id for r in rows if r.status not in ("REJECTED", "FAILED")}
    return next((r for r in rows if r.function_id not in done), None)


def blocked(
    check: VisitCheck, function_id: str, status: str, reason: str, where: str
) -> VisitCheck:
    """The WAIT ``check`` as it is now: behind row ``where`` (feed:key) calling
    ``function_id``, REJECTED (sent again by itself once the HIS data is fixed) or FAILED
    (re-queued by an operator) with ``reason``."""
    what = FUNCTION_ZH.get(function_id, function_id)
    if status == "REJECTED":
        text = f"{what}被拒绝：{reason}；修正后将自动重发"
    else:
        text = f"{what}发送失败：{reason}；处理后重新排队（syncd retry --failed）"
    return VisitCheck(check.verdict, text, where)


def _reachable(kind: str, state: str, states: Sequence[str]) -> bool:
    """Is one of ``states`` ahead of ``state`` on the kind's forward path?"""
    order = FORWARD[kind]
    if state not in order:
        return False
    return any(s in order and order.index(s) > order.index(state) for s in states)


def after_feeds_pending(statuses: Sequence[str]) -> VisitCheck:
    """``requires.after``: wait while any row of those feeds for the visit is not done.  A
    FAILED row is not done either: it waits for an operator's ``syncd retry`` (a discharge
    must not go while one of the stay's fee rows never reached the platform)."""
    failed = [s for s in statuses if s == "FAILED"]
    if failed:
        return VisitCheck(
            VisitVerdict.WAIT,
            f"本次就诊有{len(failed)}条前序数据发送失败，请处理后重新排队（syncd retry）",
        )
    open_rows = [s for s in statuses if s not in ("SUCCEEDED", "REJECTED")]
    if open_rows:
        return VisitCheck(VisitVerdict.WAIT, f"等待本次就诊的{len(open_rows)}条前序数据处理完成")
    return READY


AFTER_FEEDS_UNREAD = VisitCheck(VisitVerdict.WAIT, "前序数据较多，尚未全部读取，读取完后再发送")


def unsettled_calls_pending(statuses: Sequence[str]) -> VisitCheck:
    """A state-changing or money feed: wait while an earlier call of the same feed for the
    visit is IN_FLIGHT or UNKNOWN.  Its outcome is resolved by query (a fee batch by the
    platform's total against the known sum, a change by the fields the platform shows), which
    only works while at most one call of the visit is unsettled and nothing newer overtook it."""
    unsettled = [s for s in statuses if s in ("IN_FLIGHT", "UNKNOWN")]
    if unsettled:
        return VisitCheck(
            VisitVerdict.WAIT, f"本次就诊有{len(unsettled)}条同类交易结果待确认，确认后再发送"
        )
    return READY


def behind_person(check: VisitCheck, feed: str, key: str, reason_zh: str) -> VisitCheck:
    """A row that waits behind an UNKNOWN only a person can decide says so: which one, and
    its reason (what to check), so the HIS and the operator see why nothing moves."""
    return VisitCheck(
        check.verdict,
        f"等待人工核对：本次就诊的 {feed} {key} 结果未知（{reason_zh}），"
        "在平台核对并用 syncd retry 登记结论后再发送",
    )


def fee_deletion_pending(unsettled: int) -> VisitCheck:
    """A fee upload (bizh120002) waits while a fee deletion (bizh120004) of the visit is
    IN_FLIGHT or UNKNOWN: the deletion is judged by the platform's fee total (bizh120003),
    which an upload would move (and an upload's by the same total, which a deletion resets)."""
    if unsettled:
        return VisitCheck(VisitVerdict.WAIT, "该就诊的费用删除结果待确认，费用暂缓上传")
    return READY


def fee_upload_pending(unsettled: int) -> VisitCheck:
    """A fee deletion is refused while a fee upload of the visit is IN_FLIGHT or UNKNOWN (the
    same total again; the cashier asked now, so it is refused rather than kept waiting)."""
    if unsettled:
        return VisitCheck(VisitVerdict.REFUSE, "该就诊有费用上传结果待确认，请稍后再试删除")
    return READY


SAME_KIND_PENDING_ZH = "该就诊有同类交易结果待确认，请稍后再试"


def same_kind_pending(unsettled: int) -> VisitCheck:
    """A state-changing or money command is refused (the cashier asked now) while another
    command of the visit with the same function is IN_FLIGHT or UNKNOWN: a charge's outcome is
    judged by the batches after the last known one, which a later charge would move."""
    if unsettled:
        return VisitCheck(VisitVerdict.REFUSE, SAME_KIND_PENDING_ZH)
    return READY


@dataclass(frozen=True)
class VisitChange:
    """What a success changes on the visit (None/empty: unchanged)."""

    state: str | None = None
    aaz218: str = ""
    last_batch: int | None = None
    fee_delta: str = ""  # Decimal text added to the known uploaded fee sum
    fee_rows: int = 0  # fee rows the upload carried (WI_VISIT.fee_rows; fee_count: calls)
    fee_reset: bool = False
    refill: bool = False  # syncd's own fee deletion: the visit's uploaded fee rows go again


VisitEffect = tuple[Visit, VisitChange]  # a visit and what a result changes in it


def effect(function_id: str, sent: Mapping[str, object], reply: Mapping[str, str]) -> VisitChange:
    """The visit change of a successful call with request params ``sent`` and reply fields.

    ``reply`` holds the reply's scalars plus ``payinfo.bka001`` and ``feeinfo.sum`` (the sum of
    ``bka058`` of the rows sent) when present.
    """
    aaz218 = reply.get("aaz218", "") if function_id in TAKES_AAZ218 else ""
    change = VisitChange(state=NEXT_STATE.get(function_id), aaz218=aaz218)
    if function_id == OUTPATIENT_CHARGE and str(sent.get("bka893", "")) == "1":
        batch = reply.get("payinfo.bka001", "")
        return VisitChange(last_batch=int(batch)) if batch.isdigit() else change
    if function_id == FEE_UPLOAD:
        rows = reply.get("feeinfo.rows", "")
        return VisitChange(fee_delta=reply.get("feeinfo.sum", ""), fee_rows=int(rows or 0))
    if function_id == FEE_DELETE:
        return VisitChange(fee_reset=True)
    return change
