"""The command line's shape: lazily loaded subcommands, one exit-code table, imports kept to
what a command uses (``--version``, ``--help``, ``status`` and ``check`` start fast)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from syncd.cli.app import SUBCOMMANDS, cli, report, run
from syncd.core import errors
from syncd.core.errors import (
    ConfigError,
    OperatorError,
    PlatformProtocolError,
    PlatformUnavailable,
    ReportError,
    SourceError,
    SourceUnavailable,
)

README = Path(__file__).resolve().parents[2] / "README.md"
HEAVY = (
    "httpx",
    "jinja2",
    "openpyxl",
    "apscheduler",
    "syncd.engine",
    "syncd.service",
    "syncd.platform",
    "syncd.reconcile",
    "syncd.simulator",
)


def test_every_registered_subcommand_loads_under_its_name_with_its_summary() -> None:
    ctx = click.Context(cli)
    for name, (_, _, summary) in SUBCOMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
        assert command.get_short_help_str(200) == summary
        assert re.search(r"[\u4e00-\u9fff].* / [A-Za-z]", summary), summary


@pytest.mark.parametrize(
    ("exc", "code", "heading"),
    [
        (ConfigError("x"), 78, "配置错误 / configuration error"),
        (OperatorError("x"), 4, "未执行 / nothing done"),
        (SourceUnavailable("x"), 69, "HIS 数据库无法连接 / HIS database unreachable"),
        (PlatformUnavailable("x"), 69, "平台无法连接 / platform unreachable"),
        (SourceError("x"), 1, "HIS 数据库错误 / HIS database error"),
        (ReportError("x"), 1, "错误 / error"),
        (PlatformProtocolError("x"), 1, "错误 / error"),
    ],
)
def test_each_expected_failure_has_its_exit_code_and_one_heading(
    exc: errors.SyncdError, code: int, heading: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report(exc) == code
    assert capsys.readouterr().err == f"{heading}: {exc.message}\n"


def test_the_readme_exit_code_table_is_the_one_the_code_uses() -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| 退出码 / exit code |") :].split("\n\n", 1)[0]
    documented = [int(m) for m in re.findall(r"^\| `(\d+)` \|", table, re.M)]
    constants = sorted(v for k, v in vars(errors).items() if k.startswith("EXIT_"))
    assert documented == constants


def _modules(args: list[str], cwd: Path) -> set[str]:
    """The modules `syncd ARGS` imports (of those that matter for start-up)."""
    code = (
        "import sys\nsys.argv = ['syncd', *sys.argv[1:]]\nfrom syncd.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(done.stderr.splitlines()[-1].split())


def test_version_and_help_import_next_to_nothing(tmp_path: Path) -> None:
    version = _modules(["--version"], tmp_path)
    assert not version & {"click", "pydantic", "yaml", "sqlalchemy", "syncd.cli.app"}
    helped = _modules(["--help"], tmp_path)
    assert "click" in helped and not helped & {"pydantic", "yaml", "sqlalchemy", *HEAVY}


def test_status_and_check_load_neither_engine_nor_client_nor_report_writers(
    tmp_path: Path,
) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "syncd.yaml").write_text(
        "hospital: {akb020: H1}\ndatabase: {url: 'sqlite:///his.db'}\nplatform: {userid: A}\n"
        f"folders: {{mappings: '{README.parent / 'mappings'}', reports: reports}}\n",
        encoding="utf-8",
    )
    assert "sqlalchemy" in _modules(["init-db"], tmp_path)
    status = _modules(["status"], tmp_path)
    assert "syncd.cli.status" in status and not status & set(HEAVY)
    check = _modules(["check", "--offline"], tmp_path)
    assert "syncd.cli.check" in check and not check & set(HEAVY)


def test_usage_errors_exit_2_with_the_usage_and_a_bilingual_heading(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as wrong:
        run(["check", "--no-such-option"])
    err = capsys.readouterr().err
    assert wrong.value.code == 2 and err.startswith("用法 / Usage: syncd check [OPTIONS]")
    assert "用法错误 / usage error: No such option '--no-such-option'" in err
    with pytest.raises(SystemExit) as bare:
        run(["codes"])
    err = capsys.readouterr().err
    assert bare.value.code == 2 and "命令 / Commands:" in err and "用法错误" not in err


def test_run_starts_without_the_report_writers(tmp_path: Path) -> None:
    """`syncd run` reaches READY sooner without jinja2/openpyxl: the reconciliation (and its
    mail, which alert mails share) is imported when it runs."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys, syncd.cli.run\nprint(' '.join(sorted(sys.modules)))"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = set(done.stdout.split())
    assert "syncd.service.daemon" in loaded
    assert not loaded & {"jinja2", "openpyxl", "syncd.reconcile"}
