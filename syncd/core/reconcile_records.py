"""What the nightly reconciliation reads from the stores (L0 vocabulary, no behaviour beyond
reading a value): the HIS settlement rows, rows stuck unsettled, the audit log, calls concluded
with a flagged reply, and where each feed's rows live."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class HisRow:
    """One row of the HIS settlement view, columns by lower-case name."""

    values: Mapping[str, Any]

    def text(self, name: str) -> str:
        value = self.values.get(name)
        return "" if value is None else str(value).strip()

    def figures(self, names: Iterable[str]) -> dict[str, Decimal]:
        """The figure columns among ``names`` the view has, to two places."""
        return {
            name: Decimal(str(self.values[name])).quantize(Decimal("0.01"))
            for name in names
            if self.values.get(name) is not None
        }


@dataclass(frozen=True)
class StuckRow:
    feed: str
    key: str
    visit_key: str
    aaz218: str
    status: str
    since: datetime | None


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log (``<p>audit``): who did what to which rows, how many, the
    statuses before and after, from where.  Rows are named by key, never by personal data."""

    username: str
    action: str
    feed: str | None = None
    source_key: str | None = None
    row_count: int | None = None
    status_before: str | None = None
    status_after: str | None = None
    detail: str | None = None
    client: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class FlaggedReply:
    """A call concluded with a flagged reply (``result_json.reply_flag``): a feed's row or a
    command (``feed`` is then the command, ``key`` its id)."""

    feed: str
    key: str
    function_id: str
    visit_key: str
    aaz218: str
    result_json: str
    at: datetime | None


@dataclass(frozen=True)
class FeedColumns:
    """Where a feed's rows live: view, key column(s) and the visit column."""

    feed: str
    view: str
    key: tuple[str, ...]
    visit: str
