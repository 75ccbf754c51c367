"""What the demo shows: live counts while the engine works and the summary table at the end,
both read from the staging tables (``WI_SYNC_STATUS``, ``WI_REQUEST``, ``WI_MESSAGE``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from syncd.core.bilingual import table
from syncd.db.schema import StagingTables
from syncd.mapping import FeedSpec
from syncd.protocol.catalogue import Catalogue

# WI_REQUEST statuses counted like WI_SYNC_STATUS ones
_COMMAND_STATUS = {"NEW": "PENDING", "DONE": "SUCCEEDED"}
HEADINGS = (
    ("交易", "function"),
    ("名称", "transaction"),
    ("发送报文", "calls sent"),
    ("成功", "succeeded"),
    ("拒绝", "rejected"),
    ("等待", "waiting"),
    ("其他", "other"),
)


@dataclass
class SummaryLine:
    """One transaction of the summary."""

    function_id: str
    name_zh: str
    sent: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    def cells(self) -> list[str]:
        s = self.statuses
        other = sum(n for k, n in s.items() if k not in ("SUCCEEDED", "REJECTED", "WAITING"))
        values = (self.sent, s["SUCCEEDED"], s["REJECTED"], s["WAITING"], other)
        return [self.function_id, self.name_zh, *(str(v) for v in values)]


class DemoTables:
    """Reads the counts the progress line and the summary show."""

    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.tables = engine, tables

    def counts(self) -> Counter[str]:
        """Rows per status over feeds and commands (commands mapped onto feed statuses)."""
        total: Counter[str] = Counter()
        with self.engine.connect() as conn:
            for status, n in _by_status(conn, self.tables.sync_status):
                total[status] += n
            for status, n in _by_status(conn, self.tables.request):
                total[_COMMAND_STATUS.get(status, status)] += n
        return total

    def summary(self, feeds: Mapping[str, FeedSpec], catalogue: Catalogue) -> list[SummaryLine]:
        lines: dict[str, SummaryLine] = {}

        def line(function_id: str) -> SummaryLine:
            if function_id not in lines:
                lines[function_id] = SummaryLine(function_id, _name(catalogue, function_id))
            return lines[function_id]

        with self.engine.connect() as conn:
            for function_id, n in self._sent(conn):
                line(function_id).sent += n
            for function_id, status, reason, n in self._feed_rows(conn):
                _count(line(function_id), status, reason, n)
            for command, status, reason, n in self._command_rows(conn):
                function_id = wire_id(catalogue, _command_function(feeds, command))
                _count(line(function_id), _COMMAND_STATUS.get(status, status), reason, n)
        return sorted(lines.values(), key=lambda x: x.function_id)

    def _sent(self, conn: sa.Connection) -> list[tuple[str, int]]:
        m = self.tables.message
        stmt = sa.select(m.c.function_id, sa.func.count()).group_by(m.c.function_id)
        return [(str(f), int(n)) for f, n in conn.execute(stmt)]

    def _feed_rows(self, conn: sa.Connection) -> list[tuple[str, str, str, int]]:
        s = self.tables.sync_status
        reason = sa.func.coalesce(s.c.return_code_message, s.c.last_error, "")
        stmt = sa.select(s.c.function_id, s.c.status, reason, sa.func.count()).group_by(
            s.c.function_id, s.c.status, reason
        )
        return [(str(f), str(st), str(r), int(n)) for f, st, r, n in conn.execute(stmt)]

    def _command_rows(self, conn: sa.Connection) -> list[tuple[str, str, str, int]]:
        r = self.tables.request
        reason = sa.func.coalesce(r.c.return_code_message, r.c.last_error, "")
        stmt = sa.select(r.c.command, r.c.status, reason, sa.func.count()).group_by(
            r.c.command, r.c.status, reason
        )
        return [(str(c), str(st), str(x), int(n)) for c, st, x, n in conn.execute(stmt)]


def _by_status(conn: sa.Connection, table: sa.Table) -> list[tuple[str, int]]:
    stmt = sa.select(table.c.status, sa.func.count()).group_by(table.c.status)
    return [(str(status), int(n)) for status, n in conn.execute(stmt)]


def _count(line: SummaryLine, status: str, reason: str, n: int) -> None:
    line.statuses[status] += n
    if status in ("REJECTED", "FAILED", "UNKNOWN") and reason:
        line.reasons[reason] += n


def _command_function(feeds: Mapping[str, FeedSpec], command: str) -> str:
    for spec in feeds.values():
        if spec.source.command == command:
            return spec.function_id
    return f"({command})"


def wire_id(catalogue: Catalogue, function_id: str) -> str:
    """A logical name (``settlement_slip``) as the id the platform sees."""
    if function_id in catalogue:
        return function_id
    found = next((s for s in catalogue if s.name == function_id), None)
    return found.function_id if found and found.function_id else function_id


def _name(catalogue: Catalogue, function_id: str) -> str:
    return catalogue.get(function_id).name_zh if function_id in catalogue else ""


def progress_text(counts: Mapping[str, int], stage: str) -> str:
    """One line of live counts: ``[stage] 成功 … 拒绝 … 等待 … 待发送 … 发送中 …``."""
    parts = [
        ("成功/ok", "SUCCEEDED"),
        ("拒绝/rejected", "REJECTED"),
        ("等待/waiting", "WAITING"),
        ("待发送/pending", "PENDING"),
        ("发送中/in flight", "IN_FLIGHT"),
    ]
    return f"[{stage}] " + "  ".join(f"{label} {counts.get(key, 0)}" for label, key in parts)


def summary_table(lines: list[SummaryLine]) -> str:
    """The per-transaction table (Chinese headings with English below), then the reasons."""
    text = [table(HEADINGS, [line.cells() for line in lines]), _COUNTED]
    reasons = [
        f"  {line.function_id} ×{n}: {reason}"
        for line in lines
        for reason, n in line.reasons.most_common()
    ]
    if reasons:
        text += ["", "拒绝/失败原因 / reasons:", *reasons]
    return "\n".join(text)


_COUNTED = "（成功/拒绝/等待/其他按记录计 / succeeded … other count rows and commands）"
REQUEST_HEADINGS = (
    ("编号", "id"),
    ("命令", "command"),
    ("就诊", "visit_key"),
    ("状态", "status"),
    ("批次", "bka001"),
    ("总费用", "akc264"),
    ("冻结", "bka888"),
    ("平台回复", "return_code_message"),
)


def request_table(engine: sa.Engine, tables: StagingTables) -> str:
    """WI_REQUEST as the HIS reads it (no names, no ID numbers)."""
    r = tables.request
    stmt = sa.select(
        r.c.id,
        r.c.command,
        r.c.visit_key,
        r.c.status,
        r.c.bka001,
        r.c.akc264,
        r.c.bka888,
        sa.func.coalesce(r.c.return_code_message, r.c.last_error),
    )
    with engine.connect() as conn:
        rows = [
            ["" if v is None else str(v) for v in row]
            for row in conn.execute(stmt.order_by(r.c.id))
        ]
    return table(REQUEST_HEADINGS, rows)
