"""The monthly statement against the simulator over HTTP: the month's settlements per fund,
kind and day, only the month's, the differences still open; the nightly run of a month's
last day mails it along (real SMTP on 127.0.0.1); and the persons of discrepancy rows are
named (masked) from the HIS view or the platform."""

from __future__ import annotations

import datetime as dt
import email
import email.header
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from reconcile_support import DAY, NOW, HisEnv, build_his_env, charge_outpatient, settle_stay
from smtp_support import SmtpServer, messages, serving
from test_platform_e2e_support import NORMAL, SECOND, SECOND_ID_NUMBER, fee_row

from syncd.config.settings import SmtpSettings
from syncd.db.schema import staging_tables
from syncd.reconcile import ItemClass, Period, reconcile_day, reconcile_month
from syncd.reconcile.tables import mask_id, mask_name

NOV_3, DEC_1 = dt.date(2026, 11, 3), dt.date(2026, 12, 1)
SECOND_NAME = "刘志强"  # aac003 of SECOND in the simulator's fixture (synthetic)


@pytest.fixture
def his(sqlite_url: str, tmp_path: Path) -> Iterator[HisEnv]:
    yield from build_his_env(sqlite_url, tmp_path / "reports")


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    yield from serving()


def _month_of_settlements(his: HisEnv) -> dict[str, str]:
    """On DAY (the 25th) a stay and an outpatient charge both sides agree on; on the 3rd a
    settlement only the HIS has; on December 1st one that is not November's."""
    stay, stay_figures = settle_stay(his, NORMAL, "ZY-1", [fee_row("120.00", "1")])
    his.his_settlement("INPATIENT", "ZY1", NORMAL, stay_figures, aaz218=stay)
    charge, charge_figures = charge_outpatient(his, SECOND)
    his.his_settlement("OUTPATIENT", "MZ2", SECOND, charge_figures, aaz218=charge, batch=1)
    his.his_settlement(
        "INPATIENT",
        "ZY3",
        NORMAL,
        {"akc264": "500.00", "bka832": "500.00"},
        aaz218="Z-EARLY",
        day=NOV_3,
    )
    his.his_settlement("INPATIENT", "ZY4", NORMAL, {"akc264": "70.00"}, aaz218="Z-DEC", day=DEC_1)
    return {**stay_figures, "charge": charge_figures["akc264"], "stay": stay}


def test_the_statement_sums_the_month_per_fund_kind_and_day_and_lists_what_is_open(
    his: HisEnv,
) -> None:
    figures = _month_of_settlements(his)
    # the platform alone: a stay and an outpatient charge the HIS has no row of
    alone, alone_figures = settle_stay(his, NORMAL, "ZY-5", [fee_row("40.00", "1")])
    op_alone, op_alone_figures = charge_outpatient(his, SECOND)
    result = reconcile_month(
        his.settings(), his.db, his.client, 2026, 11, feeds=his.feeds, now=NOW, mail=False
    )
    assert (result.run_id, result.period) == (None, Period.month(2026, 11))
    t = result.totals
    stay, charge = Decimal(figures["akc264"]), Decimal(figures["charge"])
    assert t.his_total == stay + charge + Decimal("500.00")  # not December's 70.00
    alone_total = Decimal(alone_figures["akc264"]) + Decimal(op_alone_figures["akc264"])
    assert t.platform_total == stay + charge + alone_total
    inpatient_fund = Decimal(figures["bka832"]) + Decimal(alone_figures["bka832"])
    assert t.by_kind["INPATIENT"].platform.figures["bka832"] == inpatient_fund
    assert t.by_kind["OUTPATIENT"].his.total == charge
    assert t.by_kind["OUTPATIENT"].platform.total == charge + Decimal(op_alone_figures["akc264"])
    assert sorted(d for d in t.by_day if d) == [NOV_3, DAY]
    assert t.by_day[NOV_3].his.total == Decimal("500.00") and t.by_day[NOV_3].platform.count == 0
    open_items = {(i.item_class, i.aaz218) for i in result.items if i.item_class.is_discrepancy}
    assert open_items == {
        (ItemClass.HIS_ONLY, "Z-EARLY"),
        (ItemClass.PLATFORM_ONLY, alone),
        (ItemClass.PLATFORM_ONLY, op_alone),
    }
    assert result.files.html.name.startswith("statement-2026-11-")
    book = openpyxl.load_workbook(result.files.xlsx)
    days = book["每日"]
    assert [days.cell(r, 1).value for r in (2, 4, 26)] == [
        dt.datetime(2026, 11, 1),
        dt.datetime(2026, 11, 3),
        dt.datetime(2026, 11, 25),
    ]
    assert days.cell(4, 4).value == 500 and days.cell(days.max_row, 1).value == "合计"
    with his.db.connect() as conn:  # a statement is not a stored run
        assert (
            conn.execute(
                sa.select(sa.func.count()).select_from(staging_tables().recon_run)
            ).scalar()
            == 0
        )


