"""click's own usage messages (an unknown option, a missing argument …) in Chinese first, the
English after, as every other line an operator reads (syncd's own usage errors already are)."""

from __future__ import annotations

import re

# click's English message -> the Chinese for it; \1 is the option, argument or command named.
_CLICK_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"^No such option '([^']+)'", r"没有选项 '\1'"),
        (r"^No such option: (\S+)", r"没有选项 \1"),
        (r"^No such command '([^']+)'", r"没有命令 '\1'"),
        (r"^Missing argument '([^']+)'", r"缺少参数 '\1'"),
        (r"^Missing option '([^']+)'", r"缺少选项 '\1'"),
        (r"^Option '([^']+)' requires an argument", r"选项 '\1' 需要一个值"),
        (r"^Option '([^']+)' does not take a value", r"选项 '\1' 不接受值"),
        (r"^Got unexpected extra arguments? \((.+)\)", r"多余的参数：\1"),
        (r"^Invalid value for '([^']+)'", r"'\1' 的取值无效"),
    )
)


def usage_message(english: str) -> str:
    """``english`` (a click usage message) with its Chinese first: ``中文 / English``; a message
    that already has its Chinese, or one click words otherwise, is returned as it is."""
    for pattern, zh in _CLICK_ZH:
        found = pattern.search(english)
        if found:
            return f"{found.expand(zh)} / {english}"
    return english
