"""The column builders the staging tables share (:mod:`syncd.db.schema`,
:mod:`syncd.db.schema_operations`): ids, text, integers, money and timestamps with their
server defaults, the lease and reply columns of every claimable table, and the MySQL table
options."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from syncd.db.types import ID, LOCAL_NOW_DEFAULT, LONG_TEXT, MONEY, TIMESTAMP, text

ADDED = "added"  # Column.info key: a column init-db adds to an existing table (see added)
MESSAGE_LENGTH = 1000  # return_code_message: Chinese text from the platform
Col = sa.Column[Any]
MYSQL_OPTIONS: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    # index keys up to 3072 bytes on MySQL 5.7 even where the default row format is COMPACT
    # (767 bytes per column: source_key VARCHAR(200) in utf8mb4 needs 800)
    "mysql_row_format": "DYNAMIC",
}


def id_column() -> Col:
    return sa.Column("id", ID, sa.Identity(), primary_key=True)


def text_column(
    name: str, length: int, *, nullable: bool = True, default: str | None = None
) -> Col:
    server_default = sa.text(f"'{default}'") if default is not None else None
    return sa.Column(name, text(length), nullable=nullable, server_default=server_default)


def added(column: Col) -> Col:
    """A nullable column added after a table was first released: ``init-db`` adds it to an
    existing table of the older layout (:data:`ADDED`)."""
    assert column.nullable and column.server_default is None, column.name
    column.info[ADDED] = True
    return column


def int_column(name: str, *, default: int | None = 0) -> Col:
    """An integer column: NOT NULL with ``default``, or NOT NULL without one (None)."""
    server_default = sa.text(str(default)) if default is not None else None
    return sa.Column(name, sa.Integer(), nullable=False, server_default=server_default)


def money_column(name: str, *, nullable: bool = True) -> Col:
    server_default = None if nullable else sa.text("0")
    return sa.Column(name, MONEY, nullable=nullable, server_default=server_default)


def ts_column(name: str, *, now_default: bool = False) -> Col:
    if now_default:
        return sa.Column(name, TIMESTAMP, nullable=False, server_default=LOCAL_NOW_DEFAULT)
    return sa.Column(name, TIMESTAMP, nullable=True)


def lease_columns() -> list[Col]:
    """attempts, next attempt and the lease (owner + expiry) every claimable table carries."""
    return [
        int_column("attempts"),
        ts_column("next_attempt_at", now_default=True),
        text_column("lease_owner", 64),
        ts_column("lease_until"),
    ]


def reply_columns() -> list[Col]:
    """The platform's answer: return code and its (Chinese) message, the whole result."""
    return [
        text_column("return_code", 16),
        text_column("return_code_message", MESSAGE_LENGTH),
        sa.Column("result_json", LONG_TEXT),
        text_column("last_error", MESSAGE_LENGTH),
    ]


def due_index(table_name: str) -> sa.Index:
    return sa.Index(f"{table_name}_ix_due", "status", "next_attempt_at")
