"""Nightly reconciliation of the day's work-injury settlements (issue 7).

``reconcile_day(settings, engine, client, day)`` compares the HIS view of the day's
settlements, syncd's ledger and the platform, stores the run in ``recon_run``/``recon_item``,
writes the HTML/XLSX/CSV reports into ``folders.reports`` and mails the HTML report when
``reconcile.smtp`` is configured.  Modules: :mod:`.classify` (the pure diff),
:mod:`.gather` (the three sides, over ports), :mod:`.platform_side` (120102 / slip / 110103
by person), :mod:`.reports`, :mod:`.mail`, :mod:`.run` (the composition).
"""

from __future__ import annotations

from syncd.reconcile.classify import Item, ItemClass
from syncd.reconcile.run import EXIT_DISCREPANCIES, ReconResult, reconcile_day

__all__ = ["EXIT_DISCREPANCIES", "Item", "ItemClass", "ReconResult", "reconcile_day"]
