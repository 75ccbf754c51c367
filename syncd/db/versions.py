"""Database server versions: the oldest syncd supports, and dialects set up for a version.

SQLAlchemy writes some SQL differently per server version, decided when an engine first
connects (``Dialect.initialize``): below Oracle 12.1 no identity columns and ``ROWNUM`` instead
of ``FETCH FIRST``, below 12.2 names of at most 30 bytes; below SQL Server 2012 ``TOP`` /
``ROW_NUMBER()`` instead of ``OFFSET … FETCH``; MySQL never ``RETURNING``, MariaDB from 10.5.
:func:`dialect_at` sets the same attributes from a version number, without a server, so that
``syncd init-db --print-sql --server-version 11.2`` and the version-aware SQL check of the
tests compile exactly what a connected engine would send to that version.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from syncd.core.bilingual import zh_en

Version = tuple[int, ...]

# The oldest server version syncd supports, per dialect (see docs/dba-guide.md).
OLDEST: dict[str, Version] = {
    "oracle": (11, 2),
    "mssql": (10, 50),  # SQL Server 2008 R2
    "mysql": (5, 7),
    "mariadb": (10, 3),
    "postgresql": (12,),
}
_PRODUCTS = {
    "oracle": "Oracle",
    "mssql": "SQL Server",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "postgresql": "PostgreSQL",
}
# SQL Server versions by product name, as DBAs say them.
_MSSQL_YEARS: dict[str, Version] = {
    "2005": (9, 0),
    "2008": (10, 0),
    "2008r2": (10, 50),
    "2012": (11, 0),
    "2014": (12, 0),
    "2016": (13, 0),
    "2017": (14, 0),
    "2019": (15, 0),
    "2022": (16, 0),
    "2025": (17, 0),
}
_DRIVERS = {
    "oracle": "oracle+oracledb",
    "mssql": "mssql+pyodbc",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
    "sqlite": "sqlite+pysqlite",
}


def dialect_named(name: str) -> Dialect:
    """The dialect :func:`~syncd.db.engine.make_engine` would use for ``name``, unconnected
    (SQLAlchemy then assumes a recent server)."""
    options = {"use_nchar_for_unicode": True} if name == "oracle" else {}
    return sa.make_url(f"{_DRIVERS[name]}://").get_dialect()(**options)


def parse_server_version(name: str, text: str) -> Version:
    """``"11.2"`` → ``(11, 2)`` (SQL Server also ``2008R2`` …); ValueError naming the oldest
    supported version when the text is not a version or names an older one."""
    if name not in OLDEST:
        raise ValueError(
            zh_en(f"{name} 不需要服务器版本", f"a server version does not apply to {name}")
        )
    spoken = text.strip().lower().replace(" ", "")
    if name == "mssql" and spoken in _MSSQL_YEARS:
        version = _MSSQL_YEARS[spoken]
    elif re.fullmatch(r"\d{1,2}(\.\d{1,4}){0,3}", spoken):
        version = tuple(int(part) for part in spoken.split("."))
    else:
        example = number(name, OLDEST[name])
        raise ValueError(
            zh_en(
                f"'{text}' 不是版本号（如 {example}）",
                f"'{text}' is not a version such as {example}",
            )
        )
    if version < OLDEST[name]:
        given, oldest = label(name, version), label(name, OLDEST[name])
        raise ValueError(
            zh_en(
                f"{given} 早于 syncd 支持的最早版本 {oldest}",
                f"{given} is older than the oldest version syncd supports, {oldest}",
            )
        )
    return version


def number(name: str, version: Version) -> str:
    """``11.2``, ``10.50`` (SQL Server writes the minor version with two digits)."""
    return ".".join(
        f"{part:02d}" if i and name == "mssql" else str(part) for i, part in enumerate(version)
    )


def label(name: str, version: Version) -> str:
    """``Oracle 11.2``, ``SQL Server 2008 R2 (10.50)`` …"""
    years = {v: year.replace("r2", " R2") for year, v in _MSSQL_YEARS.items()}
    if name == "mssql" and version[:2] in years:
        return f"SQL Server {years[version[:2]]} ({number(name, version)})"
    return f"{_PRODUCTS.get(name, name)} {number(name, version)}"


def dialect_at(name: str, version: Version) -> Dialect:
    """The dialect of ``name`` as if connected to a server of ``version``.

    ``name`` is a dialect of :data:`OLDEST` (``mariadb`` is the MySQL dialect on MariaDB).
    The attributes set are those ``Dialect.initialize`` derives from the version in
    SQLAlchemy 2.0; a test compares them with a real connection where one runs here.
    """
    dialect = dialect_named(name)
    _SETUP[name](dialect, version)
    return dialect


def _oracle(dialect: Dialect, version: Version) -> None:
    dialect.server_version_info = version
    dialect.supports_identity_columns = version >= (12,)
    dialect._supports_offset_fetch = dialect.enable_offset_fetch and version >= (12,)  # type: ignore[attr-defined]
    if version < (12, 2):  # the compatible level decides; it cannot exceed the version
        dialect.max_identifier_length = 30


def _mssql(dialect: Dialect, version: Version) -> None:
    dialect.server_version_info = version
    dialect._setup_version_attributes()  # type: ignore[attr-defined]
    dialect._supports_nvarchar_max = True  # type: ignore[attr-defined]  # 2005 and later


def _mysql_family(mariadb: bool) -> Callable[[Dialect, Version], None]:
    def setup(dialect: Dialect, version: Version) -> None:
        text = ".".join(str(part) for part in version) + ("-MariaDB" if mariadb else "")
        dialect.server_version_info = dialect._parse_server_version(text)  # type: ignore[attr-defined]
        mysql = not mariadb
        dialect.supports_sequences = mariadb and version >= (10, 3)
        dialect.supports_for_update_of = mysql and version >= (8,)  # type: ignore[attr-defined]
        dialect.use_mysql_for_share = mysql and version >= (8, 0, 1)  # type: ignore[attr-defined]
        dialect.delete_returning = mariadb and version >= (10, 0, 5)
        dialect.insert_returning = mariadb and version >= (10, 5)
        dialect._requires_alias_for_on_duplicate_key = mysql and version >= (8, 0, 20)  # type: ignore[attr-defined]

    return setup


def _postgresql(dialect: Dialect, version: Version) -> None:
    dialect.server_version_info = version
    dialect.supports_smallserial = version >= (9, 2)  # type: ignore[attr-defined]
    dialect._supports_drop_index_concurrently = version >= (9, 2)  # type: ignore[attr-defined]
    dialect.supports_identity_columns = version >= (10,)
    dialect._supports_jsonb_subscripting = version >= (14,)  # type: ignore[attr-defined]


_SETUP: dict[str, Callable[[Dialect, Version], None]] = {
    "oracle": _oracle,
    "mssql": _mssql,
    "mysql": _mysql_family(mariadb=False),
    "mariadb": _mysql_family(mariadb=True),
    "postgresql": _postgresql,
}
