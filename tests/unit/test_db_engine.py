"""Engine construction without a server: URL, password, timeouts, messages."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from syncd.config.settings import DatabaseSettings
from syncd.core.errors import ConfigError
from syncd.db.driver_failures import failure_kind
from syncd.db.engine import describe, make_engine, source_error

PASSWORD = "Pw-s3cret-9f2b"


class _Captured(Exception):
    """Raised by the do_connect hook instead of connecting."""


def _driver_kwargs(url: str, timeout: int = 7) -> dict[str, Any]:
    """The keyword arguments make_engine's engine hands to the DBAPI ``connect()``."""
    engine = make_engine(DatabaseSettings(url=url, connect_timeout_s=timeout))
    seen: dict[str, Any] = {}

    @sa.event.listens_for(engine, "do_connect")
    def _capture(_dialect: Any, _record: Any, _args: Any, kwargs: dict[str, Any]) -> None:
        seen.update(kwargs)
        raise _Captured

    with pytest.raises(_Captured):
        engine.connect()
    return seen


@pytest.mark.parametrize(
    ("url", "key", "value"),
    [
        ("postgresql+psycopg://u@db:5432/his", "connect_timeout", 7),
        ("mysql+pymysql://u@db:3306/his", "connect_timeout", 7),
        ("oracle+oracledb://u@db:1521/?service_name=his", "tcp_connect_timeout", 7.0),
        ("mssql+pyodbc://u@db:1433/his?driver=ODBC+Driver+18+for+SQL+Server", "timeout", 7),
        ("mysql+pyodbc://u@db:3306/his?driver=MariaDB+Unicode", "timeout", 7),
    ],
)
def test_each_driver_gets_its_connect_timeout(
    url: str, key: str, value: float, request: pytest.FixtureRequest
) -> None:
    _driver_loads(url, request)
    assert _driver_kwargs(url)[key] == value


def _driver_loads(url: str, request: pytest.FixtureRequest) -> None:
    """pyodbc needs unixODBC: without it the test skips with the reason (CI requires it)."""
    if "pyodbc" in url:
        request.getfixturevalue("pyodbc_loads")


@pytest.mark.parametrize(
    ("url", "pre_ping"),
    [
        ("postgresql+psycopg://u@db/his", False),  # its socket is checked (and idle ones pinged)
        ("mysql+pymysql://u@db/his", False),
        ("oracle+oracledb://u@db:1521/?service_name=his", True),
        ("mssql+pyodbc://u@dsn", True),
    ],
)
def test_engines_check_connections_before_use_and_recycle_them(
    url: str, pre_ping: bool, request: pytest.FixtureRequest
) -> None:
    _driver_loads(url, request)
    engine = make_engine(DatabaseSettings(url=url, pool_recycle_s=600))
    assert engine.pool._pre_ping is pre_ping  # type: ignore[attr-defined]
    assert sa.event.contains(engine, "checkout", _checks(engine)) is not pre_ping
    assert engine.pool._recycle == 600  # type: ignore[attr-defined]


def _checks(engine: sa.Engine) -> Any:
    """The checkout listener make_engine installed (or a stand-in when there is none)."""
    listeners = list(engine.pool.dispatch.checkout)
    return listeners[0] if listeners else (lambda *_: None)


def test_password_from_settings_is_set_on_the_url_but_never_rendered() -> None:
    settings = DatabaseSettings(url="postgresql+psycopg://syncd@db:5432/his")
    engine = make_engine(settings.model_copy(update={"password": SecretStr(PASSWORD)}))
    assert engine.url.password == PASSWORD
    assert PASSWORD not in str(engine.url) and PASSWORD not in repr(engine)


def test_mysql_odbc_port_is_passed_the_way_mariadb_odbc_reads_it(pyodbc_loads: None) -> None:
    engine = make_engine(DatabaseSettings(url="mysql+pyodbc://u@db:3307/his?driver=MariaDB"))
    ((connection_string,), _) = engine.dialect.create_connect_args(engine.url)
    assert "Server=db;" in connection_string and "port=3307" in connection_string


@pytest.mark.parametrize(
    "url", ["postgresql://u@db/his", "mysql+mysqldb://u@db/his", "mssql+pymssql://u@db/x"]
)
def test_unsupported_drivers_are_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigError, match="unsupported driver"):
        make_engine(DatabaseSettings(url=url))


def test_a_malformed_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="not a database URL"):
        make_engine(DatabaseSettings(url="his database on db01"))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"postgresql+psycopg://syncd:{PASSWORD}@db01:5433/his",
            "postgresql+psycopg db01:5433/his",
        ),
        ("oracle+oracledb://syncd@db01/orcl", "oracle+oracledb db01/orcl"),
        ("sqlite:////var/lib/his.db", "sqlite /var/lib/his.db"),
    ],
)
def test_describe_names_dialect_host_port_database_never_credentials(
    url: str, expected: str
) -> None:
    assert describe(url) == expected


THICK = "server needs Thick mode: set database.oracle_client_dir (Oracle Instant Client)"


# Messages of drivers whose servers the tests cannot run (Oracle, SQL Server) are classified from
# their documented texts; PostgreSQL and MariaDB are covered against real servers.
@pytest.mark.parametrize(
    ("driver_message", "kind"),
    [
        ("ORA-01017: invalid username/password; logon denied", "authentication failed"),
        ("DPY-6005: cannot connect to database. [Errno 111] Connection refused", "unreachable"),
        ("ORA-12541: TNS:no listener", "unreachable"),
        ("ORA-00942: table or view does not exist", "table or view does not exist"),
        ("ORA-01031: insufficient privileges", "permission denied"),
        ("('28000', \"[28000] Login failed for user 'syncd'. (18456)\")", "authentication failed"),
        (
            "('42S02', \"[42S02] Invalid object name 'v_wi_fee'. (208)\")",
            "table or view does not exist",
        ),
        ("('08001', '[08001] TCP Provider: Error code 0x2749 (10057)')", "unreachable"),
        ("ORA-00001: unique constraint (HIS.WI_SYNC_STATUS_UQ) violated", "statement failed"),
        (
            "DPY-3010: connections to this database server version are not supported by "
            "python-oracledb in thin mode",
            THICK,
        ),  # Oracle 11.2 in Thin mode
        (
            "DPY-3015: password verifier type 0x939 is not supported by python-oracledb in thin "
            "mode",
            THICK,
        ),  # an 11g account that still has only the 10G password verifier
    ],
)
def test_driver_messages_are_classified(driver_message: str, kind: str) -> None:
    error = sa.exc.DBAPIError("SELECT 1", None, Exception(driver_message))
    assert failure_kind(error)[0] == kind


def test_source_error_scrubs_the_password_and_id_numbers_from_driver_text() -> None:
    url = sa.make_url(f"postgresql+psycopg://syncd:{PASSWORD}@db01/his")
    cause = Exception(f"bad dsn password={PASSWORD} key 440000199001010011 duplicate")
    message = str(source_error(url, sa.exc.DBAPIError("INSERT", {"k": 1}, cause)))
    assert PASSWORD not in message and "440000199001010011" not in message
    assert message.startswith(
        "HIS 数据库 postgresql+psycopg db01/his 语句执行失败 / HIS database "
        "postgresql+psycopg db01/his: statement failed"
    )


def test_a_malformed_url_error_does_not_repeat_the_url_and_its_password() -> None:
    with pytest.raises(ConfigError) as caught:
        make_engine(DatabaseSettings(url=f"syncd:{PASSWORD}@db01"))
    assert PASSWORD not in str(caught.value)
