"""What ``syncd check`` tells a DBA about a real HIS database besides missing views (L2).

* :func:`session_offset` — how far the database session's clock (the local time it writes as a
  column default, e.g. ``WI_REQUEST.created_at``) is from the hospital's time zone
  (``platform.session_timezone``): a session in UTC on a Shanghai hospital is 8 h behind, and
  every time the HIS writes by default is 8 h off syncd's;
* :func:`zone_fix` — how to set the session's time zone on each database;
* :func:`view_rows` — how many rows a fact view has, counted only up to a bound first, so that a
  view of millions of rows without a watermark gets a hint with its row count while a small
  one costs a bounded read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from syncd.db.engine import source_errors
from syncd.db.feed_source import view_table
from syncd.db.types import LOCAL_NOW_DEFAULT

QUARTER = timedelta(minutes=15)  # time zones differ by whole quarter hours


def session_offset(engine: sa.Engine, local_now: datetime) -> timedelta:
    """The database session's local time minus ``local_now`` (the hospital's local time,
    naive), rounded to a quarter hour: ``timedelta(0)`` when they agree."""
    with source_errors(engine.url, "reading the database clock"), engine.connect() as conn:
        value: Any = conn.execute(sa.select(LOCAL_NOW_DEFAULT)).scalar()
    if isinstance(value, str):  # SQLite hands the expression over as text
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    quarters = round((value - local_now) / QUARTER)
    return timedelta(minutes=15 * quarters)


def zone_fix(engine: sa.Engine, zone: str, offset: str) -> tuple[str, str]:
    """How to give the database session the hospital's time zone ``zone`` (``offset``: the
    zone's UTC offset as MySQL writes it, '+08:00'): Chinese, English."""
    dialect, who = engine.dialect.name, engine.url.username or "syncd"
    if dialect == "postgresql":
        fix = f"ALTER ROLE {who} SET timezone = '{zone}';"
        return f"{fix}（或 ALTER DATABASE … SET timezone），重新连接后生效", f"{fix} then reconnect"
    if dialect in ("mysql", "mariadb"):
        fix = f"my.cnf [mysqld] default-time-zone = '{offset}'; SET GLOBAL time_zone = '{offset}';"
        return f"{fix}（重新连接后生效）", f"{fix} (new connections)"
    if dialect == "oracle":
        return (
            f"数据库服务器的操作系统时区设为 {zone}"
            f"（或登录时 ALTER SESSION SET TIME_ZONE = '{zone}'）",
            f"the database server's OS time zone {zone} (or ALTER SESSION SET TIME_ZONE)",
        )
    if dialect == "mssql":
        return (
            f"SQL Server 所在服务器的操作系统时区设为 {zone}（SYSDATETIME 取服务器时间）",
            f"the SQL Server host's OS time zone {zone} (SYSDATETIME is the server's time)",
        )
    fix = f"timedatectl set-timezone {zone}"
    return f"运行 syncd 的机器：{fix}", f"on the machine running syncd: {fix}"


def view_rows(engine: sa.Engine, view: str, bound: int) -> int | None:
    """The view's row count when it has more than ``bound`` rows (None: at most ``bound``,
    found by reading at most ``bound + 1`` rows)."""
    table = view_table(view, [])
    probe = sa.select(sa.literal(1)).select_from(table).limit(bound + 1).subquery()
    with source_errors(engine.url, f"counting the rows of {view}"), engine.connect() as conn:
        if int(conn.execute(sa.select(sa.func.count()).select_from(probe)).scalar_one()) <= bound:
            return None
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
