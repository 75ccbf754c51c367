"""Gather the three sides of a reconciliation period (L3, over small Protocol ports).

1. the HIS view's rows of the period (a day, or a month for the statement) →
   :class:`Settlement`\\ s (an aaz218 the HIS did not record is taken from syncd's visit
   ledger);
2. the persons seen in the period on either side (the view's PERSON_NO, plus the persons of
   visits whose platform state syncd changed then, read from the admission/registration views)
   → the platform's businesses and settlements, one person at a time, ``workers`` in
   parallel;
3. syncd's ledger: stuck rows, fee rows of the period's settled visits never uploaded,
   病案首页 overdue ``record_due_days`` after discharge (counted to the period's last day),
   calls of the period concluded with a flagged reply (``result_json.reply_flag``: figures off
   their §8.1 identities, several ``payinfo`` rows, repeated elements).

:func:`identify` completes the persons of discrepancy items afterwards: names and ID numbers
the HIS view and the platform's business replies left out are asked of the platform
(bizh110001 by 电脑号), once per person.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from syncd.core.reconcile_records import FeedColumns, FlaggedReply, HisRow, StuckRow
from syncd.reconcile.classify import (
    FIGURES,
    Finding,
    InsuredPerson,
    ItemClass,
    ReconItem,
    Settlement,
    persons_of,
    with_persons,
)
from syncd.reconcile.period import Period
from syncd.reconcile.platform_side import PersonSettlements
from syncd.rules.replies import flag_zh

_STATUS_ZH = {
    "UNKNOWN": "结果未知",
    "FAILED": "发送失败",
    "IN_FLIGHT": "发送中超时",
    "NEW": "命令长时间未处理",
}


class HisPort(Protocol):
    def settlements(self, start: datetime, end: datetime) -> list[HisRow]: ...


class LedgerPort(Protocol):
    def visit_numbers(self, visit_keys: Sequence[str]) -> dict[tuple[str, str], str]: ...

    def visits_touched(self, start: datetime, end: datetime) -> list[tuple[str, str, str]]: ...

    def persons(
        self, source: FeedColumns, person_column: str, visit_keys: Sequence[str]
    ) -> dict[str, str]: ...

    def stuck(self, now: datetime, stuck_after_s: float) -> list[StuckRow]: ...

    def flagged(self, start: datetime, end: datetime) -> list[FlaggedReply]: ...

    def unsent_rows(self, source: FeedColumns, visit_keys: Sequence[str]) -> dict[str, int]: ...

    def overdue(
        self, discharge_feed: str, record_feed: str, cutoff: datetime
    ) -> list[tuple[str, str, datetime]]: ...


class PlatformPort(Protocol):
    def person_period(
        self, aac001: str, period: Period, wanted: frozenset[str]
    ) -> PersonSettlements: ...

    def identity(self, aac001: str) -> InsuredPerson: ...


@dataclass(frozen=True)
class Feeds:
    """The feeds the reconciliation reads (from the mappings); None = not configured."""

    fees: FeedColumns | None = None  # inpatient fee upload (bizh120002)
    discharge: str | None = None  # discharge registration feed (bizh120105)
    record: str | None = None  # 病案首页 feed (medical_record_patient)
    person_sources: tuple[tuple[str, FeedColumns, str], ...] = ()  # (kind, feed, person col)


@dataclass(frozen=True)
class Rules:
    stuck_after_s: float
    record_due_days: int
    workers: int = 4


@dataclass(frozen=True)
class Gathered:
    his: list[Settlement]
    platform: list[Settlement]
    findings: list[Finding]
    persons: int
    platform_calls: int


def gather(
    period: Period,
    now: datetime,
    his: HisPort,
    ledger: LedgerPort,
    platform: PlatformPort,
    feeds: Feeds,
    rules: Rules,
) -> Gathered:
    """Everything :func:`~syncd.reconcile.classify.classify` needs for ``period``."""
    start, end = period.bounds()
    rows = his.settlements(start, end)
    his_side = his_settlements(rows, ledger)
    persons = persons_of_period(rows, start, end, ledger, feeds)
    wanted = frozenset(s.aaz218 for s in his_side if s.aaz218)
    found = _platform_side(platform, sorted(persons), period, wanted, rules.workers)
    platform_side = [s for f in found for s in f.settlements]
    findings = ledger_findings(period.last, now, his_side, ledger, feeds, rules)
    findings += flagged_findings(ledger, start, end)
    return Gathered(his_side, platform_side, findings, len(persons), sum(f.calls for f in found))


def identify(
    items: Sequence[ReconItem], found: Gathered, platform: PlatformPort
) -> tuple[list[ReconItem], int]:
    """The items with their persons completed (and the platform calls that took): first from
    every settlement of either side, then, for discrepancy items still lacking a name or an
    ID number, from the platform's person look-up."""
    known = persons_of([*found.his, *found.platform])
    items = with_persons(items, known)
    missing = sorted(
        {
            i.person.aac001
            for i in items
            if i.item_class.is_discrepancy and i.person.aac001 and not i.person.complete
        }
    )
    asked = {aac001: platform.identity(aac001) for aac001 in missing}
    return with_persons(items, asked), len(asked)


def his_settlements(rows: Sequence[HisRow], ledger: LedgerPort) -> list[Settlement]:
    known = ledger.visit_numbers([r.text("visit_no") for r in rows if not r.text("aaz218")])
    return [_his_settlement(row, known) for row in rows]


