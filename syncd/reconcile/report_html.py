"""The HTML of a reconciliation report (Jinja2, autoescaped): read on screen, mailed, and
printed on A4 landscape.

At the top the hospital's name and code, the period and the run; then the summary (both
sides' counts and totals, their difference, the per-fund sums per kind, a monthly
statement's daily breakdown, the items per class) and every discrepancy class with what to
do and its items.  Amounts are right-aligned with thousands separators; differences are red.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import jinja2

from syncd.reconcile.classify import ItemClass
from syncd.reconcile.tables import (
    PARTIAL_NOTE,
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

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("syncd.reconcile", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(report: Report) -> str:
    t = report.totals
    summary = [kind_table(t, report.figures)]
    if report.is_statement:
        summary.append(day_table(t, report.figures, report.period))
    summary.append(class_table(t))
    sections = [
        (cls, report.class_table(cls).without("class", "action"))
        for cls in ItemClass
        if cls.is_discrepancy and report.by_class(cls)
    ]
    return _ENV.get_template("report.html.j2").render(
        report=report,
        headline=headline(report),
        summary=summary,
        sections=sections,
        partial=has_partial(summary),
        text=cell_text,
        css=cell_class,
        note=PARTIAL_NOTE,
    )


def headline(report: Report) -> list[tuple[str, str, str, bool]]:
    """(label, count, amount, is a difference) lines of the summary's first table."""
    t = report.totals
    matched = t.by_class.get(ItemClass.MATCHED, 0)
    return [
        ("医院结算总额（akc264）", f"{t.his_count} 笔", money_text(t.his_total), False),
        ("平台结算总额（akc264）", f"{t.platform_count} 笔", money_text(t.platform_total), False),
        ("差额（医院−平台）", "", money_text(t.difference), t.difference != 0),
        ("差异项合计", f"{t.discrepancies} 项", "", t.discrepancies > 0),
        ("一致", f"{matched} 项", "", False),
    ]


def cell_text(column: ReportColumn, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def cell_class(table: ReportTable, line: TableLine, column: ReportColumn) -> str:
    classes = ["num"] if column.kind.numeric else ["text"] if column.kind is CellKind.TEXT else []
    if table.is_marked(line, column):
        classes.append("diff")
    if column.key in line.partial:
        classes.append("partial")
    return " ".join(classes)


def has_partial(tables: list[ReportTable]) -> bool:
    return any(line.partial for t in tables for line in (*t.lines, t.total))
