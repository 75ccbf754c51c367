"""Nightly reconciliation against the simulator over HTTP: every seeded discrepancy class is
found, nothing else is reported, the run is stored, the reports read back, exit codes hold."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from reconcile_support import DAY, NOW, HisEnv, build_his_env, charge_outpatient, settle_stay
from test_platform_e2e_support import NORMAL, NORMAL_ID_NUMBER, NORMAL_NAME, SECOND, fee_row

from syncd.core.errors import PlatformUnavailable
from syncd.db.recon_store import ReconStore
from syncd.db.schema import staging_tables
from syncd.reconcile import ItemClass, ReconResult, reconcile_day

THIRD = "1000010003"  # not insured: a person the HIS settled but the platform never saw


@pytest.fixture
def his(sqlite_url: str, tmp_path: Path) -> Iterator[HisEnv]:
    yield from build_his_env(sqlite_url, tmp_path / "reports")


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def any_his(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HisEnv]:
    """The same environment on SQLite, PostgreSQL and MariaDB in turn."""
    url = str(request.getfixturevalue(f"{request.param}_url"))
    yield from build_his_env(url, tmp_path / "reports")


def seed_every_class(his: HisEnv) -> dict[str, str]:
    """One business or ledger row per class (and two that match); returns the aaz218s."""
    ids: dict[str, str] = {}
    # matched: settled on both sides with the same figures; fee rows all uploaded
    ids["matched"], figures = settle_stay(his, NORMAL, "ZY-1", [fee_row("120.00", "1")])
    his.his_settlement("INPATIENT", "ZY1", NORMAL, figures)  # aaz218 from the visit ledger
    his.visit("ZY1", "INPATIENT", ids["matched"], "SETTLED")
    his.insert("V_WI_IP_FEE", FEE_ID=1, STAY_NO="ZY1")
    his.status("ip_fee", "1", "ZY1", "SUCCEEDED")
    # amount differs (akc264 only), and one fee row of that stay never uploaded
    ids["amount"], figures = settle_stay(his, SECOND, "ZY-2", [fee_row("60.00", "1")])
    his.his_settlement(
        "INPATIENT", "ZY2", SECOND, {**figures, "akc264": "61.00"}, aaz218=ids["amount"]
    )
    his.insert("V_WI_IP_FEE", FEE_ID=2, STAY_NO="ZY2")
    his.insert("V_WI_IP_FEE", FEE_ID=3, STAY_NO="ZY2")
    his.status("ip_fee", "2", "ZY2", "SUCCEEDED")
    # HIS only: the HIS settled a stay the platform never saw
    his.his_settlement("INPATIENT", "ZY3", THIRD, {"akc264": "10.00"}, aaz218="Z-NOWHERE")
    # platform only: an outpatient charge syncd made today, nothing in the HIS view; the person
    # is found through the visit ledger and the registration view
    ids["platform_only"], _ = charge_outpatient(his, NORMAL)
    his.visit("MZ4", "OUTPATIENT", ids["platform_only"], "REGISTERED")
    his.insert("V_WI_OP_REGISTRATION", VISIT_NO="MZ4", PERSON_NO=NORMAL)
    # cancelled in the HIS only: refunded in the HIS, still settled on the platform
    ids["cancel_his"], figures = charge_outpatient(his, SECOND)
    his.his_settlement(
        "OUTPATIENT", "MZ5", SECOND, figures, aaz218=ids["cancel_his"], batch=1, cancelled=True
    )
    # cancelled on the platform only: settlement cancelled there, still live in the HIS
    ids["cancel_platform"], figures = settle_stay(his, NORMAL, "ZY-6", [fee_row("30.00", "1")])
    his.driver.ok("bizh120107", aaz218=ids["cancel_platform"])
    his.his_settlement("INPATIENT", "ZY6", NORMAL, figures, aaz218=ids["cancel_platform"])
    # matched outpatient batch (same figures)
    ids["matched_op"], figures = charge_outpatient(his, SECOND)
    his.his_settlement("OUTPATIENT", "MZ7", SECOND, figures, aaz218=ids["matched_op"], batch=1)
    # stuck in syncd: an UNKNOWN settlement row and a FAILED command
    his.status("ip_discharge", "ZY8", "ZY8", "UNKNOWN", function_id="bizh120105")
    his.command("ip_settle", "FAILED", "ZY8")
    # in flight: since yesterday morning is stuck, since a minute ago is not (stuck_after_s)
    his.status("ip_fee", "81", "ZY81", "IN_FLIGHT")
    his.status("ip_fee", "82", "ZY82", "IN_FLIGHT", NOW - dt.timedelta(minutes=1))
    # 病案首页 overdue: discharged 15 days ago, never uploaded; ZY1's was uploaded in time
    long_ago = dt.datetime(2026, 11, 10, 15)
    his.status("ip_discharge", "ZY9", "ZY9", "SUCCEEDED", long_ago, "bizh120105")
    his.status("ip_discharge", "ZY1", "ZY1", "SUCCEEDED", long_ago, "bizh120105")
    his.status("mr_patient", "ZY1", "ZY1", "SUCCEEDED", long_ago, "bizh200101")
    his.status(
        "ip_discharge", "ZY10", "ZY10", "SUCCEEDED", dt.datetime(2026, 11, 24, 9), "bizh120105"
    )  # discharged yesterday: not due yet
    # discharge changed and registered again yesterday (a new version): the days count anew
    his.status("ip_discharge", "ZY11", "ZY11", "SUCCEEDED", long_ago, "bizh120105", "v1")
    his.status(
        "ip_discharge",
        "ZY11",
        "ZY11",
        "SUCCEEDED",
        dt.datetime(2026, 11, 24, 9),
        "bizh120105",
        "v2",
    )
    return ids


def _run(his: HisEnv, **reconcile: object) -> ReconResult:
    return reconcile_day(
        his.settings(**reconcile), his.db, his.client, DAY, feeds=his.feeds, now=NOW, mail=False
    )


def _classes(result: ReconResult) -> list[tuple[str, str, str]]:
    return sorted(
        (i.item_class.value, i.aaz218 or i.visit_key, i.feed or ",".join(i.differences))
        for i in result.items
    )


def test_every_seeded_discrepancy_is_found_and_nothing_else(any_his: HisEnv) -> None:
    his = any_his
    ids = seed_every_class(his)
    result = _run(his)
    assert _classes(result) == sorted(
        [
            ("MATCHED", ids["matched"], ""),
            ("MATCHED", ids["matched_op"], ""),
            ("AMOUNT_DIFF", ids["amount"], "akc264"),
            ("HIS_ONLY", "Z-NOWHERE", ""),
            ("PLATFORM_ONLY", ids["platform_only"], ""),
            ("CANCELLED_HIS_ONLY", ids["cancel_his"], ""),
            ("CANCELLED_PLATFORM_ONLY", ids["cancel_platform"], ""),
            ("FEES_NOT_UPLOADED", ids["amount"], "ip_fee"),
            ("STUCK", "ZY8", "ip_discharge"),
            ("STUCK", "ZY8", "ip_settle"),
            ("STUCK", "ZY81", "ip_fee"),
            ("RECORD_OVERDUE", "ZY9", "mr_patient"),
        ]
    )
    diff = next(i for i in result.items if i.item_class is ItemClass.AMOUNT_DIFF)
    assert diff.his["akc264"] == Decimal("61.00") and diff.platform["akc264"] == Decimal("60.00")
    assert result.exit_code == 3 and result.discrepancies == 10


def test_the_run_and_its_items_are_stored(his: HisEnv) -> None:
    seed_every_class(his)
    result = _run(his)
    store = ReconStore(his.db, staging_tables())
    run = store.get(result.run_id)
    assert (run["status"], run["recon_date"], run["mismatch_count"]) == ("DONE", DAY, 10)
    assert run["item_count"] == len(result.items) == 12
    assert run["report_html"] == str(result.files.html)
    items = store.items(result.run_id)
    assert sorted(i["item_class"] for i in items) == sorted(i.item_class for i in result.items)
    assert all(i["action"] for i in items if i["item_class"] != "MATCHED")


def test_a_clean_day_exits_zero(his: HisEnv) -> None:
    aaz218, figures = settle_stay(his, NORMAL, "ZY-1", [fee_row("120.00", "1")])
    his.his_settlement("INPATIENT", "ZY1", NORMAL, figures, aaz218=aaz218)
    result = _run(his)
    assert [i.item_class for i in result.items] == [ItemClass.MATCHED]
    assert result.exit_code == 0


class _Cells(HTMLParser):
    """Collects the text of every table cell and heading."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.headings: list[str] = []
        self._into: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._into = (
            self.cells if tag in ("td", "th") else self.headings if tag in ("h1", "h2") else None
        )
        if self._into is not None:
            self._into.append("")

    def handle_endtag(self, tag: str) -> None:
        self._into = None

    def handle_data(self, data: str) -> None:
        if self._into is not None:
            self._into[-1] += data


