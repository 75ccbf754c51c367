"""The reconciliation report's HTML in a real browser (Chromium via Playwright): the summary
a clerk reads, differences rendered red, amounts right-aligned with thousands separators,
masked persons, and the print layout (A4 landscape, nothing cut off at the right edge)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from syncd.reconcile.classify import InsuredPerson, Settlement, classify
from syncd.reconcile.period import Period
from syncd.reconcile.report_html import render_html
from syncd.reconcile.reports import Hospital, Report
from syncd.reconcile.tables import Privacy
from syncd.reconcile.totals import totals

if TYPE_CHECKING:
    from playwright.sync_api import Page

RED = "rgb(192, 0, 0)"
A4_LANDSCAPE_PT = (841.92, 595.92)  # 297 × 210 mm in PDF points
PRINTABLE_PX = round((297 - 2 * 8) / 25.4 * 96)  # @page margin 8 mm left and right


def _s(
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
        visit_key="V" + aaz218,
        person=person or InsuredPerson(),
        figures={k: Decimal(v) for k, v in figures.items()},
        settled_at=datetime(2026, 11, 25, 10),
    )


def _report(period: Period) -> Report:
    zhang = InsuredPerson("1000010001", "440106198503124219", "张伟明")
    his = [
        _s("ZY1", person=zhang, akc264="12345.60", bka831="345.60", bka832="12000.00"),
        _s(
            "MZ1",
            "OUTPATIENT",
            1,
            InsuredPerson("1000010005", "", "刘志强"),
            akc264="88.00",
            bka831="0.00",
            bka832="88.00",
        ),
        _s("ZY2", akc264="20000.00", bka831="0.00", bka832="20000.00"),
    ]
    platform = [
        _s(
            "ZY1",
            person=zhang,
            akc264="12300.00",
            bka831="300.00",
            bka832="12000.00",
            ake039="12000.00",
        ),
        _s("ZY2", akc264="20000.00", bka831="0.00", bka832="20000.00", ake039="20000.00"),
        _s("ZY9", akc264="5000.00", bka831="0.00", bka832="5000.00", ake039="5000.00"),
    ]
    items = classify(his, platform, [])
    hospital = Hospital("SS0001", "中山大学附属第七医院")
    run_id = 7 if period.is_day else None
    created = datetime(2026, 11, 26, 2)
    return Report(hospital, period, run_id, created, items, totals(his, platform, items), Privacy())


def _open(page: Page, tmp_path: Path, period: Period) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_html(_report(period)), encoding="utf-8")
    page.goto(path.as_uri())


_CELL = """([table, header]) => {
    const t = document.getElementById(table);
    const col = [...t.querySelectorAll("thead th")].findIndex(th => th.textContent === header);
    return t.querySelector("tbody tr").children[col];
}"""


def _style(page: Page, table: str, header: str, prop: str) -> str:
    cell = page.evaluate_handle(_CELL, [table, header])
    return str(cell.evaluate(f"c => getComputedStyle(c).{prop}"))


def _text(page: Page, table: str, header: str) -> str:
    return str(page.evaluate_handle(_CELL, [table, header]).evaluate("c => c.textContent"))


@pytest.fixture
def day_page(page: Page, tmp_path: Path) -> Page:
    _open(page, tmp_path, Period.day(date(2026, 11, 25)))
    return page


def test_the_summary_names_the_hospital_and_period_and_shows_both_totals_and_the_difference(
    day_page: Page,
) -> None:
    page = day_page
    assert page.locator("#hospital").inner_text() == "中山大学附属第七医院（医疗机构编码 SS0001）"
    assert page.locator("#period").inner_text().startswith("对账期间：2026-11-25　对账批次 7")
    assert page.locator("#headline tr").all_inner_texts() == [
        "医院结算总额（akc264）\t3 笔\t32,433.60",
        "平台结算总额（akc264）\t3 笔\t37,300.00",
        "差额（医院−平台）\t\t-4,866.40",
        "差异项合计\t3 项\t",
        "一致\t1 项\t",
    ]
    kinds = page.locator("#summary-1 caption").inner_text()
    assert kinds == "按类别汇总（门诊 / 住院）"
    total = page.locator("#summary-1 tfoot tr").inner_text().split("\t")
    assert total[:5] == ["合计", "3", "3", "32,433.60", "37,300.00"]


def test_differences_are_red_and_amounts_right_aligned_with_thousands_separators(
    day_page: Page,
) -> None:
    page = day_page
    difference = page.locator("#headline tr").nth(2).locator("td").nth(1)
    assert difference.evaluate("c => getComputedStyle(c).color") == RED
    table = "items-amount_diff"
    assert _text(page, table, "医疗总费用 akc264（医院）") == "12,345.60"
    differing = (
        "医疗总费用 akc264（医院）",
        "医疗总费用 akc264（平台）",
        "个人自付 bka831（平台）",
    )
    for header in (*differing, "总费用差额（医院−平台）"):
        assert _style(page, table, header, "color") == RED, header
    same = _style(page, table, "工伤保险支付 bka832（平台）", "color")
    assert same != RED and same == _style(page, table, "就诊号", "color")
    assert _style(page, table, "医疗总费用 akc264（医院）", "textAlign") == "right"
    assert _style(page, table, "就诊号", "textAlign") != "right"
    assert _text(page, table, "姓名") == "张*明"
    assert _text(page, table, "社会保障号码") == "4401**********4219"
    assert _text(page, "items-his_only", "姓名") == "刘*强"


def test_the_print_layout_is_a4_landscape_and_nothing_is_cut_off(day_page: Page) -> None:
    page = day_page
    page.emulate_media(media="print")
    page.set_viewport_size({"width": PRINTABLE_PX, "height": 700})
    assert page.evaluate("document.documentElement.scrollWidth") <= PRINTABLE_PX
    assert _style(page, "items-amount_diff", "医疗总费用 akc264（平台）", "color") == RED
    assert (
        _style(page, "items-amount_diff", "医疗总费用 akc264（平台）", "printColorAdjust")
        == "exact"
    )
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes, "no page in the PDF"
    for width, height in boxes:
        assert abs(float(width) - A4_LANDSCAPE_PT[0]) < 2 and abs(float(height) - 595) < 2


def test_a_monthly_statement_shows_every_day_of_the_month(page: Page, tmp_path: Path) -> None:
    _open(page, tmp_path, Period.month(2026, 11))
    assert page.locator("h1").inner_text().startswith("工伤联网结算月度报表 2026-11")
    assert "2026年11月（2026-11-01 至 2026-11-30）" in page.locator("#period").inner_text()
    days = page.locator("#summary-2")
    assert days.locator("caption").inner_text() == "每日明细"
    assert days.locator("tbody tr").count() == 30
    the_day = days.locator("tbody tr").nth(24).inner_text().split("\t")
    assert the_day[:5] == ["2026-11-25", "3", "3", "32,433.60", "37,300.00"]
    assert (
        days.locator("tbody tr")
        .nth(24)
        .locator("td")
        .nth(1)
        .evaluate("c => getComputedStyle(c).color")
        != RED
    )  # the same number of settlements on both sides
