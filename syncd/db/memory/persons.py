"""The person table in memory (stands for :class:`~syncd.db.person_store.PersonStore`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from syncd.core.records import PersonKey, PersonRecord

REASON_LENGTH = 1000  # as the table's column (syncd.db.schema_person)


class MemoryPersons:
    def __init__(self) -> None:
        self.rows: dict[PersonKey, PersonRecord] = {}

    def find(self, keys: Sequence[PersonKey]) -> dict[PersonKey, PersonRecord]:
        return {key: self.rows[key] for key in set(keys) if key in self.rows}

    def prune(self, now: datetime, retention_days: int) -> int:
        cutoff = now - timedelta(days=retention_days)
        old = [key for key, record in self.rows.items() if record.looked_up_at < cutoff]
        for key in old:
            del self.rows[key]
        return len(old)

    def save(self, record: PersonRecord) -> None:
        self.rows[record.key] = replace(record, reason_zh=record.reason_zh[:REASON_LENGTH])
