"""One language policy (#13 item 7, :mod:`syncd.core.bilingual`): every help text of every
``syncd`` command and of ``python -m syncd.reference`` — its summary, its description, each
option — is Chinese first, then English after ``/``, as ``--help`` shows it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from syncd.cli.app import _FRAMING, SUBCOMMANDS, cli
from syncd.reference.__main__ import main as reference_main

CJK = re.compile(r"[\u4e00-\u9fff]")
# the separator: " / ", or "/ " right after a full-width character (）/ reads the same)
SEPARATOR = re.compile(r"(?: |(?<=[\u3000-\u303f\uff00-\uffef]))/ ")


def is_chinese_then_english(text: str | None) -> bool:
    """One line (wrapping is the formatter's): Chinese before the first separator, English
    after it."""
    flat = " ".join((_FRAMING.get(text or "", text or "")).split())
    parts = SEPARATOR.split(flat, maxsplit=1)
    if len(parts) != 2:
        return False
    zh, en = parts
    return bool(CJK.search(zh)) and bool(re.search(r"[A-Za-z]{2,}", en))


def commands() -> Iterator[tuple[str, click.Command]]:
    """Every command and subcommand with its path, as ``syncd --help`` lists them."""
    root = click.Context(cli, info_name="syncd")

    def walk(
        command: click.Command, path: str, ctx: click.Context
    ) -> Iterator[tuple[str, click.Command]]:
        yield path, command
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, f"{path} {name}"
                yield from walk(sub, f"{path} {name}", click.Context(sub, ctx, info_name=name))

    yield from walk(cli, "syncd", root)


ALL = [*commands(), ("python -m syncd.reference", reference_main)]


def test_the_walk_sees_every_command_and_their_subcommands() -> None:
    paths = {path for path, _ in ALL}
    assert {f"syncd {name}" for name in SUBCOMMANDS} <= paths
    assert {"syncd codes sync", "syncd codes check", "syncd user add"} <= paths


@pytest.mark.parametrize(("path", "command"), ALL, ids=[path for path, _ in ALL])
def test_help_is_chinese_first_then_english(path: str, command: click.Command) -> None:
    paragraphs = (command.help or "").split("\n\n")
    wrong = [] if is_chinese_then_english(paragraphs[0]) else [f"{path}: {paragraphs[0]!r}"]
    wrong += [f"{path}: {p!r}" for p in paragraphs[1:] if p.strip() and not CJK.search(p)]
    wrong += [
        f"{path} {param.opts[0]}: {param.help!r}"
        for param in command.params
        if isinstance(param, click.Option) and not is_chinese_then_english(param.help)
    ]
    assert wrong == []


@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_each_summary_is_chinese_first_then_english(name: str) -> None:
    assert is_chinese_then_english(SUBCOMMANDS[name][2])


def test_the_rule_refuses_english_alone_or_english_first() -> None:
    assert not is_chinese_then_english("The day to reconcile (default: yesterday).")
    assert not is_chinese_then_english("re-queued 1 row(s) / 已重新排队 1 条")
    assert not is_chinese_then_english("")
    assert is_chinese_then_english("对账日期（默认昨天）/ the day (default: yesterday).")
    assert is_chinese_then_english("启用 POST /_sim/reset / enable POST /_sim/reset.")


def test_the_rendered_help_frames_in_both_languages() -> None:
    """What an operator sees: click's own words (Usage, Options, --help) are framed too."""
    result = CliRunner().invoke(cli, ["retry", "--help"], prog_name="syncd")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("用法 / Usage: syncd retry")
    assert "选项 / Options:" in lines
    assert CJK.search(lines[2])  # the description starts in Chinese
