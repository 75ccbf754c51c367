"""What a database driver's error says went wrong: the kind of failure (authentication, a
missing database or table, Oracle's Thick mode, permissions, unreachable, or a failed
statement), in English and Chinese, read from the driver's code and message.  Recognised here
for every supported driver; :func:`syncd.db.engine.source_error` words the message."""

from __future__ import annotations

import re

# (kind, Chinese label, pattern over the driver's code and message, lower-cased).
# Checked in order: the first match names the failure.
_FAILURE_KINDS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (kind, label_zh, re.compile("|".join(patterns)))
    for kind, label_zh, patterns in (
        (
            "authentication failed",
            "用户名或密码错误",
            (
                r"28p01",
                r"password authentication failed",
                r"no password supplied",
                r"access denied for user",
                r"ora-01017",
                r"login failed",
                r"\b28000\b",
            ),
        ),
        (
            "database does not exist",
            "数据库不存在",
            (
                r"3d000",
                r"unknown database",
                r"ora-12514",
                r"cannot open database",
                r"database \S+ does not exist",
            ),
        ),
        (
            "table or view does not exist",
            "表或视图不存在",
            (
                r"42p01",
                r"no such table",
                r"ora-00942",
                r"42s02",
                r"invalid object name",
                r"\(1146,",
                r"table \S+ doesn't exist",
                r"relation \S+ does not exist",
            ),
        ),
        (
            "server needs Thick mode: set database.oracle_client_dir (Oracle Instant Client)",
            "该服务器版本或口令验证方式需要 Thick 模式：请设置 database.oracle_client_dir",
            (
                r"dpy-3010",
                r"dpy-3015",
            ),
        ),
        (
            "permission denied",
            "权限不足",
            (
                r"42501",
                r"permission denied",
                r"ora-01031",
                r"command denied",
                r"\(229\)",
            ),
        ),
        (
            "unreachable",
            "无法连接",
            (
                r"connection refused",
                r"could not translate host",
                r"can't connect",
                r"timeout expired",
                r"timed out",
                r"unknown mysql server host",
                r"ora-12541",
                r"ora-12170",
                r"dpy-6005",
                r"\b08001\b",
                r"\b08s01\b",
                r"name or service not known",
                r"failed to resolve host",
                r"unable to open database file",
                r"server closed the connection",
                r"lost connection",
                r"connection reset",
                r"no route to host",
                r"network is unreachable",
                r"server has gone away",
                r"terminating connection",
            ),
        ),
    )
)


def failure_kind(exc: BaseException) -> tuple[str, str]:
    """(English, Chinese) name of what went wrong, read from the driver's code and message."""
    text = driver_text(exc).lower()
    for kind, label_zh, pattern in _FAILURE_KINDS:
        if pattern.search(text):
            return kind, label_zh
    return "statement failed", "语句执行失败"


def driver_text(exc: BaseException) -> str:
    """The driver's own message (without SQLAlchemy's statement and parameters)."""
    orig = getattr(exc, "orig", None)
    source = orig if isinstance(orig, BaseException) else exc
    code = getattr(source, "sqlstate", None) or ""
    return f"{code} {source}".strip() if code else str(source)
