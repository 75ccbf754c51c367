"""A command inserted into ``WI_REQUEST`` wakes the command loop at once (PostgreSQL).

On PostgreSQL ``init-db`` creates a trigger on the command table (:func:`notify_ddl`, also in
``sql/postgresql/schema.sql``; added to an existing database by :func:`ensure_notify`): every
INSERT statement sends ``NOTIFY <channel>`` (no payload: the commands are read by the poll,
as always).  :class:`RequestWakeups` holds one connection that ``LISTEN``\\ s and calls ``wake``
for every notification, so a cashier's command is claimed within milliseconds instead of at
the next poll.  The poll (``polling.command_interval_s``) stays: it is the fallback (a lost
connection, a trigger a DBA did not create) and the only way on the other databases.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from syncd import logs
from syncd.db.schema import StagingTables

_log = logging.getLogger(__name__)
RECONNECT_S = 5.0  # after the listening connection failed
LISTEN_WAIT_S = 0.5  # how long one wait for a notification lasts (a stop is seen this soon)


def channel(tables: StagingTables) -> str:
    """The notification channel of the command table (schema and prefix in its name)."""
    table = tables.request
    return f"{table.schema}_{table.name}".lower() if table.schema else table.name.lower()


def _function_name(table: sa.Table, dialect: Dialect) -> str:
    name = dialect.identifier_preparer.quote(f"{table.name}_notify")
    return (
        f"{dialect.identifier_preparer.quote_schema(table.schema)}.{name}" if table.schema else name
    )


def notify_ddl(tables: StagingTables, dialect: Dialect) -> list[str]:
    """The function and the trigger that NOTIFY on every INSERT into the command table."""
    table = tables.request
    function = _function_name(table, dialect)
    trigger = dialect.identifier_preparer.quote(f"{table.name}_notify")
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN PERFORM pg_notify('{channel(tables)}', ''); RETURN NULL; END $$",
        f"CREATE TRIGGER {trigger} AFTER INSERT ON "
        f"{dialect.identifier_preparer.format_table(table)} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


def ensure_notify(conn: sa.Connection, tables: StagingTables) -> bool:
    """Create the trigger where it is missing (PostgreSQL only); True when it was created."""
    if conn.dialect.name != "postgresql":
        return False
    table = tables.request
    qualified = f"{table.schema}.{table.name}" if table.schema else table.name
    found = conn.execute(
        sa.text("SELECT 1 FROM pg_trigger WHERE tgname = :name AND tgrelid = to_regclass(:t)"),
        {"name": f"{table.name}_notify", "t": qualified},
    ).first()
    if found is not None:
        return False
    for statement in notify_ddl(tables, conn.dialect):
        conn.exec_driver_sql(statement)
    logs.event(_log, "db.trigger_created", trigger=f"{table.name}_notify")
    return True


class RequestWakeups:
    """Listens on the command table's channel (PostgreSQL with psycopg); see the module
    docstring.  :meth:`run` until ``stop`` is set, calling ``wake`` for every notification
    (and once after each (re)connection: a command may have come while nobody listened)."""

    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.channel = engine, channel(tables)

    @staticmethod
    def supported(engine: sa.Engine) -> bool:
        return engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"

    def run(self, wake: Callable[[], None], stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self._listen(wake, stop)
            except Exception as exc:  # the database went away: the poll covers until we are back
                logs.event(_log, "db.listen_failed", logging.WARNING, error=type(exc).__name__)
                stop.wait(RECONNECT_S)

    def _listen(self, wake: Callable[[], None], stop: threading.Event) -> None:
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'LISTEN "{self.channel}"')
            raw = conn.connection.driver_connection
            assert raw is not None
            wake()
            try:
                while not stop.is_set():
                    for _ in raw.notifies(timeout=LISTEN_WAIT_S, stop_after=1):
                        wake()
            finally:
                conn.exec_driver_sql("UNLISTEN *")
