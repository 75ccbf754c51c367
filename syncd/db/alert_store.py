"""``<p>alert``: each alert's state as last announced, so a restart does not announce it again.

One row per alert name (none: never raised).  ``owed`` lists the channels that have not yet
carried the current state (a mail server down, a rate limit): they are sent later, also after
a restart.  Every change is a compare-and-set on ``version``: when several engines share the
database, one of them announces a change and one of them sends what is owed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from syncd.db.engine import source_errors
from syncd.db.schema import StagingTables
from syncd.db.schema_columns import MESSAGE_LENGTH


@dataclass(frozen=True)
class AlertRow:
    name: str
    active: bool
    since: datetime | None
    detail: str
    owed: tuple[str, ...]
    claimed_until: datetime | None
    version: int


class AlertStore:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.table = engine, tables.alert

    def _errors(self, doing: str) -> Any:
        return source_errors(self.engine.url, f"{doing} ({self.table.name})")

    def load(self) -> dict[str, AlertRow]:
        with self._errors("reading alerts"), self.engine.connect() as conn:
            rows = conn.execute(sa.select(self.table)).mappings()
            return {str(r["name"]): _row(r) for r in rows}

    def change(
        self,
        name: str,
        active: bool,
        detail: str,
        owed: Sequence[str],
        now: datetime,
        expected: AlertRow | None,
    ) -> bool:
        """Record a new state (it holds from ``now``), owed to ``owed``; False when another
        engine changed the row first (then it announces, not us)."""
        values = {
            "active": int(active),
            "since": now,
            "detail": detail[:MESSAGE_LENGTH] or None,
            "owed": ",".join(owed) or None,
            "claimed_until": None,
            "updated_at": now,
        }
        with self._errors("recording an alert"):
            if expected is None:
                try:
                    with self.engine.begin() as conn:
                        conn.execute(sa.insert(self.table).values(name=name, version=0, **values))
                    return True
                except sa.exc.IntegrityError:
                    return False
            return self._update(name, expected.version, {**values, "version": expected.version + 1})

    def claim(self, row: AlertRow, now: datetime, until: datetime) -> AlertRow | None:
        """Take the sending of what ``row`` owes until ``until``; None when another engine
        holds it or the row changed."""
        c = self.table.c
        free = sa.or_(c.claimed_until.is_(None), c.claimed_until < now)
        stmt = (
            sa.update(self.table)
            .where(c.name == row.name, c.version == row.version, free)
            .values(claimed_until=until, version=row.version + 1)
        )
        with self._errors("claiming an alert"), self.engine.begin() as conn:
            if conn.execute(stmt).rowcount != 1:
                return None
        return AlertRow(
            row.name, row.active, row.since, row.detail, row.owed, until, row.version + 1
        )

    def settle(self, row: AlertRow, owed: Sequence[str], now: datetime) -> bool:
        """After sending: what is still owed; the claim ends.  False when the state changed
        meanwhile (the new state is owed to every channel anyway)."""
        values = {"owed": ",".join(owed) or None, "claimed_until": None, "updated_at": now}
        return self._update(row.name, row.version, values)

    def _update(self, name: str, version: int, values: dict[str, Any]) -> bool:
        c = self.table.c
        stmt = sa.update(self.table).where(c.name == name, c.version == version).values(**values)
        with self._errors("updating an alert"), self.engine.begin() as conn:
            return bool(conn.execute(stmt).rowcount == 1)


def _row(r: Any) -> AlertRow:
    owed = tuple(part for part in str(r["owed"] or "").split(",") if part)
    return AlertRow(
        str(r["name"]),
        bool(r["active"]),
        r["since"],
        str(r["detail"] or ""),
        owed,
        r["claimed_until"],
        int(r["version"]),
    )
