"""``syncd demo`` as a newcomer runs it: the installed command in a subprocess, no settings
file anywhere, in an empty working directory."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

SYNCD = shutil.which("syncd") or str(Path(os.sys.executable).with_name("syncd"))


def _demo(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    return subprocess.run(
        [SYNCD, "demo", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


def test_demo_with_keep_answers_every_command_and_keeps_the_database(tmp_path: Path) -> None:
    """Exit 0, the summary and the file locations printed; the kept SQLite file has every
    WI_REQUEST row answered, Chinese rejection reasons, and the visits in their end states."""
    result = _demo(tmp_path, "--keep", "kept", "--no-progress")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "汇总 / summary" in out and "calls sent" in out and "bizh120106" in out
    assert "业务互斥" in out and "缺少必填项：电脑号(aac001)" in out
    assert "WI_REQUEST as the HIS reads it" in out and "已经办理过退费" in out
    db = tmp_path / "kept" / "his.db"
    assert str(db) in out and "WI_MESSAGE" in out
    statuses = dict(_rows(db, "SELECT status, COUNT(*) FROM WI_REQUEST GROUP BY status"))
    assert set(statuses) == {"DONE", "REJECTED"} and statuses["DONE"] > 10
    rejected = [
        m
        for (m,) in _rows(
            db, "SELECT return_code_message FROM WI_REQUEST WHERE status = 'REJECTED'"
        )
    ]
    assert "已经办理过退费，不能重复退费" in rejected
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in str(m)) for m in rejected)
    busy = _rows(
        db,
        "SELECT COUNT(*) FROM WI_SYNC_STATUS WHERE status IN"
        " ('PENDING', 'IN_FLIGHT', 'UNKNOWN', 'FAILED')",
    )
    assert busy == [(0,)]
    states = dict(_rows(db, "SELECT visit_key, state FROM WI_VISIT WHERE kind = 'INPATIENT'"))
    assert sorted(states.values()) == ["CANCELLED", "DISCHARGED", "SETTLED"]
    assert _rows(db, "SELECT COUNT(*) FROM WI_MESSAGE")[0][0] > 30
    assert (tmp_path / "kept" / "syncd.yaml").is_file()
    if "reconcile" in out and "未生成" not in out:
        assert list((tmp_path / "kept" / "reports").glob("*.html"))


def test_demo_without_keep_removes_its_folder_and_says_how_to_keep_it(tmp_path: Path) -> None:
    """The default run cleans up after itself and points at --keep."""
    result = _demo(tmp_path)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    folder = Path(first.rpartition("folder: ")[2])
    assert folder.name.startswith("syncd-demo-") and not folder.exists()
    assert "--keep DIR" in result.stdout
    assert list(tmp_path.iterdir()) == []
