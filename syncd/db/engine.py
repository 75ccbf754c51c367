"""Engines for the HIS database, and the one place database errors become :class:`SourceError`.

:func:`make_engine` builds a pooled engine for the supported drivers with a connect timeout,
a check of every pooled connection before use (a restarted database costs one replaced
connection, not a failed tick; see :func:`_check_before_use`) and ``pool_recycle``.  The
password comes from ``settings.password`` (attached by the loader from the environment, a file
or a systemd credential) and is set on the URL *object*; the URL is never rendered with it.
:func:`source_errors` translates SQLAlchemy/DBAPI exceptions into a :class:`SourceError` that
names the database and the kind of failure (recognised by :mod:`syncd.db.driver_failures`),
without the password, the statement's parameters or anything shaped like an ID number.
"""

from __future__ import annotations

import re
import select
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event as sa_event

from syncd.config.settings import DatabaseSettings
from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError, ConfigProblem, SourceError, SourceUnavailable
from syncd.db.driver_failures import driver_text, failure_kind
from syncd.logs import mask_id_numbers

SUPPORTED_DRIVERS = (
    "oracle+oracledb",
    "mssql+pyodbc",
    "postgresql+psycopg",
    "mysql+pymysql",
    "mysql+pyodbc",
    "sqlite",
    "sqlite+pysqlite",
)

# driver (module) -> (the extra that installs it, a system library it also needs)
DRIVER_EXTRAS = {
    "oracledb": ("oracle", ""),
    "pyodbc": ("mssql", "unixODBC (apt-get install unixodbc)"),
    "psycopg": ("postgresql", ""),
    "pymysql": ("mysql", ""),
}

Engine = sa.Engine  # for the type hints of layers above syncd.db (which import no SQLAlchemy)


def make_engine(settings: DatabaseSettings) -> sa.Engine:
    """A pooled engine for the configured HIS database (ConfigError for an unusable URL or a
    driver that is not installed)."""
    url = database_url(settings)
    try:
        return _engine(url, settings)
    except ImportError as exc:  # SQLAlchemy imports the driver when the engine is created
        raise missing_driver(url.get_driver_name(), exc) from None
    except sa.exc.ArgumentError as exc:  # e.g. a SQLite URL with a host
        detail = _scrub(str(exc).splitlines()[:1], url.password)
        message = zh_en(f"database.url 无效：{detail}", f"database.url: {detail}")
        raise ConfigError(message) from None


def missing_driver(driver: str, exc: ImportError) -> ConfigError:
    """One line naming the extra that installs ``driver``, or the system library it lacks."""
    extra, system = DRIVER_EXTRAS.get(driver, ("", ""))
    if system and not isinstance(exc, ModuleNotFoundError):  # installed, but it cannot load
        reason = str(exc).splitlines()[0][:120]
        zh = f"数据库驱动 {driver} 无法加载（{reason}）：需要 {system}"
        return ConfigError(
            zh_en(zh, f"the database driver {driver} cannot load ({reason}): it needs {system}")
        )
    install = f"pip install 'syncd[{extra}]'" if extra else f"pip install {driver}"
    also_zh, also_en = (f"，另需 {system}", f"; it also needs {system}") if system else ("", "")
    zh = f"未安装数据库驱动 {driver}：{install}{also_zh}"
    return ConfigError(
        zh_en(zh, f"the database driver {driver} is not installed: {install}{also_en}")
    )


def _engine(url: sa.URL, settings: DatabaseSettings) -> sa.Engine:
    watched = url.get_driver_name() in _SOCKET_OF
    options: dict[str, Any] = {
        "pool_pre_ping": not watched,
        "pool_recycle": settings.pool_recycle_s,
        "connect_args": _connect_args(url, settings.connect_timeout_s),
    }
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, **options)
        _sqlite_pragmas(engine, settings.connect_timeout_s)
        return engine
    options.update(pool_size=settings.pool_size, max_overflow=settings.pool_size)
    if url.get_backend_name() == "oracle":
        options["use_nchar_for_unicode"] = True  # bind str as NVARCHAR2: 生僻字 survive
        if settings.oracle_client_dir is not None:
            options["thick_mode"] = {"lib_dir": str(settings.oracle_client_dir)}
    with _oracle_client_errors(settings):
        engine = sa.create_engine(url, **options)
    if watched:
        _check_before_use(engine, _SOCKET_OF[url.get_driver_name()])
    return engine


