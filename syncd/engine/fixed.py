"""Fix, then send again (L3): a REJECTED row whose mapped values changed since it was
rejected — the DBA fixed the HIS data, a code table, the person — is sent again by itself.

When a row is rejected (the platform refused its call, or it cannot be mapped), the
fingerprint of what it maps to (:func:`fingerprint`: the request it renders on its own, or
the mapping's refusal) is stored with it.  Each tick, a feed compares up to ``batch_size`` of
its REJECTED rows whose comparison is due (every ``delivery.recheck_rejected_s``) with what
they map to now: one indexed read, one read of the view by key, a rendering per row.  A row
that maps to something else goes back to PENDING as a new attempt, with the other REJECTED
rows of its call (safe: the platform did not process a rejected call), and its status
history says so; an unchanged row is compared again later; a row gone from the view, or
superseded by a newer version (which is sent as a row of its own), is not compared again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from syncd.core.records import OutboxRow, PersonKey, PersonRecord, SourceRow
from syncd.engine.prepare import Preparation
from syncd.logs import event
from syncd.mapping import FeedSpec
from syncd.rules.visits import Visit

if TYPE_CHECKING:
    from syncd.engine.pipeline import FeedPipeline

logger = logging.getLogger(__name__)


def fingerprint(
    prep: Preparation,
    spec: FeedSpec,
    row: SourceRow,
    visit: Visit | None,
    persons: Mapping[PersonKey, PersonRecord] | None = None,
) -> str:
    """What ``row`` maps to on its own (its request(s), or why it cannot be mapped), hashed:
    equal exactly when the same request would be sent (or the same refusal given).
    ``persons``: the person look-ups' answers kept for it."""
    prepared = prep.rows(spec, [row], visit, persons)
    doc: object
    if prepared.refused:
        _, error = prepared.refused[0]
        doc = ["refused", error.field, error.reason_zh]
    else:
        doc = [
            [call.function_id, call.params, call.datasets]
            for one in prepared.calls
            for call in one.requests
        ]
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class FixedRows:
    """One feed's rejected rows: fingerprinted when rejected, compared again when due."""

    def __init__(self, pipeline: FeedPipeline, compare_s: float) -> None:
        self.pipeline, self.compare_s = pipeline, compare_s

    @property
    def on(self) -> bool:
        return self.compare_s > 0

    def remember(
        self, rows: Sequence[OutboxRow], view: Mapping[str, SourceRow], visit: Visit | None
    ) -> None:
        """Rows just REJECTED: store what they map to (rows not in ``view`` are left out)."""
        p = self.pipeline
        if not self.on or p.prep is None:
            return
        found = {row.id: view[row.source_key] for row in rows if row.source_key in view}
        prints = {i: self.fingerprint(r, visit) for i, r in found.items()}
        when = p.exchange.clock() + timedelta(seconds=self.compare_s)
        p.store.rejected.remember(prints, when)

    def fingerprint(self, row: SourceRow, visit: Visit | None) -> str:
        p = self.pipeline
        assert p.prep is not None, "tick() prepares"
        persons = p.persons.kept(p.prep, p.spec, [row]) if p.persons is not None else None
        return fingerprint(p.prep, p.spec, row, visit, persons)

    def run(self) -> int:
        """Compare the rows due; the number of rows queued again."""
        p = self.pipeline
        if not self.on or p.prep is None:
            return 0
        now, store = p.exchange.clock(), p.store.rejected
        due = store.due(p.spec.feed, now, p.batch_size)
        if not due:
            return 0
        view = p.source.by_keys([row.source_key for row in due])
        same, gone, resent = [], [], 0
        for row in due:
            found = view.get(row.source_key)
            if found is None or found.version != row.version:
                gone.append(row.id)
                continue
            visit = p.visit_of(row.visit_key)
            if self.fingerprint(found, visit) == row.fingerprint:
                same.append(row.id)
                continue
            queued = store.resend(p.spec.feed, row, now)
            resent += queued
            if queued:
                event(
                    logger, "feed.resend_fixed", feed=p.spec.feed, key=row.source_key, rows=queued
                )
        store.later(same, now + timedelta(seconds=self.compare_s))
        store.forget(gone)
        return resent
