"""A command inserted into WI_REQUEST wakes the command loop at once on PostgreSQL: init-db
creates the NOTIFY trigger (and adds it to a database created before it existed); a listener
on its own connection hears every insert.  Elsewhere there is no trigger, only the poll."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from syncd.config.settings import DatabaseSettings
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.request_notify import RequestWakeups
from syncd.db.schema import staging_tables

TABLES = staging_tables()
WAIT_S = 10.0


@pytest.fixture
def pg(postgresql_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(DatabaseSettings(url=postgresql_url))
    yield engine
    engine.dispose()


def insert_command(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO wi_request (command) VALUES ('code_table_query')"))


def test_an_inserted_command_wakes_the_listener(pg: sa.Engine) -> None:
    assert init_db(pg, TABLES).created_triggers == ["wi_request_notify"]
    woken, stop = threading.Event(), threading.Event()
    listener = threading.Thread(target=RequestWakeups(pg, TABLES).run, args=(woken.set, stop))
    listener.start()
    try:
        assert woken.wait(WAIT_S), "woken once listening (a command may have come before)"
        for _ in range(3):
            woken.clear()
            insert_command(pg)
            assert woken.wait(WAIT_S), "an insert wakes the listener"
    finally:
        stop.set()
        listener.join(WAIT_S)
    assert not listener.is_alive()


def test_init_db_adds_the_trigger_to_an_older_database_once(pg: sa.Engine) -> None:
    init_db(pg, TABLES)
    with pg.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER wi_request_notify ON wi_request"))
    again = init_db(pg, TABLES)
    assert again.created_triggers == ["wi_request_notify"] and not again.nothing_done
    assert any("wi_request_notify" in line for line in again.lines())
    assert init_db(pg, TABLES).nothing_done


@pytest.mark.parametrize("backend", ["sqlite", "mariadb"])
def test_other_databases_get_no_trigger_and_no_listener(
    backend: str, request: pytest.FixtureRequest
) -> None:
    engine = make_engine(DatabaseSettings(url=str(request.getfixturevalue(f"{backend}_url"))))
    try:
        assert init_db(engine, TABLES).created_triggers == []
        assert not RequestWakeups.supported(engine)
    finally:
        engine.dispose()
