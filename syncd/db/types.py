"""Column types and defaults of the staging tables, chosen per dialect once, here.

* Text is Unicode everywhere: NVARCHAR on SQL Server, NVARCHAR2/NCLOB on Oracle (Chinese text
  and rare characters survive whatever the database character set), VARCHAR/TEXT in utf8mb4 on
  MySQL/MariaDB.  Keys are Unicode too, so SQL Server never converts an indexed column to
  compare it with a pyodbc (NVARCHAR) parameter.
* Money is ``Numeric(14, 2)``, unit prices and quantities ``Numeric(14, 4)``.
* Timestamps are **naive local time** (the wall clock of the hospital, Asia/Shanghai in
  practice): syncd writes ``datetime.now()`` without a zone, and column defaults use the
  database's local time (:class:`LocalNow`).  Microseconds are kept where the database can.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mssql, mysql, oracle
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: INTEGER PRIMARY KEY
MONEY = sa.Numeric(14, 2, asdecimal=True)
PRICE = sa.Numeric(14, 4, asdecimal=True)
_TIMESTAMP_IMPLS: dict[str, sa.types.TypeEngine[Any]] = {
    "mysql": mysql.DATETIME(fsp=6),
    "mariadb": mysql.DATETIME(fsp=6),
    "mssql": mssql.DATETIME2(),  # type: ignore[no-untyped-call]
    "oracle": oracle.TIMESTAMP(),
}


class LocalTimestamp(sa.types.TypeDecorator[datetime]):
    """A naive local timestamp with microseconds wherever the database keeps them.

    MariaDB's ODBC driver drops the fraction of a bound ``datetime``; through pyodbc on MySQL
    the value is therefore sent as ISO text, which the server parses exactly.
    """

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        return dialect.type_descriptor(_TIMESTAMP_IMPLS.get(dialect.name, sa.DateTime()))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, datetime) and dialect.name == "mysql" and dialect.driver == "pyodbc":
            return value.isoformat(sep=" ", timespec="microseconds")
        return value


TIMESTAMP = LocalTimestamp()
LONG_TEXT = (
    sa.UnicodeText()
    .with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
    .with_variant(oracle.NCLOB(), "oracle")
    .with_variant(mssql.NVARCHAR(), "mssql")  # NVARCHAR(max), not the deprecated NTEXT
)


def text(length: int) -> sa.types.TypeEngine[str]:
    """A Unicode string of at most ``length`` characters (NVARCHAR/NVARCHAR2 where it matters)."""
    return sa.Unicode(length).with_variant(oracle.NVARCHAR2(length), "oracle")


class LocalNow(FunctionElement[Any]):
    """The database's current local time without a zone, as a column default."""

    type = sa.DateTime()
    inherit_cache = True


LOCAL_NOW_DEFAULT = LocalNow()


@compiles(LocalNow)
def _local_now_default(_element: LocalNow, _compiler: Any, **_kw: Any) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(LocalNow, "postgresql")
@compiles(LocalNow, "oracle")
def _local_now_localtimestamp(_element: LocalNow, _compiler: Any, **_kw: Any) -> str:
    return "LOCALTIMESTAMP"


@compiles(LocalNow, "mysql")
@compiles(LocalNow, "mariadb")
def _local_now_mysql(_element: LocalNow, _compiler: Any, **_kw: Any) -> str:
    return "CURRENT_TIMESTAMP(6)"


@compiles(LocalNow, "mssql")
def _local_now_mssql(_element: LocalNow, _compiler: Any, **_kw: Any) -> str:
    return "SYSDATETIME()"


@compiles(LocalNow, "sqlite")
def _local_now_sqlite(_element: LocalNow, _compiler: Any, **_kw: Any) -> str:
    return "(strftime('%Y-%m-%d %H:%M:%f', 'now', 'localtime'))"
