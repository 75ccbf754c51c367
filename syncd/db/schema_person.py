"""The person table ``<p>person``: the answers of the platform's person look-up.

One row per look-up key the HIS gave (``key_kind`` aac002 社会保障号码 / bka100 社保卡号 /
aac001 电脑号, ``key_value``): the person number ``aac001``, the 工伤认定 certificate
``bka042`` with its application number and dates, the fund state ``bka888``, when it was asked
(``looked_up_at``, for which visit, by which call) and — for a refusal — the platform's reason.
``key_value`` is an ID number: the table holds personal data like the archive ``<p>message``
and is granted like it (``sql/grants/``).  Kept out of :mod:`syncd.db.schema` for its length.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from syncd.db.types import ID, LOCAL_NOW_DEFAULT, TIMESTAMP, text

REASON_LENGTH = 1000


def person_table(metadata: sa.MetaData, p: str, mysql: dict[str, Any]) -> sa.Table:
    name = f"{p}person"

    def s(column: str, length: int, nullable: bool = True) -> sa.Column[Any]:
        return sa.Column(column, text(length), nullable=nullable)

    return sa.Table(
        name,
        metadata,
        sa.Column("id", ID, sa.Identity(), primary_key=True),
        s("key_kind", 16, nullable=False),
        s("key_value", 64, nullable=False),
        s("state", 16, nullable=False),
        s("function_id", 32),
        s("call_id", 64),
        s("visit_key", 64),
        s("aac001", 32),
        s("bka042", 64),
        s("aaz267", 64),
        s("aae030", 16),
        s("aae031", 16),
        s("bka888", 8),
        s("reason", REASON_LENGTH),
        sa.Column("looked_up_at", TIMESTAMP, nullable=False, server_default=LOCAL_NOW_DEFAULT),
        sa.UniqueConstraint("key_kind", "key_value"),
        sa.Index(f"{name}_ix_aac001", "aac001"),
        **mysql,
    )
