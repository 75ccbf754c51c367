"""The reports of one reconciliation: HTML (:mod:`.report_html`), XLSX (:mod:`.report_xlsx`)
and CSV, written side by side into ``folders.reports``.

A report covers a period: the nightly run's day, or a calendar month (the monthly statement,
with its totals per kind and a daily breakdown, in each format: the CSV as two more files).
Totals come first, then every discrepancy grouped by class with what to do about it.  ID
numbers (aac002) and names (aac003) are masked unless ``reconcile.include_id_numbers`` /
``include_names`` say otherwise; the 电脑号 aac001 is not an ID number and is shown.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from syncd.core.errors import ReportError
from syncd.reconcile.classify import ItemClass, ReconItem
from syncd.reconcile.period import Period
from syncd.reconcile.report_html import render_html
from syncd.reconcile.report_xlsx import write_xlsx
from syncd.reconcile.tables import (
    TOTAL_LABEL,
    CellKind,
    CellValue,
    Privacy,
    ReportColumn,
    ReportTable,
    day_table,
    item_table,
    kind_table,
)
from syncd.reconcile.totals import Totals

__all__ = [
    "Hospital",
    "Privacy",
    "ReconReportFiles",
    "Report",
    "render_csv",
    "subject",
    "write_all",
]


@dataclass(frozen=True)
class Hospital:
    akb020: str  # 医疗机构编码
    name: str = ""  # akb021 医疗机构名称

    @property
    def heading(self) -> str:
        return (
            f"{self.name}（医疗机构编码 {self.akb020}）"
            if self.name
            else f"医疗机构编码 {self.akb020}"
        )


@dataclass(frozen=True)
class Report:
    hospital: Hospital
    period: Period
    run_id: int | None  # the stored run (a monthly statement is not stored)
    created_at: datetime
    items: Sequence[ReconItem]
    totals: Totals
    privacy: Privacy = field(default_factory=Privacy)

    @property
    def is_statement(self) -> bool:
        return not self.period.is_day

    @property
    def title(self) -> str:
        return subject(self.period, self.totals)

    @property
    def stem(self) -> str:
        """The file name without suffix."""
        if self.is_statement:
            return f"statement-{self.period.label}-{self.created_at:%Y%m%d-%H%M%S}"
        return f"reconcile-{self.period.label}-run{self.run_id}"

    @property
    def figures(self) -> list[str]:
        return self.totals.figures()

    def by_class(self, cls: ItemClass) -> list[ReconItem]:
        return [item for item in self.items if item.item_class is cls]

    def class_table(self, cls: ItemClass) -> ReportTable:
        return item_table(cls.title_zh, self.by_class(cls), self.figures, self.privacy)


@dataclass(frozen=True)
class ReconReportFiles:
    html: Path
    xlsx: Path
    csv: Path  # every item, one line each
    tables_csv: tuple[Path, ...] = ()  # a statement's totals per kind and its daily breakdown

    @property
    def every(self) -> tuple[Path, ...]:
        return (self.html, self.xlsx, self.csv, *self.tables_csv)


def subject(period: Period, totals: Totals) -> str:
    state = f"{totals.discrepancies} 项差异" if totals.discrepancies else "全部一致"
    if period.is_day:
        return f"工伤联网结算对账 {period.label}：{state}"
    return f"工伤联网结算月度报表 {period.label}：{state}"


def write_all(report: Report, folder: Path) -> ReconReportFiles:
    """Write the three files of ``report`` into ``folder`` (created if needed); a statement's
    CSV comes with two more, ``-kinds.csv`` (totals per kind and fund) and ``-days.csv`` (the
    daily breakdown), each a table of its own with its 合计 line, as the XLSX sheets."""
    stem = folder / report.stem
    tables = statement_tables(report)
    files = ReconReportFiles(
        stem.with_suffix(".html"),
        stem.with_suffix(".xlsx"),
        stem.with_suffix(".csv"),
        tuple(folder / f"{report.stem}-{name}.csv" for name in tables),
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        files.html.write_text(render_html(report), encoding="utf-8")
        write_xlsx(report, files.xlsx)
        files.csv.write_text(render_csv(report), encoding="utf-8-sig")
        for path, found in zip(files.tables_csv, tables.values(), strict=True):
            path.write_text(table_csv(found), encoding="utf-8-sig")
    except OSError as exc:
        raise ReportError(f"对账报告无法写入 {folder}：{exc.strerror}") from exc
    return files


# -- CSV ------------------------------------------------------------------------------------


def render_csv(report: Report) -> str:
    """Every item, one line each (UTF-8 with BOM when written, so Excel reads the Chinese)."""
    return table_csv(item_table("", report.items, report.figures, report.privacy), total=False)


def statement_tables(report: Report) -> dict[str, ReportTable]:
    """A statement's summary tables by file suffix (a day's report has none)."""
    if not report.is_statement:
        return {}
    return {
        "kinds": kind_table(report.totals, report.figures),
        "days": day_table(report.totals, report.figures, report.period),
    }


def table_csv(found: ReportTable, *, total: bool = True) -> str:
    """A table as CSV: its header, its lines, and (``total``) its 合计 line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.title for c in found.columns])
    for line in found.lines:
        writer.writerow([csv_cell(c, line.cells.get(c.key)) for c in found.columns])
    if total:
        cells = [csv_cell(c, found.total.cells.get(c.key)) for c in found.columns]
        writer.writerow([TOTAL_LABEL, *cells[1:]])
    return out.getvalue()


def csv_cell(column: ReportColumn, value: CellValue) -> str:
    """Money as ``1234.50``, days as ``2026-11-25``; a digit string as ``="0440…"`` so Excel
    keeps it as text (no 4.40106E+17, no lost leading zero); text that Excel would run as a
    formula is prefixed with ``'``."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if column.kind is CellKind.CODE and text.isdigit():
        return f'="{text}"'
    if column.kind is CellKind.TEXT and text[:1] in ("=", "+", "-", "@"):
        return "'" + text
    return text
