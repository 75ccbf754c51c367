"""click's own usage messages get their Chinese first; the wording is click's real one."""

from __future__ import annotations

import click
import pytest

from syncd.cli.click_zh import usage_message


@click.command()
@click.argument("feed")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--json", "as_json", is_flag=True)
def probe(feed: str, since: object, as_json: bool) -> None:
    """A command to get click's messages from."""


@pytest.mark.parametrize(
    ("args", "chinese"),
    [
        (["f", "--bogus"], "没有选项 '--bogus'"),
        ([], "缺少参数 'FEED'"),
        (["f", "--since"], "选项 '--since' 需要一个值"),
        (["f", "--json=1"], "选项 '--json' 不接受值"),
        (["f", "g", "h"], "多余的参数：g h"),
        (["f", "--since", "2026-13-40"], "'--since' 的取值无效"),
    ],
)
def test_clicks_usage_messages_are_chinese_first(args: list[str], chinese: str) -> None:
    with pytest.raises(click.UsageError) as raised:
        probe.main(args, standalone_mode=False)
    english = raised.value.format_message()
    assert usage_message(english) == f"{chinese} / {english}"


def test_a_message_already_bilingual_or_unknown_is_left_as_it_is() -> None:
    ours = "请给出 FEED KEY 之一 / use either FEED KEY"
    assert usage_message(ours) == ours
    assert usage_message("Something click says otherwise") == "Something click says otherwise"
