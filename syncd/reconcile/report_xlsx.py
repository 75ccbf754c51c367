"""The XLSX of a reconciliation report (openpyxl), as a finance clerk expects a workbook.

Sheets: 汇总 (hospital, period, run, then each side's count and per-fund sums per kind),
每日 (a monthly statement's daily breakdown), 差异分类 (items per class), then one sheet per
class with its items (一致 last).  Every sheet: the header row frozen, a filter over header
and lines, a bold 合计 line below; money cells are numbers formatted ``#,##0.00``, days are
dates, identifiers are text cells (Excel keeps every digit of an ID number or aaz218),
columns as wide as their content (CJK characters counting two), differences in red.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from syncd.core.text import display_width
from syncd.reconcile.classify import ItemClass
from syncd.reconcile.tables import (
    PARTIAL_NOTE,
    TOTAL_LABEL,
    CellKind,
    ReportColumn,
    ReportTable,
    TableLine,
    class_table,
    day_table,
    kind_table,
    money_text,
)

if TYPE_CHECKING:
    from syncd.reconcile.reports import Report

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
RED = "FFC00000"
MAX_WIDTH = 60
SHEETS = {
    ItemClass.HIS_ONLY: "医院单边",
    ItemClass.PLATFORM_ONLY: "平台单边",
    ItemClass.AMOUNT_DIFF: "金额不符",
    ItemClass.CANCELLED_HIS_ONLY: "仅医院取消",
    ItemClass.CANCELLED_PLATFORM_ONLY: "仅平台取消",
    ItemClass.STUCK: "同步未完成",
    ItemClass.FEES_NOT_UPLOADED: "费用未上传",
    ItemClass.RECORD_OVERDUE: "病案首页逾期",
    ItemClass.REPLY_FLAGGED: "应答已标记",
    ItemClass.MATCHED: "一致",
}
_HEADER_FILL = PatternFill("solid", fgColor="FFE8E8E8")
_RULE = Border(top=Side(style="thin"))


def write_xlsx(report: Report, path: Path) -> None:
    book = Workbook()
    summary, top = info_sheet(book, "汇总", _info_rows(report))
    write_table(summary, kind_table(report.totals, report.figures), top=top)
    if report.is_statement:
        write_table(
            book.create_sheet("每日"), day_table(report.totals, report.figures, report.period)
        )
    write_table(book.create_sheet("差异分类"), class_table(report.totals))
    for cls in ItemClass:
        write_table(book.create_sheet(SHEETS[cls]), report.class_table(cls).without("class"))
    book.properties.title = report.title
    book.properties.creator = "syncd"
    book.save(path)


def info_sheet(book: Workbook, title: str, info: list[str]) -> tuple[Worksheet, int]:
    """The workbook's first sheet named ``title`` with the ``info`` lines at its top (the
    first in bold, larger); the row where a table may start below them."""
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row, text in enumerate(info, start=1):
        sheet.cell(row, 1, text).font = Font(bold=row == 1, size=13 if row == 1 else 11)
    return sheet, len(info) + 2


def _info_rows(report: Report) -> list[str]:
    run = f"对账批次 {report.run_id}，" if report.run_id is not None else ""
    return [
        f"{report.hospital.heading}　{report.title}",
        f"对账期间：{report.period.label_zh}",
        f"{run}生成时间 {report.created_at:%Y-%m-%d %H:%M:%S}",
    ]


def write_table(sheet: Worksheet, table: ReportTable, top: int = 1) -> None:
    """Header at row ``top`` (frozen, filtered), the lines, then the 合计 line."""
    for col, column in enumerate(table.columns, start=1):
        cell = sheet.cell(top, col, column.title)
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for offset, line in enumerate(table.lines, start=1):
        _write_line(sheet, table, line, top + offset)
    last = top + len(table.lines) + 1
    _write_line(sheet, table, table.total, last, label=TOTAL_LABEL)
    for col in range(1, len(table.columns) + 1):
        cell = sheet.cell(last, col)
        cell.font, cell.border = Font(bold=True, color=cell.font.color), _RULE
    end = get_column_letter(len(table.columns))
    sheet.freeze_panes = f"A{top + 1}"
    sheet.auto_filter.ref = f"A{top}:{end}{max(top, last - 1)}"
    _fit_widths(sheet, table)


def _write_line(
    sheet: Worksheet, table: ReportTable, line: TableLine, row: int, label: str = ""
) -> None:
    for col, column in enumerate(table.columns, start=1):
        value = line.cells.get(column.key)
        if col == 1 and label:
            value = label
        cell = sheet.cell(row, col)
        _set(cell, column, value)
        if table.is_marked(line, column):
            cell.font = Font(color=RED, bold=True)
        if column.key in line.partial:
            cell.comment = Comment(PARTIAL_NOTE.removeprefix("* "), "syncd")


def _set(cell: Any, column: ReportColumn, value: object) -> None:
    if value is None:
        return
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if column.kind is CellKind.CODE:
            cell.number_format = TEXT_FORMAT
        if display_width(value) > MAX_WIDTH:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    elif column.kind is CellKind.MONEY:
        cell.number_format = MONEY_FORMAT
    elif column.kind is CellKind.DATE:
        cell.number_format = DATE_FORMAT
    elif column.kind is CellKind.COUNT:
        cell.number_format = "0"


def _fit_widths(sheet: Worksheet, table: ReportTable) -> None:
    """As wide as the widest value (or 合计), headers wrapping onto two lines."""
    for col, column in enumerate(table.columns, start=1):
        values = [
            _shown(column, line.cells.get(column.key)) for line in (*table.lines, table.total)
        ]
        width = max(
            [
                display_width(column.title) // 2 + 1,
                display_width(TOTAL_LABEL),
                *(display_width(v) for v in values),
            ]
        )
        sheet.column_dimensions[get_column_letter(col)].width = min(width + 2, MAX_WIDTH)


def _shown(column: ReportColumn, value: object) -> str:
    """The text Excel shows for a value (for the column width)."""
    if value is None:
        return ""
    if column.kind is CellKind.MONEY and not isinstance(value, str):
        return money_text(value)  # type: ignore[arg-type]
    if column.kind is CellKind.DATE and not isinstance(value, str):
        return "0000-00-00"
    return str(value)
