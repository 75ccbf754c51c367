"""The installed ``syncd`` command, run as an operator would, in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SYNCD = shutil.which("syncd") or str(Path(os.sys.executable).with_name("syncd"))


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env = {**base, **(env or {})}
    return subprocess.run(
        [SYNCD, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60, check=False
    )


def test_check_reports_misspelt_key_and_missing_value_and_exits_78(tmp_path: Path) -> None:
    cfg = tmp_path / "syncd.yaml"
    cfg.write_text(
        "hospital:\n  akb020: H1\ndatabase:\n  url: sqlite:///x.db\nplatform:\n  usrid: A\n"
    )
    result = run("--config", str(cfg), "check")
    assert result.returncode == 78
    assert f"{cfg}:5:1: 缺少必填项 'platform.userid' / missing required value" in result.stderr
    assert f"{cfg}:6:3: 未知的键 'platform.usrid' / unknown key 'platform.usrid'" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_passes_on_a_valid_config_with_password_from_env(tmp_path: Path) -> None:
    (tmp_path / "mappings").mkdir()  # folders.mappings: an empty folder is valid
    (tmp_path / "reports").mkdir()
    cfg = tmp_path / "syncd.yaml"
    cfg.write_text(
        "hospital:\n  akb020: H1\ndatabase:\n  url: sqlite:///x.db\nplatform:\n  userid: A\n"
        "folders:\n  reports: reports\n"
    )
    env = {"SYNCD_PLATFORM__PASSWORD": "pw"}
    result = run("--config", str(cfg), "check", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_config_path_comes_from_SYNCD_CONFIG(tmp_path: Path) -> None:
    result = run("check", env={"SYNCD_CONFIG": str(tmp_path / "absent.yaml")})
    assert result.returncode == 78
    assert "absent.yaml: 文件不存在 / file not found" in result.stderr
