"""Engines against real databases: failures become clear SourceErrors without the password,
and a connection killed by the server (a database restart) does not fail the next use."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from syncd.config.settings import DatabaseSettings
from syncd.core.errors import SourceError
from syncd.db import engine as engine_module
from syncd.db.engine import check_connection, make_engine, source_errors

PASSWORD = "Pw-s3cret-9f2b"


def _settings(url: str | sa.URL, password: str | None = PASSWORD) -> DatabaseSettings:
    text = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    secret = SecretStr(password) if password else None
    return DatabaseSettings(url=text, connect_timeout_s=3, password=secret)


def _unreachable(error: SourceError, host: str, database: str) -> None:
    message = str(error)
    assert host in message and database in message
    assert "unreachable" in message and "无法连接" in message
    assert PASSWORD not in message


@pytest.mark.parametrize("backend", ["postgresql", "mariadb", "odbc"])
def test_wrong_port_names_host_and_database_and_hides_the_password(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url = sa.make_url(request.getfixturevalue(f"{backend}_url")).set(port=1)
    engine = make_engine(_settings(url))
    with pytest.raises(SourceError) as caught:
        check_connection(engine)
    _unreachable(caught.value, "127.0.0.1:1", str(url.database))
    assert isinstance(caught.value.__cause__, sa.exc.DBAPIError)


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_unknown_host_is_reported_unreachable_even_with_the_password_in_the_url(
    backend: str, request: pytest.FixtureRequest
) -> None:
    base = sa.make_url(request.getfixturevalue(f"{backend}_url"))
    url = base.set(host="his-db.invalid", password=PASSWORD)
    engine = make_engine(_settings(url, password=None))
    with pytest.raises(SourceError) as caught:
        check_connection(engine)
    _unreachable(caught.value, "his-db.invalid", str(base.database))


def test_sqlite_in_a_missing_directory_is_unreachable(tmp_path: object) -> None:
    engine = make_engine(DatabaseSettings(url=f"sqlite:///{tmp_path}/no/such/dir/his.db"))
    with pytest.raises(SourceError, match=r"unreachable .*: unable to open database file"):
        check_connection(engine)


def _run(engine: sa.Engine, query: sa.TextClause) -> None:
    with engine.connect() as conn:
        conn.execute(query)


def test_missing_table_is_named_as_such(db_url: str) -> None:
    engine = make_engine(_settings(db_url, password=None))
    query = sa.text("SELECT * FROM v_wi_no_such_view")
    with pytest.raises(SourceError) as caught, source_errors(engine.url, "reading a view"):
        _run(engine, query)
    message = str(caught.value)
    assert "table or view does not exist while reading a view" in message
    assert "表或视图不存在" in message
    engine.dispose()


def test_wrong_password_is_an_authentication_failure(mariadb_url: str) -> None:
    url = sa.make_url(mariadb_url).set(username="syncd_nobody")
    engine = make_engine(_settings(url))
    with pytest.raises(SourceError) as caught:
        check_connection(engine)
    assert "authentication failed" in str(caught.value) and PASSWORD not in str(caught.value)


def test_a_statement_error_does_not_leak_the_bound_values(sqlite_url: str) -> None:
    engine = make_engine(DatabaseSettings(url=sqlite_url))
    id_number = "440000199001010011"
    with pytest.raises(SourceError) as caught, source_errors(engine.url), engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (k VARCHAR(18) PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO t VALUES (:k)"), {"k": id_number})
        conn.execute(sa.text("INSERT INTO t VALUES (:k)"), {"k": id_number})
    assert "statement failed" in str(caught.value)
    assert id_number not in str(caught.value)
    engine.dispose()


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(DatabaseSettings(url=sqlite_url, connect_timeout_s=7))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


# -- a server-side kill between two uses: pre-ping replaces the dead pooled connection --------


def _wait_until(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _survives_kill(url: str, session_id: str, kill: str, alive: str) -> None:
    engine = make_engine(_settings(url, password=None))
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        first = conn.execute(sa.text(session_id)).scalar()
    with admin.begin() as conn:
        conn.execute(sa.text(kill), {"sid": first})
    with admin.connect() as conn:
        _wait_until(lambda: not conn.execute(sa.text(alive), {"sid": first}).scalar(), "kill")
    with engine.connect() as conn:  # the pool still holds the killed connection
        second = conn.execute(sa.text(session_id)).scalar()
    assert second != first
    assert engine.pool.status().count("Current Checked out connections: 0") == 1
    engine.dispose()
    admin.dispose()


def test_postgresql_backend_terminated_between_two_uses(postgresql_url: str) -> None:
    _survives_kill(
        postgresql_url,
        "SELECT pg_backend_pid()",
        "SELECT pg_terminate_backend(:sid)",
        "SELECT count(*) FROM pg_stat_activity WHERE pid = :sid",
    )


def test_mariadb_connection_killed_between_two_uses(mariadb_url: str) -> None:
    _survives_kill(
        mariadb_url,
        "SELECT CONNECTION_ID()",
        "KILL :sid",
        "SELECT count(*) FROM information_schema.processlist WHERE id = :sid",
    )


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_a_connection_idle_for_long_is_pinged_too(
    backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link dropped without a word leaves nothing on the socket: the ping after
    IDLE_PING_S finds it.  (Such a drop cannot be made here: the socket check is turned off
    and the session killed instead, so only the ping can notice.)"""
    monkeypatch.setattr(engine_module, "IDLE_PING_S", 0.0)
    monkeypatch.setattr(engine_module, "_readable", lambda _fd: False)
    kill = {
        "postgresql": (
            "SELECT pg_backend_pid()",
            "SELECT pg_terminate_backend(:sid)",
            "SELECT count(*) FROM pg_stat_activity WHERE pid = :sid",
        ),
        "mariadb": (
            "SELECT CONNECTION_ID()",
            "KILL :sid",
            "SELECT count(*) FROM information_schema.processlist WHERE id = :sid",
        ),
    }
    _survives_kill(str(request.getfixturevalue(f"{backend}_url")), *kill[backend])


@pytest.fixture
def no_pre_ping_engine(postgresql_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(postgresql_url, pool_pre_ping=False)
    yield engine
    engine.dispose()


def test_without_pre_ping_the_killed_connection_would_fail_the_next_use(
    no_pre_ping_engine: sa.Engine, postgresql_url: str
) -> None:
    """The control experiment: the kill above really leaves a dead connection in the pool."""
    with no_pre_ping_engine.connect() as conn:
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    admin = sa.create_engine(postgresql_url, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:sid)"), {"sid": pid})
    admin.dispose()
    with pytest.raises(sa.exc.OperationalError), no_pre_ping_engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
