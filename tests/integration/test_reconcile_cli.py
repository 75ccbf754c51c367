"""`syncd reconcile --date` and `syncd codes check` in a subprocess: exit 0 when all is well,
2 when there is something to look at (for monitoring), 1 when the run cannot be done."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from reconcile_support import DAY, MAPPINGS, HisEnv, build_his_env
from test_platform_e2e_support import NORMAL, NORMAL_ID_NUMBER, fee_row

from syncd.simulator import DEFAULT_PASSWORD, DEFAULT_USERID


@pytest.fixture
def his(tmp_path: Path) -> Iterator[HisEnv]:
    yield from build_his_env(f"sqlite:///{tmp_path / 'his.db'}", tmp_path / "reports")


def _config(his: HisEnv, folder: Path, mappings: Path = MAPPINGS) -> Path:
    path = folder / "syncd.yaml"
    path.write_text(
        f"hospital:\n  akb020: SS0001\ndatabase:\n  url: {his.db_url}\n"
        f"platform:\n  url: {his.sim.endpoint}\n  userid: {DEFAULT_USERID}\n"
        f"folders:\n  mappings: {mappings}\n  reports: {his.reports}\n",
        encoding="utf-8",
    )
    return path


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env.update(SYNCD_CONFIG=str(config), SYNCD_PLATFORM__PASSWORD=DEFAULT_PASSWORD)
    return subprocess.run(
        [sys.executable, "-m", "syncd", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _settle(his: HisEnv, total_delta: str = "0") -> None:
    aaz218 = his.driver.settled([fee_row("120.00", "1")], aac001=NORMAL, bka025="ZY-1")
    slip = his.driver.ok("bizh120206", aaz218=aaz218).slip
    his.his_settlement(
        "INPATIENT",
        "ZY1",
        NORMAL,
        {
            "akc264": str(slip.bka979 + Decimal(total_delta)),
            "bka831": str(slip.bka812),
            "bka832": str(slip.bka811),
        },
        aaz218=aaz218,
    )


def test_a_clean_day_exits_0_and_names_the_reports(his: HisEnv, tmp_path: Path) -> None:
    _settle(his)
    result = _run(_config(his, tmp_path), "reconcile", "--date", DAY.isoformat(), "--no-mail")
    assert result.returncode == 0, result.stderr
    assert f"report: {his.reports}/reconcile-{DAY.isoformat()}-run1.html" in result.stdout
    assert (his.reports / f"reconcile-{DAY.isoformat()}-run1.xlsx").exists()


def test_discrepancies_exit_3_and_the_output_holds_no_id_number(
    his: HisEnv, tmp_path: Path
) -> None:
    _settle(his, total_delta="1.00")
    result = _run(_config(his, tmp_path), "reconcile", "--date", DAY.isoformat(), "--no-mail")
    assert result.returncode == 3, result.stderr
    assert "金额不一致 / amounts differ: 1" in result.stdout
    assert NORMAL_ID_NUMBER not in result.stdout + result.stderr


def test_a_setting_naming_no_feed_stops_the_run_with_exit_78(his: HisEnv, tmp_path: Path) -> None:
    """Like every other command: nothing configured is silently ignored (#13 item 5)."""
    config = _config(his, tmp_path)
    with config.open("a", encoding="utf-8") as f:
        f.write("polling:\n  feed_intervals_s:\n    inpatient_fee: 5\n")
    result = _run(config, "reconcile", "--date", DAY.isoformat(), "--no-mail")
    assert result.returncode == 78, result.stderr
    assert "inpatient_fee" in result.stderr and "'ip_fee'" in result.stderr
    assert not list(his.reports.glob("reconcile-*"))


def test_a_missing_settlement_view_fails_the_run_with_exit_1(his: HisEnv, tmp_path: Path) -> None:
    with his.db.begin() as conn:
        conn.execute(sa.text("DROP TABLE V_WI_SETTLEMENT_DAY"))
    result = _run(_config(his, tmp_path), "reconcile", "--date", DAY.isoformat(), "--no-mail")
    assert result.returncode == 1
    assert "V_WI_SETTLEMENT_DAY" in result.stderr
    with his.db.connect() as conn:
        status = conn.execute(sa.text("SELECT status FROM wi_recon_run")).scalar_one()
    assert status == "FAILED"


def test_codes_check_exits_3_listing_an_untranslated_value_then_0(
    his: HisEnv, tmp_path: Path
) -> None:
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    shutil.copy(
        MAPPINGS.parent / "tests" / "data" / "engine" / "inpatient" / "ip_admission.yaml",
        mappings / "ip_admission.yaml",
    )
    text = (
        (mappings / "ip_admission.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "  bka021: {column: WARD_CODE}\n", "  bka021: {column: WARD_CODE, codes: {W05: W05}}\n"
        )
    )
    (mappings / "ip_admission.yaml").write_text(text, encoding="utf-8")
    with his.db.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE T_ADMISSION (ADM_ID INTEGER PRIMARY KEY, WARD_CODE VARCHAR(10))")
        )
        conn.execute(sa.text("INSERT INTO T_ADMISSION VALUES (1, 'W05'), (2, 'W99')"))
    config = _config(his, tmp_path, mappings)
    found = _run(config, "codes", "check")
    assert found.returncode == 3, found.stderr
    assert "T_ADMISSION.WARD_CODE='W99'" in found.stdout and "例 / e.g.: 2" in found.stdout
    with his.db.begin() as conn:
        conn.execute(sa.text("UPDATE T_ADMISSION SET WARD_CODE = 'W05'"))
    clean = _run(config, "codes", "check")
    assert clean.returncode == 0 and "所有代码均有对照" in clean.stdout


def test_a_monthly_statement_is_written_and_both_options_at_once_are_a_usage_error(
    his: HisEnv, tmp_path: Path
) -> None:
    _settle(his)
    config = _config(his, tmp_path)
    result = _run(config, "reconcile", "--month", f"{DAY:%Y-%m}", "--no-mail")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"月度报表 / month: {DAY:%Y-%m}\n")
    assert "住院: 医院 1 笔" in result.stdout
    assert len(list(his.reports.glob(f"statement-{DAY:%Y-%m}-*.xlsx"))) == 1
    both = _run(config, "reconcile", "--month", f"{DAY:%Y-%m}", "--date", DAY.isoformat())
    assert both.returncode == 2 and "--date 与 --month 只能选一个" in both.stderr
    future = _run(config, "reconcile", "--month", "2999-01")
    assert future.returncode == 2 and "尚未开始" in future.stderr
    assert not list(his.reports.glob("statement-2999-*"))
