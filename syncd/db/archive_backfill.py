"""Fill in the search columns of messages archived before they existed (``init-db``).

The archive's ``aac001`` and ``fields_v`` came with the console's message search
(:mod:`syncd.db.schema`); new exchanges are archived with them, older rows have ``fields_v``
NULL.  :func:`backfill` reads those rows in id order, :data:`BATCH` at a time, parses their XML
once (:func:`syncd.protocol.archived.search_fields`) and writes the person, the platform visit
number (where the row had none) and ``fields_v`` in one short transaction per batch: an
interrupted run loses at most one batch, and the next run goes on from the rows still NULL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from syncd.db.engine import source_errors
from syncd.db.schema import StagingTables
from syncd.protocol.archived import FIELDS_VERSION, search_fields

BATCH = 200  # rows read (with their XML) and written per transaction


def pending_statement(tables: StagingTables, after: int, limit: int) -> sa.Select[Any]:
    c = tables.message.c
    stale = sa.or_(c.fields_v.is_(None), c.fields_v < FIELDS_VERSION)
    return (
        sa.select(c.id, c.request_xml, c.reply_xml)
        .where(stale, c.id > after)
        .order_by(c.id)
        .limit(limit)
    )


def backfill(
    engine: sa.Engine,
    tables: StagingTables,
    *,
    batch: int = BATCH,
    max_rows: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Fill the search columns of every archived row that lacks them (at most ``max_rows``);
    how many rows were filled.  ``progress`` hears the running total after each batch."""
    t = tables.message
    fill = (
        sa.update(t)
        .where(t.c.id == sa.bindparam("b_id"))
        .values(
            aac001=sa.bindparam("b_aac001"),
            aaz218=sa.func.coalesce(t.c.aaz218, sa.bindparam("b_aaz218")),
            fields_v=FIELDS_VERSION,
        )
    )
    done, after = 0, 0
    with source_errors(engine.url, "filling in the archive's search columns"):
        while max_rows is None or done < max_rows:
            limit = batch if max_rows is None else min(batch, max_rows - done)
            with engine.connect() as conn:
                rows = conn.execute(pending_statement(tables, after, limit)).all()
            if not rows:
                break
            values = []
            for row_id, request, reply in rows:
                found = search_fields(request, reply)
                values.append({"b_id": row_id, "b_aac001": found.aac001, "b_aaz218": found.aaz218})
            with engine.begin() as conn:
                conn.execute(fill, values)
            done, after = done + len(rows), int(rows[-1][0])
            if progress is not None:
                progress(done)
    return done
