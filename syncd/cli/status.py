"""``syncd status [--json]``: per feed, what is pending, waiting, in flight, unknown, failed,
succeeded today, rejected, blocked, the last success and the last error; then the totals.

The table is fitted to the terminal (100 columns when there is none); table and JSON both come
from :func:`syncd.db.counts.read_counts` — the counts the metrics and systemd's ``STATUS=`` line
show too.  Nothing is started: this module imports neither the engine nor the platform client.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Set
from datetime import datetime
from typing import Any

import click

from syncd.cli.context import CliContext
from syncd.config.settings import Settings
from syncd.core.clock import local_clock
from syncd.core.text import display_width
from syncd.db.counts import STATUS_KEYS, Counts, FeedCounts, read_counts
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables

STATUS_WIDTH = 100
MIN_ERROR_WIDTH = 12
# (key, Chinese heading, English heading); numbers are right-aligned
COLUMNS = (
    ("feed", "数据表", "feed"),
    ("pending", "待发送", "pending"),
    ("waiting", "等待", "waiting"),
    ("in_flight", "发送中", "in_flight"),
    ("unknown", "未知", "unknown"),
    ("failed", "失败", "failed"),
    ("succeeded_today", "今日成功", "today"),
    ("rejected", "拒绝", "rejected"),
    ("blocked", "受阻", "blocked"),
    ("last_success", "最近成功", "last_ok"),
    ("last_error", "最近错误", "last_error"),
)
_TEXT = {"feed", "last_success", "last_error"}


@click.command()
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="输出一个 JSON 文档，供脚本使用 / one JSON document for scripts.",
)
@click.pass_obj
def status(obj: CliContext, as_json: bool) -> None:
    """各业务：待发送、等待、发送中、未知、失败、今日成功、拒绝、受阻、最近成功、最近错误，
    然后是合计 / per feed: pending, waiting, in flight, unknown, failed, succeeded today,
    rejected, blocked, last success, last error; then the totals systemd's STATUS= line shows."""
    counts = status_counts(obj.settings)
    views = {n for n, s in obj.feeds.items() if s.source.view}
    if as_json:
        click.echo(json.dumps(status_document(counts, views), ensure_ascii=False, indent=2))
        return
    width = shutil.get_terminal_size((STATUS_WIDTH, 24)).columns
    click.echo(status_table(counts, views, width))


def status_counts(settings: Settings) -> Counts:
    """The counts ``syncd status`` shows: the same as the metrics and systemd's STATUS=."""
    engine = make_engine(settings.database)
    tables = staging_tables(settings.database.table_prefix, settings.database.schema_name)
    try:
        return read_counts(engine, tables, local_clock(settings.platform.session_timezone)())
    finally:
        engine.dispose()


def status_document(counts: Counts, views: Set[str]) -> dict[str, Any]:
    """``{"feeds": [...], "totals": {...}, "status_line": "..."}``."""
    totals = {key.lower(): counts.total(key) for key in STATUS_KEYS}
    totals.update(blocked=counts.blocked, succeeded_today=counts.succeeded_today)
    return {
        "feeds": [_row(f) for f in _feeds(counts, views)],
        "totals": totals,
        "status_line": counts.status_line(),
    }


def _feeds(counts: Counts, views: Set[str]) -> list[FeedCounts]:
    names = sorted(set(views) | set(counts.feeds))
    return [counts.feeds.get(name) or FeedCounts(name) for name in names] + [counts.commands]


def _row(f: FeedCounts) -> dict[str, Any]:
    return {
        "feed": f.feed,
        "pending": f.count("PENDING"),
        "waiting": f.count("WAITING"),
        "in_flight": f.count("IN_FLIGHT"),
        "unknown": f.count("UNKNOWN"),
        "failed": f.count("FAILED"),
        "succeeded": f.count("SUCCEEDED"),
        "rejected": f.count("REJECTED"),
        "last_success": _iso(f.last_success),
        "last_error": f.last_error,
        "succeeded_today": f.succeeded_today,
        "blocked": f.blocked,
        "oldest_pending": _iso(f.oldest_pending),
    }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat(sep=" ", timespec="seconds") if at else None


def status_table(counts: Counts, views: Set[str], width: int = STATUS_WIDTH) -> str:
    """The table in at most ``width`` columns, then the totals line.  Narrower: one space
    between columns, then Chinese headings only, then shorter feed names; too narrow for the
    last errors beside the numbers, they follow the table, one line per feed."""
    rows = [_cells(f, counts.at) for f in _feeds(counts, views)]
    heads, widths, gap = _fit(rows, width)
    keys = [key for key, _, _ in COLUMNS][: len(widths)]
    lines = [_line(head, keys, widths, gap, head=True) for head in heads]
    lines += [_line(row, keys, widths, gap) for row in rows]
    if len(widths) < len(COLUMNS):
        errors = [f"{row[0]}: {row[-1]}" for row in rows if row[-1] != "-"]
        if errors:
            lines += ["", "最近错误 / last errors:", *(_cut(e, width) for e in errors)]
    lines += [
        "",
        "合计 / totals（与 systemd STATUS= 相同 / as systemd's STATUS=）:",
        _cut(counts.status_line(), width),
    ]
    return "\n".join(line.rstrip() for line in lines)


def _fit(rows: list[list[str]], width: int) -> tuple[list[list[str]], list[int], int]:
    """The heading lines, the column widths within ``width`` (the last error gets what is
    left, or moves below the table) and the gap between columns."""
    both = [[zh for _, zh, _ in COLUMNS], [en for _, _, en in COLUMNS]]
    for heads, gap in ((both, 2), (both, 1), (both[:1], 1)):
        natural = _natural(heads, rows)
        fixed = natural[:-1]
        room = width - sum(fixed) - gap * len(fixed)
        if room >= MIN_ERROR_WIDTH:
            return heads, [*fixed, min(natural[-1], room)], gap
        if sum(fixed) + gap * (len(fixed) - 1) <= width:
            return heads, fixed, gap
    over = sum(fixed) + len(fixed) - 1 - width
    fixed[0] = max(8, fixed[0] - over)
    return heads, fixed, 1


def _natural(heads: list[list[str]], rows: list[list[str]]) -> list[int]:
    return [max(display_width(line[i]) for line in [*heads, *rows]) for i in range(len(COLUMNS))]


def _cells(f: FeedCounts, now: datetime) -> list[str]:
    row = _row(f)
    row["last_success"] = _when(f.last_success, now)
    return [str(row[key]) if row[key] not in (None, "") else "-" for key, _, _ in COLUMNS]


def _when(at: datetime | None, now: datetime) -> str | None:
    if at is None:
        return None
    return f"{at:%H:%M:%S}" if at.date() == now.date() else f"{at:%m-%d %H:%M}"


def _line(
    cells: list[str], keys: list[str], widths: list[int], gap: int, *, head: bool = False
) -> str:
    out = []
    for cell, key, w in zip(cells, keys, widths, strict=False):
        text = _cut(cell, w)
        pad = " " * (w - display_width(text))
        out.append(text + pad if head or key in _TEXT else pad + text)
    return (" " * gap).join(out)


def _cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` terminal columns (… marks a cut)."""
    if display_width(text) <= width:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > width - 1:
            break
        out += ch
    return out + "…"
