"""One reconciliation end to end: :func:`reconcile_day` (nightly) and :func:`reconcile_month`
(the monthly statement).

A day: open a run (RUNNING) → gather the HIS view, the platform and syncd's ledger →
classify → complete the persons of discrepancies → write the reports (HTML, XLSX, CSV) →
store the items and close the run (DONE) → mail the reports when SMTP is configured.  Any
failure closes the run FAILED with its reason and re-raises.  With
``reconcile.monthly_statement_mail`` the run of a month's last day (the nightly run of the
1st) also writes that month's statement and attaches it to the mail.

A month: the same comparison over the calendar month (the platform asked once per person
for the whole month), written as a statement — totals per fund and kind, a daily breakdown,
every difference still open — and not stored as a run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from syncd.config.settings import Settings
from syncd.core.errors import EXIT_ATTENTION, SyncdError
from syncd.core.reconcile_records import FeedColumns
from syncd.db.recon_own import OwnSettlements
from syncd.db.recon_source import HisSettlements, LedgerReader
from syncd.db.recon_store import ReconStore, RunSummary
from syncd.db.schema import staging_tables
from syncd.logs import event
from syncd.mapping import FeedSpec
from syncd.protocol import catalogue as catalogue_module
from syncd.protocol.calls import Caller
from syncd.protocol.catalogue import Catalogue
from syncd.reconcile import reports
from syncd.reconcile.classify import ItemClass, ReconItem, classify, difference_text
from syncd.reconcile.gather import Feeds, HisPort, Rules, gather, identify
from syncd.reconcile.mail import send_report
from syncd.reconcile.period import Period, is_month_end
from syncd.reconcile.platform_side import PlatformSide
from syncd.reconcile.tables import Privacy
from syncd.reconcile.totals import Totals, totals

logger = logging.getLogger(__name__)
EXIT_DISCREPANCIES = EXIT_ATTENTION  # 3: something found that needs a person


@dataclass(frozen=True)
class ReconResult:
    """What one reconciliation found and where its reports are."""

    run_id: int | None  # None: a monthly statement (not stored as a run)
    period: Period
    items: list[ReconItem]
    totals: Totals
    files: reports.ReconReportFiles
    persons: int
    platform_calls: int
    mailed: bool = False
    statement: ReconResult | None = None  # the month's statement written with this day
    statement_error: str = ""  # why that statement could not be written

    @property
    def day(self) -> date:
        return self.period.first

    @property
    def discrepancies(self) -> int:
        return self.totals.discrepancies

    @property
    def exit_code(self) -> int:
        """0 when everything matched, 3 when there is something to look at."""
        return EXIT_DISCREPANCIES if self.discrepancies else 0


@dataclass(frozen=True)
class _Site:
    """What every comparison needs: settings, the database, the platform, the feeds."""

    settings: Settings
    engine: sa.Engine
    client: Caller
    catalogue: Catalogue
    feeds: Feeds
    now: datetime
    commands: Mapping[str, str]  # WI_REQUEST.command → the function it calls

    @property
    def store(self) -> ReconStore:
        s = self.settings.database
        return ReconStore(self.engine, staging_tables(s.table_prefix, s.schema_name))


def _site(
    settings: Settings,
    engine: sa.Engine,
    client: Caller,
    now: datetime | None,
    catalogue: Catalogue | None,
    feeds: Mapping[str, FeedSpec] | None,
) -> _Site:
    now = now or datetime.now(ZoneInfo(settings.platform.session_timezone)).replace(tzinfo=None)
    cat = catalogue or catalogue_module.load(settings.platform.function_ids.model_dump())
    specs = feeds if feeds is not None else _load_feeds(settings, cat)
    commands = {s.source.command: s.function for s in specs.values() if s.source.command}
    return _Site(settings, engine, client, cat, feeds_of(specs, cat), now, commands)


def reconcile_day(
    settings: Settings,
    engine: sa.Engine,
    client: Caller,
    day: date,
    *,
    feeds: Mapping[str, FeedSpec] | None = None,
    now: datetime | None = None,
    catalogue: Catalogue | None = None,
    mail: bool = True,
) -> ReconResult:
    """Reconcile ``day``: store the run and its items, write the reports, mail them.

    ``feeds`` defaults to the mappings in ``folders.mappings``; ``now`` (naive local time,
    for "stuck for too long") defaults to the clock in ``platform.session_timezone``.
    """
    site = _site(settings, engine, client, now, catalogue, feeds)
    store = site.store
    run_id = store.start(day, site.now)
    event(logger, "reconcile.start", run_id=run_id, day=day.isoformat())
    try:
        result = _compare(site, Period.day(day), run_id)
        store.finish(
            run_id, _summary(result), [r for i in result.items for r in stored(i)], site.now
        )
    except SyncdError as exc:
        store.fail(run_id, exc.message, site.now)
        event(logger, "reconcile.failed", logging.ERROR, run_id=run_id)
        raise
    if settings.reconcile.monthly_statement_mail and is_month_end(day):
        result = _with_statement(site, result)
    if mail:
        result = _mail(settings, result)
    event(
        logger,
        "reconcile.done",
        run_id=run_id,
        items=len(result.items),
        discrepancies=result.discrepancies,
    )
    return result


def reconcile_month(
    settings: Settings,
    engine: sa.Engine,
    client: Caller,
    year: int,
    month: int,
    *,
    feeds: Mapping[str, FeedSpec] | None = None,
    now: datetime | None = None,
    catalogue: Catalogue | None = None,
    mail: bool = True,
) -> ReconResult:
    """The monthly statement of ``year``-``month``: written, mailed when SMTP is configured."""
    site = _site(settings, engine, client, now, catalogue, feeds)
    period = Period.month(year, month)
    event(logger, "reconcile.statement", month=period.label)
    result = _compare(site, period, None)
    return _mail(settings, result) if mail else result


def _compare(site: _Site, period: Period, run_id: int | None) -> ReconResult:
    settings = site.settings
    tables = staging_tables(settings.database.table_prefix, settings.database.schema_name)
    rules = Rules(
        settings.delivery.stuck_after_s,
        settings.reconcile.record_due_days,
        settings.reconcile.platform_workers,
    )
    platform = PlatformSide(site.client, site.catalogue, settings.hospital.akb020)
    his: HisPort = HisSettlements(site.engine, settings.reconcile.settlement_view)
    if settings.reconcile.his_source == "syncd":  # a HIS without a settlement table
        his = OwnSettlements(site.engine, tables, site.commands)
    found = gather(
        period, site.now, his, LedgerReader(site.engine, tables), platform, site.feeds, rules
    )
    items, asked = identify(classify(found.his, found.platform, found.findings), found, platform)
    report = reports.Report(
        reports.Hospital(settings.hospital.akb020, settings.hospital.name),
        period,
        run_id,
        site.now,
        items,
        totals(found.his, found.platform, items),
        Privacy(settings.reconcile.include_id_numbers, settings.reconcile.include_names),
    )
    files = reports.write_all(report, Path(settings.folders.reports))
    return ReconResult(
        run_id, period, items, report.totals, files, found.persons, found.platform_calls + asked
    )


def _with_statement(site: _Site, result: ReconResult) -> ReconResult:
    """The day's result with its month's statement (or why there is none: the day's run is
    stored and its mail still goes out)."""
    try:
        return replace(result, statement=_compare(site, Period.month_of(result.day), None))
    except SyncdError as exc:
        event(logger, "reconcile.statement_failed", logging.ERROR, month=f"{result.day:%Y-%m}")
        return replace(result, statement_error=exc.message)


def _summary(result: ReconResult) -> RunSummary:
    items, t, files = result.items, result.totals, result.files
    compared = len({(i.kind, i.aaz218, i.bka001) for i in items if i.kind})
    return RunSummary(
        compared,
        sum(len(stored(i)) for i in items),
        t.discrepancies,
        t.his_total,
        t.platform_total,
        str(files.html),
        str(files.xlsx),
    )


def stored(item: ReconItem) -> list[dict[str, object]]:
    """The ``recon_item`` rows of an item: one per differing figure of an amount difference,
    else one (a ledger finding's feed as its figure, its row count as the HIS value)."""
    batch = f"第{item.bka001}批次；" if item.bka001 else ""
    base = {
        "item_class": item.item_class.value,
        "aaz218": item.aaz218,
        "visit_key": item.visit_key,
        "action": item.action,
    }
    if item.item_class is ItemClass.AMOUNT_DIFF:
        return [
            {
                **base,
                "figure": name,
                "his_value": f"{item.his[name]:.2f}",
                "platform_value": f"{item.platform[name]:.2f}",
                "detail": batch + difference_text(name, item.his[name], item.platform[name]),
            }
            for name in item.differences
        ]
    return [
        {
            **base,
            "figure": item.feed,
            "his_value": str(item.count) if item.count else "",
            "platform_value": "",
            "detail": batch + item.detail,
        }
    ]


def _mail(settings: Settings, result: ReconResult) -> ReconResult:
    smtp = settings.reconcile.smtp
    if not (smtp.host and smtp.to):
        return result
    subject = reports.subject(result.period, result.totals)
    attachments = [result.files.html, result.files.xlsx]
    note = ""
    if result.statement is not None:
        subject += f"（附 {result.statement.period.label} 月度报表）"
        attachments += [result.statement.files.html, result.statement.files.xlsx]
    elif result.statement_error:
        note = f"月度报表未能生成 / the monthly statement failed: {result.statement_error}"
    send_report(smtp, subject, result.files.html, attachments, note)
    return replace(result, mailed=True)


def _load_feeds(settings: Settings, cat: Catalogue) -> dict[str, FeedSpec]:
    from syncd.config.mappings import load_mappings

    return load_mappings(settings.folders.mappings, cat)


def feeds_of(specs: Mapping[str, FeedSpec], cat: Catalogue) -> Feeds:
    """The feeds the reconciliation reads, found by the function they drive."""
    record_id = cat.by_name("medical_record_patient").function_id
    by_function = {s.function: s for s in specs.values() if s.source.view and s.enabled}
    fee = by_function.get("bizh120002")
    discharge = by_function.get("bizh120105")
    record = by_function.get(record_id or "")
    sources = tuple(
        (kind, _columns(spec), spec.fields["aac001"].column or "")
        for kind, function in (("INPATIENT", "bizh120103"), ("OUTPATIENT", "bizh110104"))
        if (spec := by_function.get(function)) is not None
        and _has_visit(spec)
        and "aac001" in spec.fields
        and spec.fields["aac001"].column
    )
    return Feeds(
        fees=_columns(fee) if fee is not None and _has_visit(fee) else None,
        discharge=discharge.feed if discharge else None,
        record=record.feed if record else None,
        person_sources=sources,
    )


def _columns(spec: FeedSpec) -> FeedColumns:
    assert spec.source.view is not None and spec.visit is not None
    return FeedColumns(spec.feed, spec.source.view, spec.source.key, spec.visit.column or "")


def _has_visit(spec: FeedSpec) -> bool:
    return spec.visit is not None and spec.visit.column is not None
