"""``dialect_at`` sets up a dialect as connecting to that server version would: checked against
real connections where a server runs here (PostgreSQL, MariaDB; Oracle and SQL Server cannot)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from syncd.config.settings import DatabaseSettings
from syncd.db.claims import due_statement
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables
from syncd.db.versions import dialect_at

TABLES = staging_tables()
ATTRIBUTES = {
    "postgresql": (
        "server_version_info",
        "supports_smallserial",
        "supports_identity_columns",
        "_supports_drop_index_concurrently",
        "_supports_jsonb_subscripting",
        "insert_returning",
        "max_identifier_length",
    ),
    "mariadb": (
        "server_version_info",
        "is_mariadb",
        "supports_sequences",
        "supports_for_update_of",
        "use_mysql_for_share",
        "delete_returning",
        "insert_returning",
        "_requires_alias_for_on_duplicate_key",
        "max_identifier_length",
    ),
}


def _statements() -> list[sa.ClauseElement]:
    return [
        due_statement(TABLES.request, ["NEW"], 50, None, None),
        sa.insert(TABLES.recon_run).values(recon_date=sa.func.current_date(), status="RUNNING"),
        sa.select(TABLES.message.c.request_xml).order_by(TABLES.message.c.id.desc()).limit(1),
    ]


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_dialect_at_matches_a_real_connection(backend: str, request: pytest.FixtureRequest) -> None:
    engine = make_engine(DatabaseSettings(url=request.getfixturevalue(f"{backend}_url")))
    try:
        with engine.connect():
            live = engine.dialect
    finally:
        engine.dispose()
    ours = dialect_at(backend, live.server_version_info or ())

    def attributes(dialect: Any) -> dict[str, Any]:
        return {name: getattr(dialect, name) for name in ATTRIBUTES[backend]}

    def sql(stmt: sa.ClauseElement, dialect: Any) -> str:  # the driver's paramstyle aside
        return re.sub(r"%\(\w+\)s|%s", "?", str(stmt.compile(dialect=dialect)))

    assert attributes(ours) == attributes(live)
    for stmt in _statements():
        assert sql(stmt, ours) == sql(stmt, live)
