"""The reports of one reconciliation run: HTML (Jinja2, autoescaped), XLSX (openpyxl), CSV.

Totals come first, then every discrepancy grouped by class with what to do about it.  ID
numbers (aac002) and names (aac003) are masked unless ``reconcile.include_id_numbers`` /
``include_names`` say otherwise; the 电脑号 aac001 is not an ID number and is shown.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import jinja2
from openpyxl import Workbook
from openpyxl.styles import Font

from syncd.core.errors import ReportError
from syncd.reconcile.classify import Item, ItemClass, Totals

COLUMNS = (("kind", "类别"), ("visit_key", "就诊号"), ("aaz218", "就医登记号"),
           ("bka001", "批次"), ("aac001", "电脑号"), ("aac002", "社会保障号码"),
           ("aac003", "姓名"), ("figure", "项目"), ("his_value", "医院值"),
           ("platform_value", "平台值"), ("detail", "说明"))  # fmt: skip
_KIND_ZH = {"OUTPATIENT": "门诊", "INPATIENT": "住院"}
_SHEETS = {ItemClass.HIS_ONLY: "医院单边", ItemClass.PLATFORM_ONLY: "平台单边",
           ItemClass.AMOUNT_DIFF: "金额不符", ItemClass.CANCELLED_HIS_ONLY: "仅医院取消",
           ItemClass.CANCELLED_PLATFORM_ONLY: "仅平台取消", ItemClass.STUCK: "同步未完成",
           ItemClass.FEES_NOT_UPLOADED: "费用未上传", ItemClass.RECORD_OVERDUE: "病案首页逾期",
           ItemClass.MATCHED: "一致"}  # fmt: skip


@dataclass(frozen=True)
class Privacy:
    include_id_numbers: bool = False
    include_names: bool = False


@dataclass(frozen=True)
class Report:
    day: date
    run_id: int
    created_at: datetime
    items: Sequence[Item]
    totals: Totals
    privacy: Privacy = Privacy()

    def by_class(self, cls: ItemClass) -> list[Item]:
        return [item for item in self.items if item.item_class is cls]

    def rows(self, items: Sequence[Item]) -> list[dict[str, str]]:
        return [row(item, self.privacy) for item in items]


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    xlsx: Path
    csv: Path


def mask_id(value: str) -> str:
    """``440102199001011234`` → ``4401**********1234``."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: str) -> str:
    return value[:1] + "*" * (len(value) - 1) if value else ""


def row(item: Item, privacy: Privacy) -> dict[str, str]:
    """One item as report cells (masked per ``privacy``)."""
    p = item.person
    return {
        "kind": _KIND_ZH.get(item.kind, item.kind), "visit_key": item.visit_key,
        "aaz218": item.aaz218, "bka001": str(item.bka001) if item.bka001 else "",
        "aac001": p.aac001,
        "aac002": p.aac002 if privacy.include_id_numbers else mask_id(p.aac002),
        "aac003": p.aac003 if privacy.include_names else mask_name(p.aac003),
        "figure": item.figure, "his_value": item.his_value,
        "platform_value": item.platform_value, "detail": item.detail,
    }  # fmt: skip


def subject(day: date, totals: Totals) -> str:
    state = f"{totals.discrepancies} 项差异" if totals.discrepancies else "全部一致"
    return f"工伤联网结算对账 {day.isoformat()}：{state}"


def write_all(report: Report, folder: Path) -> ReportFiles:
    """Write the three files of ``report`` into ``folder`` (created if needed)."""
    stem = folder / f"reconcile-{report.day.isoformat()}-run{report.run_id}"
    files = ReportFiles(stem.with_suffix(".html"), stem.with_suffix(".xlsx"),
                        stem.with_suffix(".csv"))  # fmt: skip
    try:
        folder.mkdir(parents=True, exist_ok=True)
        files.html.write_text(render_html(report), encoding="utf-8")
        write_xlsx(report, files.xlsx)
        files.csv.write_text(render_csv(report), encoding="utf-8-sig")
    except OSError as exc:
        raise ReportError(f"对账报告无法写入 {folder}：{exc.strerror}") from exc
    return files


# -- HTML -----------------------------------------------------------------------------------

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("syncd.reconcile", "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
)  # fmt: skip


def render_html(report: Report) -> str:
    sections = [
        {"title": cls.title_zh, "action": cls.action_zh, "rows": report.rows(items)}
        for cls in ItemClass
        if cls.is_discrepancy and (items := report.by_class(cls))
    ]
    return _ENV.get_template("report.html.j2").render(
        report=report, title=subject(report.day, report.totals), summary=summary_rows(report),
        sections=sections, columns=COLUMNS,
    )  # fmt: skip


def summary_rows(report: Report) -> list[tuple[str, str]]:
    t = report.totals
    rows = [("对账日期", report.day.isoformat()),
            ("医院结算笔数", str(t.his_count)), ("平台结算笔数", str(t.platform_count)),
            ("医院结算总额（akc264）", f"{t.his_total:.2f}"),
            ("平台结算总额（akc264）", f"{t.platform_total:.2f}"),
            ("差异项合计", str(t.discrepancies))]  # fmt: skip
    rows += [(cls.title_zh, str(t.by_class.get(cls, 0))) for cls in ItemClass]
    return rows


# -- XLSX / CSV -----------------------------------------------------------------------------


def write_xlsx(report: Report, path: Path) -> None:
    """A summary sheet, then one sheet per class (headers even when empty)."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "汇总"
    summary.append(["项目", "值"])
    for name, value in summary_rows(report):
        summary.append([name, value])
    for cls in ItemClass:
        sheet = book.create_sheet(_SHEETS[cls])
        sheet.append([zh for _, zh in COLUMNS] + ["处理建议"])
        for cells in report.rows(report.by_class(cls)):
            sheet.append([cells[key] for key, _ in COLUMNS] + [cls.action_zh])
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    book.save(path)


def render_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["类型", *(zh for _, zh in COLUMNS), "处理建议"])
    for cls, cells in _all_rows(report):
        writer.writerow([cls.title_zh, *(cells[key] for key, _ in COLUMNS), cls.action_zh])
    return out.getvalue()


def _all_rows(report: Report) -> Iterator[tuple[ItemClass, dict[str, str]]]:
    for item in report.items:
        yield item.item_class, row(item, report.privacy)