def _his_settlement(row: HisRow, known: dict[tuple[str, str], str]) -> Settlement:
    kind, visit = row.text("visit_kind").upper(), row.text("visit_no")
    batch = row.text("bka001")
    person = InsuredPerson(row.text("person_no"), row.text("aac002"), row.text("aac003"))
    return Settlement(
        kind=kind,
        aaz218=row.text("aaz218") or known.get((visit, kind), ""),
        bka001=int(float(batch)) if batch and kind == "OUTPATIENT" else 0,
        visit_key=visit,
        cancelled=row.text("cancelled") == "1",
        figures=row.figures(FIGURES),
        person=person,
        settled_at=row.values.get("settle_time"),
    )


def persons_of_period(
    rows: Sequence[HisRow], start: datetime, end: datetime, ledger: LedgerPort, feeds: Feeds
) -> set[str]:
    """InsuredPerson numbers of the HIS rows and of the visits syncd moved on the platform then."""
    persons = {r.text("person_no") for r in rows if r.text("person_no")}
    touched = ledger.visits_touched(start, end)
    for kind, source, column in feeds.person_sources:
        keys = [visit for visit, visit_kind, _ in touched if visit_kind == kind]
        if keys:
            persons |= set(ledger.persons(source, column, keys).values())
    return persons


def _platform_side(
    platform: PlatformPort, persons: list[str], period: Period, wanted: frozenset[str], workers: int
) -> list[PersonSettlements]:
    if workers <= 1 or len(persons) <= 1:
        return [platform.person_period(p, period, wanted) for p in persons]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reconcile") as pool:
        return list(pool.map(lambda p: platform.person_period(p, period, wanted), persons))


def ledger_findings(
    day: date,
    now: datetime,
    his: Sequence[Settlement],
    ledger: LedgerPort,
    feeds: Feeds,
    rules: Rules,
) -> list[Finding]:
    findings = [_stuck(row) for row in ledger.stuck(now, rules.stuck_after_s)]
    findings += _unsent_fees(his, ledger, feeds)
    findings += _overdue_records(day, ledger, feeds, rules.record_due_days)
    return findings


def _stuck(row: StuckRow) -> Finding:
    since = f"，自 {row.since:%Y-%m-%d %H:%M}" if row.since else ""
    return Finding(
        ItemClass.STUCK,
        visit_key=row.visit_key,
        aaz218=row.aaz218,
        feed=row.feed,
        detail=f"{row.feed} {row.key}：{_STATUS_ZH.get(row.status, row.status)}{since}",
    )


def flagged_findings(ledger: LedgerPort, start: datetime, end: datetime) -> list[Finding]:
    """One finding per call of [start, end) concluded with a flagged reply; a command that
    names only its visit gets the visit's aaz218 from the ledger (when one kind has it)."""
    rows = ledger.flagged(start, end)
    known: dict[str, set[str]] = {}
    for (visit, _), aaz218 in ledger.visit_numbers(
        [r.visit_key for r in rows if not r.aaz218 and r.visit_key]
    ).items():
        if aaz218:
            known.setdefault(visit, set()).add(aaz218)
    return [_flagged(row, known.get(row.visit_key, set())) for row in rows]


def _flagged(row: FlaggedReply, visit_numbers: set[str]) -> Finding:
    call = f"{row.feed} {row.key}" + (f"（{row.function_id}）" if row.function_id else "")
    at = f"，{row.at:%Y-%m-%d %H:%M}" if row.at else ""
    ledger_aaz218 = next(iter(visit_numbers)) if len(visit_numbers) == 1 else ""
    return Finding(
        ItemClass.REPLY_FLAGGED,
        visit_key=row.visit_key,
        aaz218=row.aaz218 or ledger_aaz218,
        feed=row.feed,
        detail=f"{call}{at} 办结：{flag_zh(row.result_json) or '应答已标记'}",
    )


def _unsent_fees(his: Sequence[Settlement], ledger: LedgerPort, feeds: Feeds) -> list[Finding]:
    if feeds.fees is None:
        return []
    settled = {s.visit_key: s for s in his if s.kind == "INPATIENT" and not s.cancelled}
    counts = ledger.unsent_rows(feeds.fees, sorted(settled))
    return [
        Finding(
            ItemClass.FEES_NOT_UPLOADED,
            visit_key=visit,
            aaz218=settled[visit].aaz218,
            feed=feeds.fees.feed,
            count=count,
            detail=f"{count} 条费用明细未上传平台（{feeds.fees.feed}）",
        )
        for visit, count in sorted(counts.items())
        if count
    ]


def _overdue_records(day: date, ledger: LedgerPort, feeds: Feeds, due_days: int) -> list[Finding]:
    if feeds.discharge is None or feeds.record is None:
        return []
    cutoff = Period.day(day - timedelta(days=due_days)).bounds()[1]
    return [
        Finding(
            ItemClass.RECORD_OVERDUE,
            visit_key=visit,
            aaz218=aaz218,
            feed=feeds.record,
            detail=f"{at:%Y-%m-%d} 出院登记，已超过 {due_days} 天未上传病案首页",
        )
        for visit, aaz218, at in ledger.overdue(feeds.discharge, feeds.record, cutoff)
    ]
