"""The command line's shape: lazily loaded subcommands, one exit-code table (what each command
imports is checked in a subprocess: tests/integration/test_cli_imports.py)."""

from __future__ import annotations

import re
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


def test_usage_errors_exit_2_with_the_usage_and_a_bilingual_heading(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as wrong:
        run(["check", "--no-such-option"])
    err = capsys.readouterr().err
    assert wrong.value.code == 2 and err.startswith("用法 / Usage: syncd check [OPTIONS]")
    assert (
        "用法错误 / usage error: 没有选项 '--no-such-option' / No such option '--no-such-option'"
        in err
    )
    with pytest.raises(SystemExit) as bare:
        run(["codes"])
    err = capsys.readouterr().err
    assert bare.value.code == 2 and "命令 / Commands:" in err and "用法错误" not in err
