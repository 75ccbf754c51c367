"""The installed ``syncd`` command, run as an operator would, in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

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


BLOCKER = """
import sys
class _Blocker:
    def find_spec(self, name, path=None, target=None):
        if name == "psycopg":
            raise ModuleNotFoundError("No module named 'psycopg'")
        if name == "pyodbc":
            raise ImportError("libodbc.so.2: cannot open shared object file")
        return None
sys.meta_path.insert(0, _Blocker())
"""


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (
            "postgresql+psycopg://syncd@db/his",
            "未安装数据库驱动 psycopg：pip install 'syncd[postgresql]' / "
            "the database driver psycopg is not installed: pip install 'syncd[postgresql]'",
        ),
        (
            "mssql+pyodbc://syncd@his-dsn",
            "数据库驱动 pyodbc 无法加载（libodbc.so.2: cannot open shared object file）："
            "需要 unixODBC (apt-get install unixodbc) / the database driver pyodbc cannot load "
            "(libodbc.so.2: cannot open shared object file): it needs unixODBC (apt-get install "
            "unixodbc)",
        ),
    ],
)
def test_a_missing_database_driver_is_one_line_naming_what_to_install(
    tmp_path: Path, url: str, said: str
) -> None:
    """No traceback: one line, Chinese then English, exit 78 (as on a machine without it)."""
    (tmp_path / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    cfg = tmp_path / "syncd.yaml"
    cfg.write_text(f"hospital:\n  akb020: H1\ndatabase:\n  url: '{url}'\nplatform:\n  userid: A\n")
    result = run("--config", str(cfg), "init-db", env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 78
    assert result.stderr.splitlines() == [f"配置错误 / configuration error: {said}"]


def test_check_reads_the_credentials_the_service_gets_from_credentials_dir(tmp_path: Path) -> None:
    (tmp_path / "mappings").mkdir()
    (tmp_path / "reports").mkdir()
    cfg = tmp_path / "syncd.yaml"
    cfg.write_text(
        "hospital:\n  akb020: H1\ndatabase:\n  url: sqlite:///x.db\nplatform:\n"
        "  userid: A\nfolders:\n  reports: reports\n"
    )
    without = run("--config", str(cfg), "check", "--offline")
    assert without.returncode == 78 and "platform.password: 未配置密码" in without.stderr
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "platform-password").write_text("pw\n", encoding="utf-8")
    given = run("--config", str(cfg), "check", "--offline", "--credentials-dir", str(credentials))
    assert given.returncode == 0, given.stderr
    by_env = run(
        "--config", str(cfg), "check", "--offline", env={"CREDENTIALS_DIRECTORY": str(credentials)}
    )
    assert by_env.returncode == 0, by_env.stderr


def test_check_names_a_folder_syncd_would_write_that_does_not_exist(tmp_path: Path) -> None:
    (tmp_path / "mappings").mkdir()
    cfg = tmp_path / "syncd.yaml"
    cfg.write_text(
        "hospital:\n  akb020: H1\ndatabase:\n  url: sqlite:///x.db\nplatform:\n"
        "  userid: A\nfolders:\n  reports: /nonexistent/reports\n"
    )
    result = run("--config", str(cfg), "check", "--offline", env={"SYNCD_PLATFORM__PASSWORD": "p"})
    assert result.returncode == 78
    assert f"{cfg}:8:3: folders.reports 目录 /nonexistent/reports 不存在" in result.stderr
    assert "install -d -o syncd -g syncd /nonexistent/reports" in result.stderr


def test_check_warns_at_file_line_while_the_test_environment_switch_is_on(tmp_path: Path) -> None:
    (tmp_path / "mappings").mkdir()
    (tmp_path / "reports").mkdir()
    cfg = tmp_path / "syncd.yaml"
    body = (
        "hospital:\n  akb020: H1\ndatabase:\n  url: sqlite:///x.db\nplatform:\n  userid: A\n"
        "  test_environment: {on}\nfolders:\n  reports: reports\n"
    )
    env = {"SYNCD_PLATFORM__PASSWORD": "pw"}
    cfg.write_text(body.format(on="true"))
    on = run("--config", str(cfg), "check", "--offline", env=env, cwd=tmp_path)
    assert on.returncode == 0, on.stderr  # a warning, not a refusal: the joint test needs it
    assert f"{cfg}:7:3: 警告：platform.test_environment 为 true" in on.stderr
    assert "docs/go-live.md" in on.stderr
    cfg.write_text(body.format(on="false"))
    off = run("--config", str(cfg), "check", "--offline", env=env, cwd=tmp_path)
    assert off.returncode == 0, off.stderr
    assert "test_environment" not in off.stderr