def _smtp(server: SmtpServer) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1",
        port=server.server_address[1],
        starttls=False,
        to=["caiwu@example.org"],
        timeout_s=5,
    )


def _attachments(message: email.message.Message) -> list[str]:
    return [str(p.get_filename()) for p in message.walk() if p.get_filename()]


def test_the_run_of_a_months_last_day_mails_the_months_statement_too(
    his: HisEnv, smtp_server: SmtpServer
) -> None:
    figures = _month_of_settlements(his)
    settings = his.settings(monthly_statement_mail=True, smtp=_smtp(smtp_server))
    last = reconcile_day(
        settings, his.db, his.client, dt.date(2026, 11, 30), feeds=his.feeds, now=NOW
    )
    before = reconcile_day(
        settings, his.db, his.client, dt.date(2026, 11, 29), feeds=his.feeds, now=NOW
    )
    assert last.statement is not None and before.statement is None
    assert last.statement.totals.platform_total == Decimal(figures["akc264"]) + Decimal(
        figures["charge"]
    )
    with_statement, plain = messages(smtp_server)
    subject = str(email.header.make_header(email.header.decode_header(with_statement["Subject"])))
    assert subject == "工伤联网结算对账 2026-11-30：全部一致（附 2026-11 月度报表）"
    names = _attachments(with_statement)
    assert names[:2] == ["reconcile-2026-11-30-run1.html", "reconcile-2026-11-30-run1.xlsx"]
    assert [n.rsplit(".", 1)[1] for n in names[2:]] == ["html", "xlsx"]
    assert all(n.startswith("statement-2026-11-") for n in names[2:])
    assert _attachments(plain) == [
        "reconcile-2026-11-29-run2.html",
        "reconcile-2026-11-29-run2.xlsx",
    ]


def test_discrepancy_rows_name_their_persons_masked_from_the_his_view_or_the_platform(
    his: HisEnv,
) -> None:
    """An outpatient charge only the platform has (the person asked of the platform by
    bizh110001) and a settlement only the HIS has (named by the view's AAC002/AAC003)."""
    charge, _ = charge_outpatient(his, SECOND)
    his.visit("MZ9", "OUTPATIENT", charge, "REGISTERED")
    his.insert("V_WI_OP_REGISTRATION", VISIT_NO="MZ9", PERSON_NO=SECOND)
    his.his_settlement(
        "INPATIENT",
        "ZY8",
        "1000010003",
        {"akc264": "10.00"},
        aaz218="Z-HIS",
        aac002="440300199001011234",
        aac003="王建国",
    )
    result = reconcile_day(
        his.settings(), his.db, his.client, DAY, feeds=his.feeds, now=NOW, mail=False
    )
    persons = {i.item_class: i.person for i in result.items}
    assert persons[ItemClass.PLATFORM_ONLY].aac003 == SECOND_NAME
    assert persons[ItemClass.HIS_ONLY].aac002 == "440300199001011234"
    assert "bizh110001" in [c["function_id"] for c in his.sim.calls()]
    page = result.files.html.read_text(encoding="utf-8")
    assert mask_id(SECOND_ID_NUMBER) in page and mask_name(SECOND_NAME) in page
    assert mask_name("王建国") == "王*国" and "王*国" in page and "4403**********1234" in page
    assert SECOND_ID_NUMBER not in page and SECOND_NAME not in page and "王建国" not in page
