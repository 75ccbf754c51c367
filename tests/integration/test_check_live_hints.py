"""What ``syncd check`` tells a DBA about a real HIS database: a session clock in another time
zone than the hospital's (PostgreSQL and MariaDB sessions in UTC against Asia/Shanghai, 8 h),
and a fact view's row count, read with a bound first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from syncd.config.settings import DatabaseSettings
from syncd.db.engine import make_engine
from syncd.db.live_hints import session_offset, view_rows, zone_fix

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai_now() -> datetime:
    return datetime.now(SHANGHAI).replace(tzinfo=None)


def engine_in(url: str, zone: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "postgresql":
        options = f"{parsed.query.get('options', '')} -ctimezone={zone}".strip()
        parsed = parsed.update_query_dict({"options": options})
    else:
        offset = "+00:00" if zone == "UTC" else "+08:00"
        parsed = parsed.update_query_dict({"init_command": f"SET time_zone = '{offset}'"})
    return make_engine(DatabaseSettings(url=parsed.render_as_string(hide_password=False)))


@pytest.fixture(params=["postgresql", "mariadb"])
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    yield str(request.getfixturevalue(f"{request.param}_url"))


def test_a_session_in_utc_is_eight_hours_behind_shanghai_and_the_fix_says_how(
    server_url: str,
) -> None:
    utc, local = engine_in(server_url, "UTC"), engine_in(server_url, "Asia/Shanghai")
    try:
        assert session_offset(utc, shanghai_now()) == timedelta(hours=-8)
        assert session_offset(local, shanghai_now()) == timedelta(0)
        fix_zh, fix_en = zone_fix(utc, "Asia/Shanghai", "+08:00")
        if utc.dialect.name == "postgresql":
            assert "ALTER ROLE postgres SET timezone = 'Asia/Shanghai'" in fix_zh
        else:
            assert "default-time-zone = '+08:00'" in fix_zh and "SET GLOBAL" in fix_en
    finally:
        utc.dispose()
        local.dispose()


def test_a_view_is_counted_only_past_the_bound(db_url: str) -> None:
    engine = make_engine(DatabaseSettings(url=db_url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE T_BIG (ID INTEGER PRIMARY KEY)"))
            conn.execute(sa.text("CREATE VIEW V_BIG AS SELECT ID FROM T_BIG"))
            conn.execute(sa.text("INSERT INTO T_BIG (ID) VALUES (1), (2), (3), (4), (5)"))
        assert view_rows(engine, "V_BIG", 5) is None
        assert view_rows(engine, "V_BIG", 4) == 5
        assert view_rows(engine, "V_BIG", 0) == 5
    finally:
        engine.dispose()
