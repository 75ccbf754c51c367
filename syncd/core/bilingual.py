"""The language policy of every line an operator or DBA reads (help texts, errors, output).

Chinese first, then English, on one line, joined by " / ": ``未知的键 'x' / unknown key 'x'``.
Field codes (``aac001``), feed names, paths, SQL and values stay as they are, in both halves.
A block of several lines (a table, a list of problems) has one bilingual heading and lines
that follow the same rule.  :func:`zh_en` is the one place that joins the halves.
"""

from __future__ import annotations

from syncd.core.text import display_width

SEPARATOR = " / "


def zh_en(zh: str, en: str) -> str:
    """One operator-facing line: the Chinese text, then the English text."""
    if not zh:
        return en
    if not en:
        return zh
    return f"{zh}{SEPARATOR}{en}"


def table(headings: tuple[tuple[str, str], ...], rows: list[list[str]]) -> str:
    """Columns padded by display width under two heading lines: Chinese, then English."""
    lines = [[zh for zh, _ in headings], [en for _, en in headings], *rows]
    widths = [max(display_width(line[i]) for line in lines) for i in range(len(headings))]
    return "\n".join(_padded(line, widths) for line in lines)


def _padded(cells: list[str], widths: list[int]) -> str:
    padded = (cell + " " * (w - display_width(cell)) for cell, w in zip(cells, widths, strict=True))
    return "  ".join(padded).rstrip()
