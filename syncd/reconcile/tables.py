"""The tables of a reconciliation report, shared by its HTML, XLSX and CSV (pure).

Every table is columns with a kind (text, code, money, date, count) and lines of typed
values (``Decimal`` money, ``date`` days, ``int`` counts, ``str`` text); each renderer turns a
kind into its own cell (an Excel number with ``#,##0.00``, right-aligned ``1,234.50`` in HTML,
``="440…"`` in CSV so Excel keeps every digit).  Differences are marked per cell.

* :func:`item_table` — one line per item: the business, the person (masked per
  :class:`Privacy`), for each figure the HIS's and the platform's live value, the difference;
* :func:`kind_table` / :func:`day_table` — counts and per-fund sums of each side per kind
  (门诊 / 住院) and per day;
* :func:`class_table` — items per discrepancy class, with what to do.

Every table has a totals line (sums of its money and count columns).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from syncd.protocol.privacy import mask_id as mask_id  # re-exported (the reports, jointtest)
from syncd.protocol.privacy import mask_name as mask_name
from syncd.reconcile.classify import FIGURE_NAMES, ItemClass, ReconItem
from syncd.reconcile.period import Period
from syncd.reconcile.totals import KIND_ZH, Pair, Totals

CellValue = str | Decimal | date | int | None


class CellKind(enum.StrEnum):
    TEXT = "text"
    CODE = "code"  # identifiers: digit strings that must stay text (ID numbers, aaz218 …)
    MONEY = "money"
    DATE = "date"
    COUNT = "count"

    @property
    def numeric(self) -> bool:
        return self in (CellKind.MONEY, CellKind.COUNT)


@dataclass(frozen=True)
class ReportColumn:
    key: str
    title: str
    kind: CellKind = CellKind.TEXT
    difference: bool = False  # a difference column: marked unless zero
    summed: bool = True  # money and counts are summed in the totals line (a batch no. is not)


@dataclass(frozen=True)
class TableLine:
    cells: Mapping[str, CellValue]
    marked: frozenset[str] = frozenset()  # keys of cells that differ from the other side
    partial: frozenset[str] = frozenset()  # sums some of the settlements do not carry


@dataclass(frozen=True)
class ReportTable:
    title: str
    columns: tuple[ReportColumn, ...]
    lines: tuple[TableLine, ...]
    total: TableLine = field(default_factory=lambda: TableLine({}))

    def is_marked(self, line: TableLine, column: ReportColumn) -> bool:
        """Shown as a difference (red): a differing value, or a non-zero difference."""
        value = line.cells.get(column.key)
        return column.key in line.marked or (column.difference and value not in (None, 0))

    def without(self, *keys: str) -> ReportTable:
        return replace(self, columns=tuple(c for c in self.columns if c.key not in keys))


TOTAL_LABEL = "合计"
PARTIAL_NOTE = (
    "* 部分结算没有这一项金额（例如平台的门诊批次不返回 ake039），该合计只含有这一项的结算，"
    "不与另一方比较。"
)


def table(title: str, columns: Sequence[ReportColumn], lines: Iterable[TableLine]) -> ReportTable:
    """A table whose totals line sums every money and count column (blank where no line has
    a value)."""
    lines = tuple(lines)
    sums: dict[str, CellValue] = {}
    for column in columns:
        values = [v for line in lines if isinstance(v := line.cells.get(column.key), int | Decimal)]
        if column.kind.numeric and column.summed and values:
            sums[column.key] = sum(values, Decimal("0.00") if column.kind is CellKind.MONEY else 0)
    partial = {c.key for c in columns if c.kind is CellKind.MONEY and _partial(lines, c.key)}
    return ReportTable(title, tuple(columns), lines, _marked(columns, sums, partial))


def _partial(lines: Sequence[TableLine], key: str) -> bool:
    """A sum over only some settlements: a line's sum was partial already, or some lines of
    that side carry the figure and others (with a total, so with a settlement) do not."""
    side = key.split("_", 1)[0]
    if side not in ("his", "platform"):
        return False
    reference = f"{side}_akc264"
    return any(key in line.partial for line in lines) or (
        any(line.cells.get(key) is not None for line in lines)
        and any(
            line.cells.get(key) is None and line.cells.get(reference) is not None for line in lines
        )
    )


def _marked(
    columns: Sequence[ReportColumn], cells: Mapping[str, CellValue], partial: Iterable[str] = ()
) -> TableLine:
    """A sums line, HIS and platform cells marked where they differ (sums only some
    settlements carry are not compared)."""
    partial = frozenset(partial)
    differ: set[str] = set()
    for column in columns:
        if column.key.startswith("his_"):
            other = "platform_" + column.key.removeprefix("his_")
            mine, theirs = cells.get(column.key), cells.get(other)
            comparable = column.key not in partial and other not in partial
            if comparable and mine is not None and theirs is not None and mine != theirs:
                differ |= {column.key, other}
    return TableLine(cells, frozenset(differ), partial)


# -- privacy --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Privacy:
    include_id_numbers: bool = False
    include_names: bool = False


# -- the tables -------------------------------------------------------------------------------


def figure_columns(figures: Sequence[str]) -> list[ReportColumn]:
    """For each figure the HIS's and the platform's value, then the difference of akc264."""
    columns = []
    for name in figures:
        title = f"{FIGURE_NAMES[name]} {name}"
        columns += [
            ReportColumn(f"his_{name}", f"{title}（医院）", CellKind.MONEY),
            ReportColumn(f"platform_{name}", f"{title}（平台）", CellKind.MONEY),
        ]
    return [*columns, ReportColumn("difference", "总费用差额（医院−平台）", CellKind.MONEY, True)]


def item_columns(figures: Sequence[str]) -> list[ReportColumn]:
    return [
        ReportColumn("class", "类型"),
        ReportColumn("kind", "类别"),
        ReportColumn("visit_key", "就诊号", CellKind.CODE),
        ReportColumn("aaz218", "就医登记号", CellKind.CODE),
        ReportColumn("bka001", "批次", CellKind.COUNT, summed=False),
        ReportColumn("settled_on", "结算日期", CellKind.DATE),
        ReportColumn("aac001", "电脑号", CellKind.CODE),
        ReportColumn("aac002", "社会保障号码", CellKind.CODE),
        ReportColumn("aac003", "姓名"),
        *figure_columns(figures),
        ReportColumn("detail", "说明"),
        ReportColumn("action", "处理建议"),
    ]


def item_line(item: ReconItem, figures: Sequence[str], privacy: Privacy) -> TableLine:
    p = item.person
    cells: dict[str, CellValue] = {
        "class": item.item_class.title_zh,
        "kind": KIND_ZH.get(item.kind, item.kind),
        "visit_key": item.visit_key,
        "aaz218": item.aaz218,
        "bka001": item.bka001 or None,
        "settled_on": item.settled_on,
        "aac001": p.aac001,
        "aac002": p.aac002 if privacy.include_id_numbers else mask_id(p.aac002),
        "aac003": p.aac003 if privacy.include_names else mask_name(p.aac003),
        "detail": item.detail,
        "action": item.action,
        "difference": item.difference() if item.his or item.platform else None,
    }
    for name in figures:
        cells[f"his_{name}"] = item.his.get(name)
        cells[f"platform_{name}"] = item.platform.get(name)
    marked = {f"{side}_{name}" for name in item.differences for side in ("his", "platform")}
    return TableLine(cells, frozenset(marked))


def item_table(
    title: str, items: Iterable[ReconItem], figures: Sequence[str], privacy: Privacy
) -> ReportTable:
    return table(title, item_columns(figures), (item_line(i, figures, privacy) for i in items))


def _pair_line(
    columns: Sequence[ReportColumn], first: dict[str, CellValue], pair: Pair, figures: Sequence[str]
) -> TableLine:
    cells: dict[str, CellValue] = {
        **first,
        "his_count": pair.his.count,
        "platform_count": pair.platform.count,
        "difference": pair.difference,
    }
    partial = set()
    for name in figures:
        for key, one in ((f"his_{name}", pair.his), (f"platform_{name}", pair.platform)):
            cells[key] = one.figures.get(name)
            if one.partial(name):
                partial.add(key)
    return _marked(columns, cells, partial)


def _count_columns() -> list[ReportColumn]:
    return [
        ReportColumn("his_count", "医院笔数", CellKind.COUNT),
        ReportColumn("platform_count", "平台笔数", CellKind.COUNT),
    ]


def kind_table(totals: Totals, figures: Sequence[str]) -> ReportTable:
    """Each side's count and per-fund sums per kind; the totals line is the whole period."""
    columns = [ReportColumn("kind", "类别"), *_count_columns(), *figure_columns(figures)]
    lines = (
        _pair_line(columns, {"kind": KIND_ZH.get(kind, kind)}, pair, figures)
        for kind, pair in totals.by_kind.items()
    )
    return table("按类别汇总（门诊 / 住院）", columns, lines)