_DRIVER_CODE = re.compile(r"\b(DPI|DPY)-\d{4}\b")


@contextmanager
def _oracle_client_errors(settings: DatabaseSettings) -> Iterator[None]:
    """python-oracledb's Thick mode starts when the engine is made (``init_oracle_client``,
    before any connection); a client library it cannot load (DPI-1047) or use (DPI-1072 …)
    is a setting to fix: one line naming ``database.oracle_client_dir`` and Instant Client."""
    try:
        yield
    except Exception as exc:
        if settings.oracle_client_dir is None or not _DRIVER_CODE.search(str(exc)):
            raise
        where = settings.oracle_client_dir
        detail = str(exc).splitlines()[0].split(". See ")[0]
        message = (
            f"无法从 {where} 加载 64 位 Oracle 客户端库（Oracle Instant Client），Thick 模式未能"
            "启用；请在该目录安装 Instant Client（连接 Oracle 11.2 用 19 版），Linux 上还要把该目录"
            f"写入 /etc/ld.so.conf.d/ 并执行 ldconfig / cannot load the 64-bit Oracle Client "
            f"libraries from {where}, so Thick mode is off: install Oracle Instant Client there "
            "(version 19 for Oracle 11.2) and, on Linux, add the directory to /etc/ld.so.conf.d/ "
            f"and run ldconfig ({detail})"
        )
        raise ConfigError([ConfigProblem("database.oracle_client_dir", 0, 0, message)]) from None


IDLE_PING_S = 30.0  # a connection idle this long is pinged as well (a silently dropped link)
_IDLE_SINCE = "syncd_idle_since"
_SOCKET_OF: dict[str, Callable[[Any], int]] = {
    "psycopg": lambda dbapi: int(dbapi.pgconn.socket),
    "pymysql": lambda dbapi: int(dbapi._sock.fileno()),
}


