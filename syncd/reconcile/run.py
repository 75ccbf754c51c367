"""One reconciliation of a day, end to end: :func:`reconcile_day`.

Called by the daemon's nightly slot and by ``syncd reconcile --date``.  Steps: open a run
(RUNNING) → gather the HIS view, the platform and syncd's ledger → classify → write the
reports (HTML, XLSX, CSV) → store the items and close the run (DONE) → mail the HTML report
when SMTP is configured.  Any failure closes the run FAILED with its reason and re-raises.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from syncd.config.settings import Settings
from syncd.core.errors import SyncdError
from syncd.core.records import FeedColumns
from syncd.db.recon_source import HisSettlements, LedgerReader
from syncd.db.recon_store import ReconStore, RunSummary
from syncd.db.schema import staging_tables
from syncd.engine.delivery import Caller
from syncd.logs import event
from syncd.mapping import FeedSpec
from syncd.protocol import catalogue as catalogue_module
from syncd.protocol.catalogue import Catalogue
from syncd.reconcile import reports
from syncd.reconcile.classify import Item, Totals, classify, totals
from syncd.reconcile.gather import Feeds, Gathered, Rules, gather
from syncd.reconcile.mail import send_report
from syncd.reconcile.platform_side import PlatformSide

logger = logging.getLogger(__name__)
EXIT_DISCREPANCIES = 2


@dataclass(frozen=True)
class ReconResult:
    """What one run found and where its reports are."""

    run_id: int
    day: date
    items: list[Item]
    totals: Totals
    files: reports.ReportFiles
    persons: int
    platform_calls: int
    mailed: bool

    @property
    def discrepancies(self) -> int:
        return self.totals.discrepancies

    @property
    def exit_code(self) -> int:
        """0 when everything matched, 2 when there is something to look at."""
        return EXIT_DISCREPANCIES if self.discrepancies else 0


def reconcile_day(
    settings: Settings, engine: sa.Engine, client: Caller, day: date, *,
    feeds: Mapping[str, FeedSpec] | None = None, now: datetime | None = None,
    catalogue: Catalogue | None = None, mail: bool = True,
) -> ReconResult:  # fmt: skip
    """Reconcile ``day``: store the run and its items, write the reports, mail them.

    ``feeds`` defaults to the mappings in ``folders.mappings``; ``now`` (naive local time,
    for "stuck for too long") defaults to the clock in ``platform.session_timezone``.
    """
    now = now or datetime.now(ZoneInfo(settings.platform.session_timezone)).replace(tzinfo=None)
    cat = catalogue or catalogue_module.load(settings.platform.function_ids.model_dump())
    specs = feeds if feeds is not None else _load_feeds(settings, cat)
    tables = staging_tables(settings.database.table_prefix, settings.database.schema_name)
    store = ReconStore(engine, tables)
    run_id = store.start(day, now)
    event(logger, "reconcile.start", run_id=run_id, day=day.isoformat())
    try:
        result = _run(settings, engine, client, day, now, cat, specs, store, run_id)
    except SyncdError as exc:
        store.fail(run_id, exc.message, now)
        event(logger, "reconcile.failed", logging.ERROR, run_id=run_id)
        raise
    if mail:
        result = _mail(settings, result)
    event(logger, "reconcile.done", run_id=run_id, items=len(result.items),
          discrepancies=result.discrepancies)  # fmt: skip
    return result


def _run(settings: Settings, engine: sa.Engine, client: Caller, day: date, now: datetime,
         cat: Catalogue, specs: Mapping[str, FeedSpec], store: ReconStore,
         run_id: int) -> ReconResult:  # fmt: skip
    tables = staging_tables(settings.database.table_prefix, settings.database.schema_name)
    rules = Rules(settings.delivery.stuck_after_s, settings.reconcile.record_due_days,
                  settings.reconcile.platform_workers)  # fmt: skip
    found = gather(
        day, now, HisSettlements(engine, settings.reconcile.settlement_view),
        LedgerReader(engine, tables), PlatformSide(client, cat, settings.hospital.akb020),
        feeds_of(specs, cat), rules,
    )  # fmt: skip
    items = classify(found.his, found.platform, found.findings)
    summary_totals = totals(found.his, found.platform, items)
    report = reports.Report(day, run_id, now, items, summary_totals,
                            reports.Privacy(settings.reconcile.include_id_numbers,
                                            settings.reconcile.include_names))  # fmt: skip
    files = reports.write_all(report, Path(settings.folders.reports))
    store.finish(run_id, _summary(found, items, summary_totals, files),
                 [_stored(item) for item in items], now)  # fmt: skip
    return ReconResult(run_id, day, items, summary_totals, files, found.persons,
                       found.platform_calls, mailed=False)  # fmt: skip


def _summary(found: Gathered, items: list[Item], t: Totals, files: reports.ReportFiles
             ) -> RunSummary:  # fmt: skip
    compared = len({(i.kind, i.aaz218, i.bka001) for i in items if i.kind})
    return RunSummary(compared, len(items), t.discrepancies, t.his_total, t.platform_total,
                      str(files.html), str(files.xlsx))  # fmt: skip


def _stored(item: Item) -> dict[str, object]:
    batch = f"第{item.bka001}批次；" if item.bka001 else ""
    return {
        "item_class": item.item_class.value, "aaz218": item.aaz218, "visit_key": item.visit_key,
        "figure": item.figure, "his_value": item.his_value,
        "platform_value": item.platform_value, "detail": batch + item.detail,
        "action": item.action,
    }  # fmt: skip


def _mail(settings: Settings, result: ReconResult) -> ReconResult:
    smtp = settings.reconcile.smtp
    if not (smtp.host and smtp.to):
        return result
    subject = reports.subject(result.day, result.totals)
    send_report(smtp, subject, result.files.html)
    return ReconResult(**{**result.__dict__, "mailed": True})


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
        record=record.feed if record else None, person_sources=sources,
    )  # fmt: skip


def _columns(spec: FeedSpec) -> FeedColumns:
    assert spec.source.view is not None and spec.visit is not None
    return FeedColumns(spec.feed, spec.source.view, spec.source.key, spec.visit.column or "")


def _has_visit(spec: FeedSpec) -> bool:
    return spec.visit is not None and spec.visit.column is not None
