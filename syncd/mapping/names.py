"""Names a mapping file may use: SQL identifiers, platform field codes, and "did you mean".

Identifiers are checked here, at load time, so that the database layer can quote them safely
and the engine never has to think about SQL.  The pattern is deliberately narrow: letters,
digits and ``_``, an optional ``schema.`` prefix, at most 30 characters a part (the Oracle
limit most HIS databases still have).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from syncd.core.bilingual import zh_en

IDENTIFIER_MAX = 30
_PART = rf"[A-Za-z_][A-Za-z0-9_]{{0,{IDENTIFIER_MAX - 1}}}"
IDENTIFIER = re.compile(rf"^(?:{_PART}\.)?{_PART}$")
COLUMN = re.compile(rf"^{_PART}$")
FIELD_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
FEED_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_SQL_WORDS = re.compile(
    r"\b(select|from|where|join|union|insert|update|delete|drop|exec|alter|create)\b|[;'\"()*=]|--",
    re.IGNORECASE,
)
SECRET_WORDS = ("password", "passwd", "pwd", "secret", "token", "credential", "private_key")


def identifier_problem(text: str, *, qualified: bool = True) -> tuple[str, str] | None:
    """Why ``text`` is not a usable view/column name (Chinese, English), or None when it is."""
    pattern = IDENTIFIER if qualified else COLUMN
    if pattern.match(text):
        return None
    if _SQL_WORDS.search(text):
        return "须为视图名或列名，不能是 SQL 语句", "must be a view or column name, not SQL text"
    what_zh = "[schema.]名称" if qualified else "列名"
    what = "[schema.]name" if qualified else "a column name"
    return (
        f"须为由字母、数字和 '_' 组成的{what_zh}（最多 {IDENTIFIER_MAX} 个字符，不以数字开头）",
        f"must be {what} of letters, digits and '_' "
        f"(at most {IDENTIFIER_MAX} characters, not starting with a digit)",
    )


def looks_secret(key: str) -> bool:
    """True for keys that name a password, token or other secret."""
    lowered = key.lower()
    return any(word in lowered for word in SECRET_WORDS)


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """A "did you mean 'x'?" hint, or a list of the allowed names when nothing is close."""
    choices = sorted(set(known))
    close = _closest(word, choices)
    if close:
        quoted = [f"'{c}'" for c in close]
        return zh_en(f"是否应为 {' 或 '.join(quoted)}？", f"did you mean {' or '.join(quoted)}?")
    if len(choices) <= 12:
        return zh_en("可用的名称", "known names") + f": {', '.join(choices)}"
    return ""


def _closest(word: str, choices: list[str]) -> list[str]:
    """The best close matches: by similarity, then swapped letters first; ties kept (≤ 3)."""
    scored = [(_score(word, c), c) for c in choices]
    best = max((score for score, _ in scored), default=(0.0, False))
    if best[0] < 0.6:
        return []
    return [choice for score, choice in scored if score == best][:3]


def _score(word: str, choice: str) -> tuple[float, bool]:
    ratio = round(difflib.SequenceMatcher(None, word, choice).ratio(), 6)
    return ratio, sorted(word) == sorted(choice)
