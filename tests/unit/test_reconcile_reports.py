"""Reconciliation reports: masking, escaping, totals first, one XLSX sheet per class, CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from syncd.core.errors import ReportError
from syncd.reconcile.classify import Item, ItemClass, Person, Settlement, classify, totals
from syncd.reconcile.reports import (
    Privacy,
    Report,
    mask_id,
    mask_name,
    render_csv,
    render_html,
    subject,
    write_all,
)

ID_NUMBER = "440106198503124219"
NAME = "张伟明"


def _report(privacy: Privacy | None = None, detail: str = "") -> Report:
    person = Person("1000010001", ID_NUMBER, NAME)
    his = [
        Settlement(
            "INPATIENT", "ZY1", visit_key="V1", person=person, figures={"akc264": Decimal("12.00")}
        ),
        Settlement("OUTPATIENT", "MZ1", 2, visit_key="V2", figures={"akc264": Decimal("3")}),
    ]
    platform = [Settlement("INPATIENT", "ZY1", person=person,
                           figures={"akc264": Decimal("12.50")})]  # fmt: skip
    items = classify(his, platform, [])
    if detail:
        items.append(Item(ItemClass.STUCK, visit_key="V3", detail=detail))
    return Report(date(2026, 11, 25), 7, datetime(2026, 11, 26, 2), items,
                  totals(his, platform, items), privacy or Privacy())  # fmt: skip


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())


def _parse(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def test_masks_keep_only_the_ends() -> None:
    assert mask_id(ID_NUMBER) == "4401**********4219"
    assert mask_id("1234") == "****" and mask_id("") == ""
    assert mask_name(NAME) == "张**" and mask_name("") == ""


def test_html_holds_no_id_number_or_name_by_default_and_both_when_configured() -> None:
    masked = render_html(_report())
    assert ID_NUMBER not in masked and NAME not in masked and mask_id(ID_NUMBER) in masked
    shown = render_html(_report(Privacy(include_id_numbers=True, include_names=True)))
    assert ID_NUMBER in shown and NAME in shown


def test_html_escapes_text_from_the_database() -> None:
    page = render_html(_report(detail="<script>alert(1)</script>"))
    assert "<script>" not in page and "script" not in _parse(page).tags
    assert "<script>alert(1)</script>" in _parse(page).text


def test_html_starts_with_the_totals_then_each_discrepancy_class_with_its_action() -> None:
    text = _parse(render_html(_report())).text
    assert text.index("汇总") < text.index("医院结算总额（akc264）")
    assert text.index("医院结算总额（akc264）") < text.index("金额不一致（1）")
    assert any(t.startswith("处理建议：以平台结算单为准") for t in text)
    assert "医院有、平台无（医院单边账）（1）" in text
    assert "一致（1）" not in text  # matched businesses are counted, not listed


def test_subject_says_whether_anything_differs() -> None:
    report = _report()
    assert subject(report.day, report.totals) == "工伤联网结算对账 2026-11-25：2 项差异"


def test_csv_has_one_line_per_item_and_masks_by_default() -> None:
    text = render_csv(_report())
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][0] == "类型" and len(lines) == 1 + 2  # an amount difference, a HIS-only
    assert ID_NUMBER not in text and NAME not in text


def test_files_are_written_and_the_workbook_has_a_summary_and_a_sheet_per_class(
    tmp_path: Path,
) -> None:
    files = write_all(_report(), tmp_path / "reports")
    assert files.html.name == "reconcile-2026-11-25-run7.html"
    book = openpyxl.load_workbook(files.xlsx)
    assert book.sheetnames[0] == "汇总" and len(book.sheetnames) == 1 + len(ItemClass)
    summary = dict(book["汇总"].iter_rows(min_row=2, values_only=True))
    assert summary["医院结算总额（akc264）"] == "15.00" and summary["差异项合计"] == "2"
    rows = list(book["医院单边"].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][2] == "MZ1" and rows[1][3] == "2"
    assert files.csv.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8


def test_an_unwritable_folder_is_a_report_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReportError, match="对账报告无法写入"):
        write_all(_report(), blocker / "reports")
