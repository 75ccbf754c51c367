"""The person table ``<p>person`` (:mod:`syncd.db.schema_person`): the look-up's answers.

:class:`PersonStore` satisfies :class:`~syncd.engine.ports.PersonPort`: read the answers for a
set of look-up keys; keep one answer (replacing the key's earlier one).  Two engines saving
the same key at once both succeed: the later write wins (both are answers of the platform).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from syncd.core.records import PERSON_FIELDS, PersonKey, PersonRecord, PersonState
from syncd.db.engine import source_errors
from syncd.db.schema import StagingTables
from syncd.db.schema_person import REASON_LENGTH

_CHUNK = 200  # keys per SELECT (an IN list every database takes)
_TEXT = ("function_id", "call_id", "visit_key", *PERSON_FIELDS)


class PersonStore:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.table = engine, tables.person

    def find(self, keys: Sequence[PersonKey]) -> dict[PersonKey, PersonRecord]:
        """The answers kept for ``keys`` (the keys never asked about are missing)."""
        c, found = self.table.c, {}
        wanted = sorted(set(keys), key=lambda k: (k.kind, k.value))
        with source_errors(self.engine.url, "reading persons"), self.engine.connect() as conn:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                pairs = [sa.and_(c.key_kind == k.kind, c.key_value == k.value) for k in chunk]
                for row in conn.execute(sa.select(self.table).where(sa.or_(*pairs))).mappings():
                    record = _record(row)
                    found[record.key] = record
        return found

    def save(self, record: PersonRecord) -> None:
        """Keep ``record`` as the answer for its key (an earlier answer is replaced)."""
        c, values = self.table.c, _values(record)
        where = (c.key_kind == record.key.kind, c.key_value == record.key.value)
        with source_errors(self.engine.url, "storing a person"), self.engine.begin() as conn:
            if conn.execute(sa.update(self.table).where(*where).values(values)).rowcount:
                return
            try:
                with conn.begin_nested():
                    keys = {"key_kind": record.key.kind, "key_value": record.key.value}
                    conn.execute(sa.insert(self.table).values(**keys, **values))
            except sa.exc.IntegrityError:  # another engine inserted it first: ours is newer
                conn.execute(sa.update(self.table).where(*where).values(values))

    def prune(self, now: datetime, retention_days: int) -> int:
        """Delete the answers not asked again for ``retention_days`` (as the archive keeps
        its exchanges): personal data is not kept longer than the calls that fetched it."""
        cutoff = now - timedelta(days=retention_days)
        stmt = sa.delete(self.table).where(self.table.c.looked_up_at < cutoff)
        with source_errors(self.engine.url, "pruning persons"), self.engine.begin() as conn:
            return int(conn.execute(stmt).rowcount)


def _values(record: PersonRecord) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(record, name) or None for name in _TEXT}
    values.update(
        state=record.state.value,
        reason=record.reason_zh[:REASON_LENGTH] or None,
        looked_up_at=record.looked_up_at,
    )
    return values


def _record(row: sa.RowMapping) -> PersonRecord:
    return PersonRecord(
        key=PersonKey(str(row["key_kind"]), str(row["key_value"])),
        state=PersonState(row["state"]),
        looked_up_at=row["looked_up_at"],
        reason_zh=row["reason"] or "",
        **{name: row[name] or "" for name in _TEXT},
    )
