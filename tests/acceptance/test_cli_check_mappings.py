"""``syncd check`` with mappings, as an operator runs it: the live check against the database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SYNCD = shutil.which("syncd") or str(Path(sys.executable).with_name("syncd"))
REPO = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env["SYNCD_PLATFORM__PASSWORD"] = "pw"
    return subprocess.run(
        list(args), capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False
    )


def write_config(folder: Path, db: Path, mappings: Path) -> Path:
    cfg = folder / "syncd.yaml"
    (folder / "reports").mkdir(exist_ok=True)
    cfg.write_text(
        "hospital: {akb020: SS0001, name: 示例医院}\n"
        f"database: {{url: 'sqlite:///{db}'}}\n"
        "platform: {userid: SS0001}\n"
        f"folders: {{mappings: '{mappings}', reports: reports}}\n",
        encoding="utf-8",
    )
    return cfg


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reference HIS seeded the way a DBA does it (python -m syncd.reference)."""
    db = tmp_path_factory.mktemp("his") / "his.db"
    seeding = run(
        sys.executable,
        "-m",
        "syncd.reference",
        "--url",
        f"sqlite:///{db}",
        "--day",
        "2026-11-25",
        cwd=db.parent,
    )
    assert seeding.returncode == 0, seeding.stderr
    return db


def test_check_passes_with_the_shipped_mappings_on_the_reference_views(
    seeded_db: Path, tmp_path: Path
) -> None:
    """Exit 0: the settings, 30 mapping files and every view/column they read are fine."""
    cfg = write_config(tmp_path, seeded_db, REPO / "mappings")
    result = run(SYNCD, "--config", str(cfg), "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "30 mapping file(s) OK" in result.stdout
    assert "every view and column the mappings read exists" in result.stdout


def test_check_reports_a_renamed_column_with_position_and_suggestion_and_exits_78(
    seeded_db: Path, tmp_path: Path
) -> None:
    """A DBA's typo in a copy of the mappings: file:line:column, what is wrong, did you mean."""
    mappings = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings", mappings)
    admission = mappings / "inpatient" / "ip_admission.yaml"
    text = admission.read_text(encoding="utf-8")
    admission.write_text(text.replace("{column: WARD_NAME,", "{column: WARD_NMAE,"), "utf-8")
    line = next(n for n, s in enumerate(text.splitlines(), start=1) if "WARD_NAME," in s)
    column = text.splitlines()[line - 1].index("column:") + 1
    cfg = write_config(tmp_path, seeded_db, mappings)
    result = run(SYNCD, "--config", str(cfg), "check", cwd=tmp_path)
    assert result.returncode == 78, result.stderr
    where = f"{admission}:{line}:{column}: column 'WARD_NMAE' is not in view V_WI_IP_ADMISSION"
    assert where in result.stderr
    assert "did you mean 'WARD_NAME'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_says_clearly_when_the_database_cannot_be_reached_and_exits_69(
    tmp_path: Path,
) -> None:
    """Valid mappings, database unreachable: not a configuration error (exit 69, not 78)."""
    cfg = write_config(tmp_path, tmp_path / "no-such-dir" / "his.db", REPO / "mappings")
    result = run(SYNCD, "--config", str(cfg), "check", cwd=tmp_path)
    assert result.returncode == 69, result.stderr
    assert "数据库无法连接" in result.stderr
    assert "unreachable" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_disabled_feed_needs_no_view_and_a_large_view_without_watermark_gets_a_hint(
    seeded_db: Path, tmp_path: Path
) -> None:
    """A disabled feed's view missing from the HIS: exit 0, the feed is said to be disabled,
    no view is suggested for it.  A fact view of more rows than polling.watermark_hint_rows
    and no watermark: a hint with its row count (a warning: still exit 0)."""
    mappings = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings", mappings)
    late = mappings / "other" / "illness_late_upload.yaml"
    text = late.read_text(encoding="utf-8")
    late.write_text(text.replace("V_WI_IP_ILLNESS_FEE", "V_WI_NOT_THERE"), encoding="utf-8")
    cfg = write_config(tmp_path, seeded_db, mappings)
    with cfg.open("a", encoding="utf-8") as out:
        out.write("polling: {watermark_hint_rows: 20, watermarks: {ip_fee: {column: null}}}\n")
    result = run(SYNCD, "--config", str(cfg), "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        f"{late}: 该业务已停用（enabled: false），不需要也未检查视图 V_WI_NOT_THERE"
        in result.stdout
    )
    assert "V_WI_NOT_THERE" not in result.stderr and "did you mean" not in result.stderr
    with sqlite3.connect(seeded_db) as conn:
        (fees,) = conn.execute("SELECT COUNT(*) FROM V_WI_IP_FEE").fetchone()
    assert fees > 20
    assert f"提示：业务 ip_fee 的视图 V_WI_IP_FEE 有 {fees:,} 行，未配置 watermark" in result.stderr
    assert "polling.watermarks.ip_fee" in result.stderr
    assert result.stderr.count("提示：业务") == 1  # the other views are small
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("{ip_fee: {column: null}}", "{}"))
    again = run(SYNCD, "--config", str(cfg), "check", cwd=tmp_path)
    assert again.returncode == 0 and "提示：业务" not in again.stderr  # the mapping's FEE_ID


def test_a_disabled_feed_with_calls_not_settled_is_a_warning_at_its_enabled_line(
    seeded_db: Path, tmp_path: Path
) -> None:
    """Rows of the (shipped disabled) illness_late_upload feed IN_FLIGHT and UNKNOWN in the
    staging table: check warns at the mapping's ``enabled:`` line with the count and how to
    settle them (still exit 0); without such rows it says nothing of the kind."""
    db = tmp_path / "his.db"
    shutil.copy(seeded_db, db)
    cfg = write_config(tmp_path, db, REPO / "mappings")
    assert run(SYNCD, "--config", str(cfg), "init-db", cwd=tmp_path).returncode == 0
    quiet = run(SYNCD, "--config", str(cfg), "check", cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert "已停用（enabled: false），但仍有" not in quiet.stderr
    with sqlite3.connect(db) as conn:
        for n, status in enumerate(("IN_FLIGHT", "UNKNOWN", "SUCCEEDED")):
            conn.execute(
                "INSERT INTO WI_SYNC_STATUS (feed, source_key, version, function_id, visit_key,"
                " status, attempts, next_attempt_at, created_at, updated_at)"
                " VALUES ('illness_late_upload', ?, '', 'x', 'ZY1', ?, 1, '2026-11-25 09:00:00',"
                " '2026-11-25 09:00:00', '2026-11-25 09:00:00')",
                (f"K{n}", status),
            )
    result = run(SYNCD, "--config", str(cfg), "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    late = REPO / "mappings" / "other" / "illness_late_upload.yaml"
    line = next(
        n
        for n, s in enumerate(late.read_text(encoding="utf-8").splitlines(), start=1)
        if s.startswith("enabled:")
    )
    said = (
        f"{late}:{line}:1: 警告：业务 illness_late_upload 已停用（enabled: false），"
        "但仍有 2 行的调用结果未确认"
    )
    assert said in result.stderr
    assert "syncd 会先向平台查询确认这些调用" in result.stderr
