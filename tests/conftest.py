"""Shared fixtures: real databases, each test in a fresh schema/database of its own.

PostgreSQL and MariaDB are used when reachable (URLs below, overridable by environment);
when they are not, their tests skip with a reason, unless ``SYNCD_TEST_REQUIRE_DBS=1``
(set by ``.ci/run``), in which case they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

# A loaded 2-core CI machine must not turn slow examples into failures: no per-example
# deadline, no "too slow" health check.  The properties themselves stay as strict.
# A developer's run tries 25 examples per property (the unit suite stays within seconds);
# ``SYNCD_TEST_THOROUGH=1`` (set by ``.ci/run``) tries 300.
_PROFILE = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow], "print_blob": True}
settings.register_profile("syncd", max_examples=25, **_PROFILE)
settings.register_profile("syncd-thorough", max_examples=300, **_PROFILE)
settings.load_profile("syncd-thorough" if os.environ.get("SYNCD_TEST_THOROUGH") == "1" else "syncd")

PG_URL = os.environ.get("SYNCD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("SYNCD_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
ODBC_DRIVER = os.environ.get("SYNCD_TEST_ODBC_DRIVER", "MariaDB Unicode")
REQUIRE_DBS = os.environ.get("SYNCD_TEST_REQUIRE_DBS") == "1"

ALL_BACKENDS = ["sqlite", "postgresql", "mariadb", "odbc"]


def _unavailable(what: str, exc: Exception, state: str = "not reachable") -> None:
    reason = f"{what} {state}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    if REQUIRE_DBS:
        pytest.fail(f"{reason} (SYNCD_TEST_REQUIRE_DBS=1 requires it)")
    pytest.skip(reason)


def _admin_engine(url: str, what: str) -> sa.Engine:
    engine = sa.create_engine(url, connect_args=_connect_timeout(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any driver/OS error means "not here"
        engine.dispose()
        _unavailable(what, exc)
    return engine


def _connect_timeout(url: str) -> dict[str, object]:
    if url.startswith("postgresql"):
        return {"connect_timeout": 3}
    if url.startswith("mysql+pymysql"):
        return {"connect_timeout": 3}
    return {}


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'his.db'}"


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """A fresh PostgreSQL schema, first on the search_path; dropped afterwards."""
    admin = _admin_engine(PG_URL, "PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _mariadb_database() -> Iterator[str]:
    admin = _admin_engine(MYSQL_URL, "MariaDB")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    yield name
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP DATABASE `{name}`"))
    admin.dispose()


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """A fresh MariaDB database through PyMySQL; dropped afterwards."""
    for name in _mariadb_database():
        url = sa.make_url(MYSQL_URL).set(database=name).update_query_dict({"charset": "utf8mb4"})
        yield url.render_as_string(hide_password=False)


@pytest.fixture
def pyodbc_loads() -> None:
    """pyodbc imports: it needs unixODBC's ``libodbc.so.2``, which a fresh machine lacks (there
    the test skips with the reason; ``SYNCD_TEST_REQUIRE_DBS=1`` makes that a failure)."""
    try:
        import pyodbc  # noqa: F401
    except ImportError as exc:
        _unavailable("pyodbc", exc, "cannot be imported (unixODBC missing?)")


@pytest.fixture
def odbc_url() -> Iterator[str]:
    """A fresh MariaDB database reached through pyodbc + unixODBC + the odbc-mariadb driver."""
    try:
        import pyodbc

        if ODBC_DRIVER not in pyodbc.drivers():
            raise LookupError(f"ODBC driver {ODBC_DRIVER!r} not installed ({pyodbc.drivers()})")
    except (ImportError, LookupError) as exc:
        _unavailable("MariaDB over ODBC", exc)
    for name in _mariadb_database():
        base = sa.make_url(MYSQL_URL)
        url = sa.URL.create(
            "mysql+pyodbc",
            username=base.username,
            password=base.password,
            host=base.host,
            port=base.port,
            database=name,
            query={"driver": ODBC_DRIVER, "charset": "utf8mb4"},
        )
        yield url.render_as_string(hide_password=False)


@pytest.fixture(params=ALL_BACKENDS)
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database on every backend in turn."""
    return str(request.getfixturevalue(f"{request.param}_url"))
