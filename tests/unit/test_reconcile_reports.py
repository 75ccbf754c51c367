"""Reconciliation reports as a finance clerk uses them: the XLSX opened with openpyxl (cell
types, number formats, frozen header, filters, totals lines, per-fund columns, widths), the
CSV as Excel reads it, the HTML's text (masking, escaping, the hospital, the summary)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from syncd.core.errors import ReportError
from syncd.core.text import display_width
from syncd.reconcile.classify import InsuredPerson, ItemClass, ReconItem, Settlement, classify
from syncd.reconcile.period import Period
from syncd.reconcile.report_html import render_html
from syncd.reconcile.reports import Hospital, Report, render_csv, subject, write_all
from syncd.reconcile.tables import Privacy, mask_id, mask_name
from syncd.reconcile.totals import totals

ID_NUMBER = "440106198503124219"
NAME = "张伟明"
DAY = date(2026, 11, 25)
HOSPITAL = Hospital("SS0001", "中山大学附属第七医院")
D = Decimal


def _settled(
    aaz218: str,
    kind: str = "INPATIENT",
    batch: int = 0,
    person: InsuredPerson | None = None,
    **figures: str,
) -> Settlement:
    return Settlement(
        kind,
        aaz218,
        batch,
        visit_key="V-" + aaz218,
        person=person or InsuredPerson(),
        figures={k: D(v) for k, v in figures.items()},
        settled_at=datetime(2026, 11, 25, 10),
    )


def _report(
    privacy: Privacy | None = None,
    detail: str = "",
    period: Period | None = None,
    run_id: int | None = 7,
) -> Report:
    person = InsuredPerson("1000010001", ID_NUMBER, NAME)
    his = [
        _settled("ZY1", person=person, akc264="12.00", bka831="2.00", bka832="10.00"),
        _settled(
            "MZ1", "OUTPATIENT", 2, InsuredPerson("1000010005"), akc264="3", bka831="0", bka832="3"
        ),
        _settled("ZY2", akc264="20000.00", bka831="0.00", bka832="20000.00"),
    ]
    platform = [
        _settled(
            "ZY1", person=person, akc264="12.50", bka831="2.50", bka832="10.00", ake039="10.00"
        ),
        _settled("ZY2", akc264="20000.00", bka831="0.00", bka832="20000.00", ake039="20000.00"),
    ]
    items = classify(his, platform, [])
    if detail:
        items.append(ReconItem(ItemClass.STUCK, visit_key="V3", feed="ip_fee", detail=detail))
    return Report(
        HOSPITAL,
        period or Period.day(DAY),
        run_id,
        datetime(2026, 11, 26, 2),
        items,
        totals(his, platform, items),
        privacy or Privacy(),
    )


def _header(sheet: Worksheet, row: int = 1) -> list[str]:
    return [str(c.value) for c in sheet[row]]


def _column(sheet: Worksheet, title: str, row: int = 1) -> int:
    return _header(sheet, row).index(title) + 1


# -- masks ----------------------------------------------------------------------------------


def test_masks_keep_only_the_ends() -> None:
    assert mask_id(ID_NUMBER) == "4401**********4219"
    assert mask_id("1234") == "****" and mask_id("") == ""
    assert mask_name(NAME) == "张*明" and mask_name("李娜") == "李*" and mask_name("") == ""
    assert display_width("张*明 ab") == 2 + 1 + 2 + 3


# -- XLSX -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    """Written and read once for the tests that only read it."""
    files = write_all(_report(), tmp_path_factory.mktemp("book") / "reports")
    assert files.xlsx.name == "reconcile-2026-11-25-run7.xlsx"
    return openpyxl.load_workbook(files.xlsx)


def test_every_sheet_has_a_frozen_header_a_filter_and_a_totals_line(
    book: openpyxl.Workbook,
) -> None:
    assert book.sheetnames[:2] == ["汇总", "差异分类"] and book.sheetnames[-1] == "一致"
    assert len(book.sheetnames) == 2 + len(ItemClass)  # a day has no daily sheet
    for sheet in book.worksheets:
        top = 5 if sheet.title == "汇总" else 1
        assert sheet.freeze_panes == f"A{top + 1}", sheet.title
        first, last = sheet.auto_filter.ref.split(":")
        assert first == f"A{top}", sheet.title
        assert sheet.cell(sheet.max_row, 1).value == "合计", sheet.title
        assert int(last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) == sheet.max_row - 1, sheet.title


def test_money_cells_are_numbers_with_thousands_format_and_days_are_dates(
    book: openpyxl.Workbook,
) -> None:
    sheet = book["一致"]
    assert sheet.max_row == 3  # header, ZY2, 合计
    total = sheet.cell(2, _column(sheet, "医疗总费用 akc264（平台）"))
    assert total.data_type == "n" and total.value == 20000 and total.number_format == "#,##0.00"
    fund = sheet.cell(2, _column(sheet, "工伤统筹基金 ake039（平台）"))
    assert fund.value == 20000 and fund.number_format == "#,##0.00"
    day = sheet.cell(2, _column(sheet, "结算日期"))
    assert day.is_date and day.value == datetime(2026, 11, 25) and day.number_format == "yyyy-mm-dd"
    summed = sheet.cell(3, _column(sheet, "医疗总费用 akc264（医院）"))
    assert summed.data_type == "n" and summed.value == 20000


def test_every_row_has_each_sides_figures_in_their_own_columns(book: openpyxl.Workbook) -> None:
    sheet = book["金额不符"]
    header = _header(sheet)
    for code in ("akc264", "bka831", "bka832", "ake039"):
        assert any(code in h and "医院" in h for h in header), code
        assert any(code in h and "平台" in h for h in header), code
    values = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert values["医疗总费用 akc264（医院）"] == 12 and values["医疗总费用 akc264（平台）"] == 12.5
    assert values["总费用差额（医院−平台）"] == -0.5
    assert values["工伤统筹基金 ake039（医院）"] is None  # the HIS view does not carry it
    red = sheet.cell(2, _column(sheet, "医疗总费用 akc264（平台）")).font.color
    assert red is not None and red.rgb == "FFC00000"
    same = sheet.cell(2, _column(sheet, "工伤保险支付 bka832（平台）")).font.color
    assert same is None or same.rgb != "FFC00000"


def test_identifiers_are_text_cells_keeping_every_digit(tmp_path: Path) -> None:
    privacy = Privacy(include_id_numbers=True, include_names=True)
    files = write_all(_report(privacy), tmp_path)
    sheet = openpyxl.load_workbook(files.xlsx)["金额不符"]
    for title, value in (
        ("社会保障号码", ID_NUMBER),
        ("电脑号", "1000010001"),
        ("就医登记号", "ZY1"),
    ):
        cell = sheet.cell(2, _column(sheet, title))
        assert cell.data_type == "s" and cell.value == value and cell.number_format == "@"
    assert sheet.cell(2, _column(sheet, "姓名")).value == NAME


def test_text_from_the_database_never_becomes_a_formula(tmp_path: Path) -> None:
    files = write_all(_report(detail='=HYPERLINK("http://x")'), tmp_path)
    sheet = openpyxl.load_workbook(files.xlsx)["同步未完成"]
    cell = sheet.cell(2, _column(sheet, "说明"))
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'


def test_columns_are_as_wide_as_their_content_counting_chinese_twice(
    book: openpyxl.Workbook,
) -> None:
    sheet = book["金额不符"]
    detail = _column(sheet, "说明")
    text = str(sheet.cell(2, detail).value)
    width = sheet.column_dimensions[openpyxl.utils.get_column_letter(detail)].width
    assert width >= min(display_width(text), 60) > len(text)
    money = _column(sheet, "医疗总费用 akc264（平台）")
    assert sheet.column_dimensions[openpyxl.utils.get_column_letter(money)].width >= len(
        "20,000.00"
    )


def test_the_summary_sheet_names_the_hospital_and_sums_each_fund_per_kind(
    book: openpyxl.Workbook,
) -> None:
    sheet = book["汇总"]
    assert "中山大学附属第七医院（医疗机构编码 SS0001）" in str(sheet["A1"].value)
    assert "2026-11-25" in str(sheet["A2"].value)
    kinds = [sheet.cell(r, 1).value for r in range(6, sheet.max_row + 1)]
    assert kinds == ["门诊", "住院", "合计"]
    his_total = sheet.cell(sheet.max_row, _column(sheet, "医疗总费用 akc264（医院）", 5))
    assert his_total.value == 20015 and his_total.number_format == "#,##0.00"
    fund = sheet.cell(sheet.max_row, _column(sheet, "工伤保险支付 bka832（平台）", 5))
    assert fund.value == 20010
    classes = book["差异分类"]
    assert classes.cell(classes.max_row, 2).value == 2  # 合计 of the discrepancy items


def test_a_monthly_statement_has_a_daily_sheet_with_every_day(tmp_path: Path) -> None:
    report = _report(period=Period.month(2026, 11), run_id=None)
    files = write_all(report, tmp_path)
    assert files.xlsx.name == "statement-2026-11-20261126-020000.xlsx"
    book = openpyxl.load_workbook(files.xlsx)
    days = book["每日"]
    assert days.max_row == 1 + 30 + 1
    assert days.cell(2, 1).value == datetime(2026, 11, 1) and days.cell(2, 1).is_date
    the_day = days.cell(26, _column(days, "医疗总费用 akc264（医院）"))
    assert days.cell(26, 1).value == datetime(2026, 11, 25) and the_day.value == 20015
    assert days.cell(days.max_row, _column(days, "医院笔数")).value == 3


# -- CSV ------------------------------------------------------------------------------------


def test_csv_has_one_line_per_item_masks_by_default_and_keeps_digit_strings_as_text() -> None:
    text = render_csv(_report(detail="-1 条"))
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:3] == ["类型", "类别", "就诊号"] and len(lines) == 1 + 4
    assert ID_NUMBER not in text and NAME not in text
    row = dict(zip(lines[0], lines[1], strict=True))
    assert row["电脑号"] == '="1000010001"' and row["社会保障号码"] == "4401**********4219"
    assert row["医疗总费用 akc264（平台）"] == "12.50" and row["结算日期"] == "2026-11-25"
    assert dict(zip(lines[0], lines[4], strict=True))["说明"] == "'-1 条"


def test_files_are_written_with_the_csv_in_utf8_with_bom(tmp_path: Path) -> None:
    files = write_all(_report(), tmp_path / "reports")
    assert files.html.name == "reconcile-2026-11-25-run7.html"
    assert files.csv.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8


def test_an_unwritable_folder_is_a_report_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReportError, match="对账报告无法写入"):
        write_all(_report(), blocker / "reports")


# -- HTML (text; the rendering is checked in a browser in tests/browser) --------------------


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


def test_html_masks_id_numbers_and_names_by_default_and_shows_them_when_configured() -> None:
    masked = render_html(_report())
    assert ID_NUMBER not in masked and NAME not in masked
    assert mask_id(ID_NUMBER) in masked and mask_name(NAME) in masked
    shown = render_html(_report(Privacy(include_id_numbers=True, include_names=True)))
    assert ID_NUMBER in shown and NAME in shown


def test_html_escapes_text_from_the_database() -> None:
    page = render_html(_report(detail="<script>alert(1)</script>"))
    assert "<script>" not in page and "script" not in _parse(page).tags
    assert "<script>alert(1)</script>" in _parse(page).text


def test_html_names_the_hospital_and_period_then_totals_then_each_class() -> None:
    text = _parse(render_html(_report())).text
    heading = text.index("中山大学附属第七医院（医疗机构编码 SS0001）")
    assert text[heading + 2] == "对账期间：2026-11-25　对账批次 7　生成时间 2026-11-26 02:00:00"
    assert (
        heading
        < text.index("汇总")
        < text.index("医院结算总额（akc264）")
        < text.index("金额不一致（1）")
    )
    assert "20,015.00" in text and "20,012.50" in text and "2.50" in text  # both, difference
    assert any(t.startswith("处理建议：以平台结算单为准") for t in text)
    assert "医院有、平台无（医院单边账）（1）" in text
    assert "一致（1）" not in text  # matched businesses are counted, not listed


def test_subject_says_whether_anything_differs() -> None:
    report = _report()
    assert subject(report.period, report.totals) == "工伤联网结算对账 2026-11-25：2 项差异"
    month = Period.month(2026, 11)
    assert subject(month, report.totals) == "工伤联网结算月度报表 2026-11：2 项差异"
