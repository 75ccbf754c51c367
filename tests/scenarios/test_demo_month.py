"""A month of demo days (``syncd.demo.run``: the reference HIS, the engine, the simulator over
HTTP), each reconciled nightly, then the month's statement: it balances with the sum of its
daily reports — per day, per fund, per kind, in the workbooks too — leaves out the next
month's day, and lists the differences still open."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from syncd.demo.day import day_stages
from syncd.demo.run import DemoSite, prepare, run_day
from syncd.platform.client import PlatformClient
from syncd.reconcile import ItemClass, Period, ReconResult, reconcile_day, reconcile_month
from syncd.reconcile.totals import Side
from syncd.reference import seed
from syncd.reference.schema import build_metadata
from syncd.simulator import SHANGHAI

NOVEMBER = [dt.date(2026, 11, 28), dt.date(2026, 11, 29), dt.date(2026, 11, 30)]
DECEMBER_1 = dt.date(2026, 12, 1)
EXTRA = Decimal("321.00")  # a settlement the HIS alone made on the 29th

pytestmark = pytest.mark.slow


def _on(day: dt.date) -> dt.datetime:
    """The simulator's clock on ``day`` (time of day as it passes)."""
    return dt.datetime.combine(day, dt.datetime.now(SHANGHAI).time(), tzinfo=SHANGHAI)


def _demo_days(site: DemoSite, days: list[dt.date]) -> None:
    for day in days:
        if day != site.day:
            seed(site.engine, day=day)
        site.sim.clock = lambda day=day: _on(day)
        assert run_day(site, lambda text, final: None, day_stages(day)), day


def _his_alone(site: DemoSite, day: dt.date) -> None:
    """A settlement in the HIS that never reached the platform (a clerk's manual entry)."""
    table = build_metadata().tables["HIS_SETTLEMENT"]
    row = {
        "SETTLE_ID": 9,
        "VISIT_KIND": "2",
        "VISIT_NO": f"ZY{day:%y%m%d}099",
        "AKC264": EXTRA,
        "BKA831": Decimal("0.00"),
        "BKA832": EXTRA,
        "AKE039": EXTRA,
        "CANCELLED": "0",
        "SETTLE_TIME": dt.datetime.combine(day, dt.time(18)),
    }
    with site.engine.begin() as conn:
        conn.execute(table.insert().values(row))


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict, ReconResult]]:
    site = prepare(tmp_path_factory.mktemp("demo-month") / "site", NOVEMBER[0])
    try:
        _demo_days(site, [*NOVEMBER, DECEMBER_1])
        _his_alone(site, NOVEMBER[1])
        with PlatformClient(site.settings.platform) as client:
            daily = {
                day: reconcile_day(
                    site.settings, site.engine, client, day, feeds=site.feeds, mail=False
                )
                for day in [*NOVEMBER, DECEMBER_1]
            }
            statement = reconcile_month(
                site.settings, site.engine, client, 2026, 11, feeds=site.feeds, mail=False
            )
        yield daily, statement
    finally:
        site.close()


def _sum(sides: list[Side]) -> tuple[int, dict[str, Decimal]]:
    figures: dict[str, Decimal] = {}
    for side in sides:
        for name, value in side.figures.items():
            figures[name] = figures.get(name, Decimal("0")) + value
    return sum(s.count for s in sides), figures


def test_each_day_of_the_statement_is_that_days_report(month: tuple[dict, ReconResult]) -> None:
    daily, statement = month
    assert statement.period == Period.month(2026, 11)
    for day in NOVEMBER:
        assert statement.totals.by_day[day] == daily[day].totals.overall, day
        assert daily[day].totals.his_count > 0 and daily[day].totals.platform_total > 0
    assert DECEMBER_1 not in statement.totals.by_day and daily[DECEMBER_1].totals.his_count > 0