def _check_before_use(engine: sa.Engine, socket_of: Callable[[Any], int]) -> None:
    """What ``pool_pre_ping`` guarantees, mostly without its round trip (about 0.7 ms per
    checkout, several per unit).  A server that closes a connection (restart, a killed
    session) leaves bytes or end-of-file on its idle socket: a readable idle socket means the
    connection is dead (or, rarely, an unasked server message: a new connection is harmless
    either way).  A connection idle for :data:`IDLE_PING_S` is pinged, which finds a link
    dropped without a word.  Either way the pool replaces it before the tick sees it."""

    @sa_event.listens_for(engine, "checkin")
    def _idle(_dbapi: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @sa_event.listens_for(engine, "checkout")
    def _check(dbapi: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None:  # a new connection
            return
        if _closed(dbapi, socket_of):
            raise sa.exc.DisconnectionError("the server closed the connection")
        if time.monotonic() - since >= IDLE_PING_S:
            try:
                engine.dialect.do_ping(dbapi)
            except Exception as exc:
                raise sa.exc.DisconnectionError("the connection no longer answers") from exc


def _closed(dbapi: Any, socket_of: Callable[[Any], int]) -> bool:
    """The driver has no socket any more, or its idle socket is readable."""
    try:
        return _readable(socket_of(dbapi))
    except Exception:  # psycopg: "the connection is lost"; PyMySQL: no socket object
        return True


def _readable(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def database_url(settings: DatabaseSettings) -> sa.URL:
    """The configured URL as an object, with the secret password set on it (never rendered)."""
    try:
        url = sa.make_url(settings.url)
    except sa.exc.ArgumentError:  # its message repeats the URL, password and all
        raise ConfigError(
            "database.url: "
            + zh_en(
                "不是数据库 URL，应如 postgresql+psycopg://syncd@db-host:5432/his",
                "not a database URL; expected e.g. postgresql+psycopg://syncd@db-host:5432/his",
            )
        ) from None
    if url.drivername not in SUPPORTED_DRIVERS:
        known = ", ".join(SUPPORTED_DRIVERS[:-1])
        raise ConfigError(
            "database.url: "
            + zh_en(
                f"不支持的驱动 '{url.drivername}'，可用：{known}",
                f"unsupported driver '{url.drivername}'; use one of {known}",
            )
        )
    if settings.password is not None and url.get_backend_name() != "sqlite":  # SQLite has none
        url = url.set(password=settings.password.get_secret_value())
    if url.drivername == "mysql+pyodbc" and url.port is not None:
        # SQLAlchemy writes "Server=host,port" (SQL Server syntax), which MariaDB/MySQL ODBC
        # drivers do not understand.  With "port" in the query it writes "port=N" instead.
        url = url.update_query_dict({"port": str(url.port)})
    return url


def _connect_args(url: sa.URL, timeout_s: int) -> dict[str, Any]:
    """The connect timeout, spelt the way each driver wants it."""
    driver = url.get_driver_name()
    if driver == "psycopg":
        return {"connect_timeout": timeout_s}
    if driver == "pymysql":
        return {"connect_timeout": timeout_s}
    if driver == "oracledb":
        return {"tcp_connect_timeout": float(timeout_s)}
    if driver == "pyodbc":
        return {"timeout": timeout_s}
    return {"timeout": float(timeout_s)}  # pysqlite: seconds to wait for a lock


def _sqlite_pragmas(engine: sa.Engine, timeout_s: int) -> None:
    """WAL (readers do not block the writer), a busy timeout and enforced foreign keys."""

    @sa_event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()


def describe(url: sa.URL | str) -> str:
    """``dialect+driver host:port/database`` for messages and logs; never user or password."""
    url = sa.make_url(url)
    if url.get_backend_name() == "sqlite":
        return f"{url.drivername} {url.database or ':memory:'}"
    where = url.host or "localhost"
    if url.port:
        where = f"{where}:{url.port}"
    return f"{url.drivername} {where}/{url.database or ''}"


def source_error(url: sa.URL | str, exc: BaseException, doing: str = "") -> SourceError:
    """A SourceError naming the database and the failure, scrubbed of secrets and ID numbers."""
    url = sa.make_url(url)
    kind, label_zh = failure_kind(exc)
    detail = _scrub(driver_text(exc).strip().splitlines()[0:1], url.password)
    during = f" while {doing}" if doing else ""
    where = describe(url)
    english = f"HIS database {where}: {kind}{during}: {detail}".rstrip(": ")
    error = SourceUnavailable if kind == "unreachable" else SourceError
    return error(zh_en(f"HIS 数据库 {where} {label_zh}", english))


@contextmanager
def source_errors(url: sa.URL | str, doing: str = "") -> Iterator[None]:
    """Run a block; any SQLAlchemy/DBAPI error leaves it as a :class:`SourceError`."""
    try:
        yield
    except sa.exc.SQLAlchemyError as exc:
        raise source_error(url, exc, doing) from exc


# Drivers that send nothing for a transaction in autocommit mode, and for which switching a
# pooled connection to it and back costs no round trip (psycopg: attributes set locally).
_FREE_AUTOCOMMIT = frozenset({"psycopg"})


ONLY_ON = "syncd_only_on"  # execution option: the one database a statement is built for
_Executable = TypeVar("_Executable", bound=sa.sql.base.Executable)


def only_on(dialect: str, statement: _Executable) -> _Executable:
    """``statement``, marked as built for ``dialect`` alone (a code path that runs there only,
    e.g. PostgreSQL's ``ON CONFLICT``): the version check compiles it for that family only."""
    return statement.execution_options(**{ONLY_ON: dialect})


@contextmanager
def reading(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection for one read that needs no transaction of its own: one statement sees one
    snapshot on every database.  On PostgreSQL it runs in autocommit mode (psycopg would
    otherwise send BEGIN before and ROLLBACK after it: three round trips for one SELECT).
    Elsewhere a plain connection: MySQL drivers send no BEGIN (only the ROLLBACK when it is
    given back) and turning autocommit on and off would cost two statements; SQLite's driver
    starts no transaction for a SELECT."""
    with engine.connect() as conn:
        if engine.dialect.driver in _FREE_AUTOCOMMIT:
            conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def check_connection(engine: sa.Engine) -> None:
    """Open a connection and run a trivial query; SourceError when that is not possible."""
    with source_errors(engine.url, "connecting"), engine.connect() as conn:
        conn.execute(sa.select(sa.literal(1)))


def _scrub(lines: list[str], password: str | None) -> str:
    text = " ".join(lines)
    if password:
        text = text.replace(password, "***")
    return mask_id_numbers(text)[:300]