def day_table(totals: Totals, figures: Sequence[str], period: Period) -> ReportTable:
    """Every day of the period (days without settlements too), then an undated group if a
    settlement had no date."""
    columns = [
        ReportColumn("day", "日期", CellKind.DATE),
        *_count_columns(),
        *figure_columns(figures),
    ]
    days: list[date | None] = list(period.days())
    days += [d for d in totals.by_day if d is None or d not in period]
    lines = (
        _pair_line(columns, {"day": day or "（无日期）"}, totals.by_day.get(day, Pair()), figures)
        for day in days
    )
    return table("每日明细", columns, lines)


def class_table(totals: Totals) -> ReportTable:
    columns = [
        ReportColumn("class", "类型"),
        ReportColumn("count", "项数", CellKind.COUNT),
        ReportColumn("action", "处理建议"),
    ]
    lines = (
        TableLine(
            {"class": cls.title_zh, "count": totals.by_class.get(cls, 0), "action": cls.action_zh}
        )
        for cls in ItemClass
        if cls.is_discrepancy
    )
    return table("差异分类（待处理）", columns, lines)


# -- text -----------------------------------------------------------------------------------


def money_text(value: Decimal) -> str:
    """``1234.5`` → ``1,234.50``."""
    return f"{value:,.2f}"