def test_the_months_funds_and_kinds_are_the_sums_of_the_days(
    month: tuple[dict, ReconResult],
) -> None:
    daily, statement = month
    t = statement.totals
    for side in ("his", "platform"):
        days = [getattr(daily[d].totals.overall, side) for d in NOVEMBER]
        mine = getattr(t.overall, side)
        assert (mine.count, dict(mine.figures)) == _sum(days), side
        for kind in ("OUTPATIENT", "INPATIENT"):
            per_kind = [getattr(daily[d].totals.by_kind[kind], side) for d in NOVEMBER]
            got = getattr(t.by_kind[kind], side)
            assert (got.count, dict(got.figures)) == _sum(per_kind), (side, kind)
    assert t.his_total - t.platform_total == EXTRA  # the HIS-only settlement, nothing else


def test_the_open_differences_of_the_month_are_those_of_its_days(
    month: tuple[dict, ReconResult],
) -> None:
    daily, statement = month

    def open_settlements(result: ReconResult) -> set[tuple[str, str, str, int]]:
        return {
            (i.item_class.value, i.visit_key, i.aaz218, i.bka001)
            for i in result.items
            if i.item_class.is_discrepancy and i.kind
        }

    found = open_settlements(statement)
    assert found == set().union(*(open_settlements(daily[d]) for d in NOVEMBER))
    assert [c for c, *_ in found] == [ItemClass.HIS_ONLY.value]


def test_the_statements_workbook_balances_with_the_daily_workbooks(
    month: tuple[dict, ReconResult],
) -> None:
    daily, statement = month
    days = openpyxl.load_workbook(statement.files.xlsx)["每日"]
    header = [c.value for c in days[1]]
    by_day = {
        row[0].date(): row
        for row in days.iter_rows(min_row=2, values_only=True)
        if isinstance(row[0], dt.datetime)
    }
    for day in NOVEMBER:
        summary = openpyxl.load_workbook(daily[day].files.xlsx)["汇总"]
        assert [c.value for c in summary[5]][1:] == header[1:]
        total = [c.value for c in summary[summary.max_row]]
        assert total[0] == "合计" and list(by_day[day][1:]) == total[1:], day
    month_total = [c.value for c in days[days.max_row]]
    summary = openpyxl.load_workbook(statement.files.xlsx)["汇总"]
    assert month_total[1:] == [c.value for c in summary[summary.max_row]][1:]


def _csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_the_statements_csv_has_the_daily_breakdown_balancing_with_the_daily_reports(
    month: tuple[dict, ReconResult],
) -> None:
    """The statement's CSV comes as three files: every item, ``-kinds.csv`` and ``-days.csv``
    (each with its 合计 line); a day's line is that day's report's total, the month's 合计
    the sum of the days and the kinds' 合计."""
    daily, statement = month
    kinds_csv, days_csv = statement.files.tables_csv
    assert (kinds_csv.name, days_csv.name) == (
        statement.files.csv.stem + "-kinds.csv",
        statement.files.csv.stem + "-days.csv",
    )
    days = _csv(days_csv)
    assert days[0][0] == "日期" and days[0][1:3] == ["医院笔数", "平台笔数"]
    by_day = {line[0]: line for line in days[1:-1]}
    assert list(by_day) == [f"2026-11-{n:02d}" for n in range(1, 31)]  # every day of the month
    for day in NOVEMBER:
        assert daily[day].files.tables_csv == ()  # a day's report: the items only
        total = daily[day].totals.overall
        line = by_day[day.isoformat()]
        assert (int(line[1]), int(line[2])) == (total.his.count, total.platform.count)
        assert Decimal(line[3]) == total.his.total and Decimal(line[4]) == total.platform.total
    month_total = days[-1]
    assert month_total[0] == "合计"
    assert month_total[1:] == _csv(kinds_csv)[-1][1:]  # the days add up to the kinds
    assert Decimal(month_total[3]) - Decimal(month_total[4]) == EXTRA
