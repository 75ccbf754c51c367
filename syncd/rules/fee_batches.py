"""How a visit's pending fee rows are cut into calls (pure): every call stays decidable.

A fee upload (bizh120002) whose reply is lost is decided by the stay's pre-settlement total
(120003 ``akc264``, :func:`syncd.rules.resolve.inpatient.fee_batch`): processed when it grew
by the call's sum, not processed when it did not move.  A call whose rows sum to 0 (a charge
and its refund, +22.00/−22.00, or only 0.00 items) leaves the total where it was either way,
so its outcome could never be told.  syncd therefore never composes such a call when the rows
can be cut otherwise:

1. The rows keep the visit's upload order (the mapping's ``order_by``) and each call at most
   ``limit`` rows (``platform.fee_rows_per_call``, at most the platform's 300).
2. The rows are taken in order; a call that would sum to 0 while holding a non-zero row is
   cut after its longest proper prefix whose sum is not 0 — the charges before the refund
   that offsets them — and the rest starts the next call (its sum is minus the prefix's, so
   not 0 either).  A charge and its refund in one upload window therefore go in two calls,
   the positive one first.
3. 0.00 items ride along with their neighbours: they never make a call of their own while
   the visit has a non-zero row pending next to them.
4. Only a call of nothing but 0.00 items (a lone 0.00 item, or 0.00 items at the end of the
   limit) still sums to 0.  The engine holds it back (:func:`zero_call_waits`): it waits for
   the visit's next non-zero row to join, at most ``delivery.zero_fee_wait_s`` seconds after
   it was found; after that it goes alone.  Its outcome, if its reply is then lost, is the one
   fee case the total cannot tell (see the README's list of what still needs a person).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

AMOUNT = "bka058"  # 金额 of a feeinfo row (negative = 退费)
ZERO_WAIT_ZH = (
    "本批费用明细合计为0（仅0.00项目），平台费用总额无法判断其是否已上传："
    "等待该就诊的下一笔非零费用一起上传（最长{}秒）"
)
Cut = tuple[int, int]  # [start, end) of the rows of one call

# --- a stay whose total matches neither case, where the city allows bizh120004 -------------
# (syncd.rules.resolve.inpatient.fee_batch answers it UNDECIDED with remedy "refill")
REFILL_ZH = (
    "syncd 已删除该住院在平台上的全部费用明细（平台费用总额无法判断一批费用是否已上传），"
    "本条重新上传"
)
REFILLING_ZH = (
    "{mismatch}；本统筹区允许删除费用明细：已自动提交删除该住院全部明细（WI_REQUEST {id}，"
    "只自动做一次），删除完成后本批与已上传的明细全部重新上传"
)
REFILL_OPEN_ZH = "结果未知：等待 syncd 自动提交的删除全部费用明细完成，之后查询确认并全部重新上传"
REFILL_TRIED_ZH = "{mismatch}；已自动删除并重新上传过一次，仍无法判断，请人工核对"
OPEN_COMMANDS = ("NEW", "IN_FLIGHT", "UNKNOWN")


def refill_step(allowed: bool, earlier: Sequence[str]) -> str:
    """What a fee total that matches neither case leads to: ``request`` syncd's own deletion
    of the stay's fees and an upload of all its rows again (where the city allows bizh120004
    and none was requested for the visit before), ``wait`` (one is still open), ``person``
    (not allowed, or tried once already)."""
    if not allowed:
        return "person"
    if not earlier:
        return "request"
    return "wait" if any(status in OPEN_COMMANDS for status in earlier) else "person"


def amount_of(row: Mapping[str, object]) -> Decimal:
    """A row's ``bka058`` (0 when empty or unreadable: it moves no total)."""
    value = row.get(AMOUNT)
    if value in (None, ""):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def cuts(amounts: Sequence[Decimal], limit: int) -> list[Cut]:
    """The calls, as [start, end) ranges over ``amounts`` (in upload order), by the rules of
    the module docstring: contiguous, at most ``limit`` rows each, none summing to 0 unless it
    holds only 0 amounts."""
    size = max(1, limit)
    found: list[Cut] = []
    start, end = 0, 0
    while start < len(amounts):
        end = min(start + size, len(amounts))
        cut = _decidable_end(amounts, start, end)
        found.append((start, cut))
        start = cut
    return found


def compose(rows: Sequence[Mapping[str, object]], limit: int) -> list[Cut]:
    """:func:`cuts` of feeinfo rows by their ``bka058`` (the mapping's ``Cutter``)."""
    return cuts([amount_of(row) for row in rows], limit)


def _decidable_end(amounts: Sequence[Decimal], start: int, end: int) -> int:
    """``end``, or an earlier end when [start, end) sums to 0 with a non-zero row in it: the
    longest proper prefix whose sum is not 0 (one exists: the prefix up to the first non-zero
    row is one, and it is proper, or the whole would not sum to 0)."""
    if sum(amounts[start:end], Decimal(0)) != 0 or not any(amounts[start:end]):
        return end
    running, best = Decimal(0), start
    for index in range(start, end - 1):
        running += amounts[index]
        if running != 0:
            best = index + 1
    return best


def all_zero(amounts: Sequence[Decimal]) -> bool:
    """A call of nothing but 0.00 items: its outcome would be undecidable by the total."""
    return bool(amounts) and not any(amounts)


def zero_call_waits(amounts: Sequence[Decimal], waited_s: float, wait_s: float) -> bool:
    """True while a call of only 0.00 items (the last of the visit's pending rows) is held
    back for a non-zero row to join it: for at most ``wait_s`` seconds since its oldest row
    was found (``waited_s``)."""
    return all_zero(amounts) and waited_s < wait_s
