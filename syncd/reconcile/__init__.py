"""Reconciliation of the work-injury settlements: nightly per day (issue 7), monthly
statements and the reports the finance office uses (issue 20).

``reconcile_day(settings, engine, client, day)`` compares the HIS view of the day's
settlements, syncd's ledger and the platform, stores the run in ``recon_run``/``recon_item``,
writes the HTML/XLSX/CSV reports into ``folders.reports`` and mails them when
``reconcile.smtp`` is configured; ``reconcile_month(…, year, month)`` does the same comparison
over a calendar month and writes the monthly statement.  Modules: :mod:`.classify` (the pure
diff), :mod:`.totals` and :mod:`.period` (pure), :mod:`.gather` (the three sides, over
ports), :mod:`.platform_side` (120102 / slip / 110103 / 110001 by person), :mod:`.tables`
(the report's tables, pure), :mod:`.reports`, :mod:`.report_html`, :mod:`.report_xlsx`,
:mod:`.mail`, :mod:`.run` (the composition).
"""

from __future__ import annotations

from syncd.reconcile.classify import ItemClass, ReconItem
from syncd.reconcile.period import Period
from syncd.reconcile.run import EXIT_DISCREPANCIES, ReconResult, reconcile_day, reconcile_month

__all__ = [
    "EXIT_DISCREPANCIES",
    "ItemClass",
    "Period",
    "ReconItem",
    "ReconResult",
    "reconcile_day",
    "reconcile_month",
]
