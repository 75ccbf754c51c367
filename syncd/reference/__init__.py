"""The reference HIS: a realistic example schema, the views the shipped mappings read, a seeder.

For joint tests, demos and the test-suite; a hospital adapts the *views* (``views.sql``) to its
own HIS tables and keeps the view and column names (or edits the mappings to match).

* :mod:`.schema` — the ``HIS_*`` tables (SQLAlchemy metadata; names unquoted, upper case);
* :mod:`.views` — the ``V_WI_*`` views of ``views.sql`` per dialect, and the DDL files in
  ``sql/examples/<dialect>/`` (``his_schema.sql``, ``views.sql``);
* :mod:`.people`, :mod:`.activity` — synthetic base data and one day of activity;
* :mod:`.rows` — one builder per kind of HIS row (visit, fee, stay, discharge, 病案 …);
* :mod:`.seeder` — ``seed(engine, day=…, scale=1, rng_seed=7)``; ``prepare_his(engine, patients)``.

Command line: ``python -m syncd.reference --url sqlite:///his.db --day 2026-11-25``.
"""

from __future__ import annotations

from syncd.reference.seeder import SeedReport, prepare_his, seed
from syncd.reference.views import reference_views, render_schema, render_views, view_names

__all__ = [
    "SeedReport",
    "prepare_his",
    "reference_views",
    "render_schema",
    "render_views",
    "seed",
    "view_names",
]