def _html(path: Path) -> _Cells:
    parser = _Cells()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_reports_read_back_with_totals_first_and_one_sheet_per_class(his: HisEnv) -> None:
    ids = seed_every_class(his)
    result = _run(his)
    page = _html(result.files.html)
    assert page.headings[1] == "汇总"  # totals come first
    assert any("金额不一致" in h for h in page.headings)
    assert ids["amount"] in page.cells and "61.00" in page.cells
    book = openpyxl.load_workbook(result.files.xlsx)
    assert book.sheetnames[:2] == ["汇总", "差异分类"]
    assert len(book.sheetnames) == 2 + len(ItemClass)
    amount = book["金额不符"]
    rows = list(amount.iter_rows(values_only=True))
    assert rows[0][:3] == ("类别", "就诊号", "就医登记号") and len(rows) == 3  # + 合计
    total = rows[0].index("医疗总费用 akc264（医院）")
    assert rows[1][2] == ids["amount"] and rows[1][total] == 61 and rows[2][0] == "合计"
    with result.files.csv.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    assert len(lines) == 1 + len(result.items)


def test_reports_hold_no_id_number_or_name_unless_configured(his: HisEnv) -> None:
    seed_every_class(his)
    masked = _run(his)
    for path in (masked.files.html, masked.files.csv):
        text = path.read_text(encoding="utf-8-sig")
        assert NORMAL_ID_NUMBER not in text and NORMAL_NAME not in text
        assert NORMAL_ID_NUMBER[:4] + "**********" + NORMAL_ID_NUMBER[-4:] in text
    book_text = _xlsx_text(masked.files.xlsx)
    assert NORMAL_ID_NUMBER not in book_text and NORMAL_NAME not in book_text
    shown = _run(his, include_id_numbers=True, include_names=True)
    text = shown.files.html.read_text(encoding="utf-8")
    assert NORMAL_ID_NUMBER in text and NORMAL_NAME in text


def _xlsx_text(path: Path) -> str:
    book = openpyxl.load_workbook(path)
    return " ".join(
        str(v)
        for sheet in book
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if v is not None
    )


def test_an_unreachable_platform_fails_the_run_and_stores_why(his: HisEnv) -> None:
    his.his_settlement("INPATIENT", "ZY1", NORMAL, {"akc264": "10.00"}, aaz218="Z1")
    his.sim.stop()
    with pytest.raises(PlatformUnavailable):
        _run(his)
    with his.db.connect() as conn:
        run = conn.execute(sa.select(staging_tables().recon_run)).mappings().one()
    assert run["status"] == "FAILED" and "平台查询失败" in run["last_error"]
    assert not list(his.reports.glob("*.html"))  # no report of a day half compared
