"""init-db's additive upgrade on every backend: an archive of the older layout gains the
search columns and indexes, its old rows are filled in from their XML (bounded batches, and a
run cut short goes on where it stopped), new rows are archived with them; a table lacking any
other column is still only reported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa

from syncd.config.settings import DatabaseSettings
from syncd.core.records import ArchiveEntry
from syncd.db.archive import Archive
from syncd.db.archive_backfill import backfill
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables
from syncd.db.schema_columns import ADDED

TABLES = staging_tables()
AT = datetime(2026, 11, 25, 9, 30)


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(DatabaseSettings(url=db_url, connect_timeout_s=5))
    yield engine
    engine.dispose()


def _old_archive(engine: sa.Engine) -> sa.Table:
    """WI_MESSAGE as an earlier syncd created it: without the columns added later."""
    metadata = sa.MetaData()
    columns = [
        sa.Column(
            c.name,
            c.type,
            *([sa.Identity()] if c.identity is not None else []),
            primary_key=c.primary_key,
            nullable=c.nullable,
            server_default=c.server_default,
        )
        for c in TABLES.message.columns
        if not c.info.get(ADDED)
    ]
    old = sa.Table("wi_message", metadata, *columns, mysql_engine="InnoDB", mysql_charset="utf8mb4")
    old.create(engine)
    return old


def _request(i: int) -> str:
    return (
        f"<program><session_id>S</session_id><function_id>bizh120103</function_id>"
        f"<aac001>10000100{i:02d}</aac001><bka015>何静</bka015></program>"
    )


REPLY = "<program><return_code>1</return_code><aaz218>ZY2026{i:04d}</aaz218></program>"


def test_an_older_archive_gains_the_search_columns_and_its_rows_are_filled_in(
    engine: sa.Engine,
) -> None:
    old = _old_archive(engine)
    with engine.begin() as conn:
        conn.execute(
            old.insert(),
            [
                {
                    "created_at": AT,
                    "function_id": "bizh120103",
                    "call_id": f"c{i}",
                    "visit_key": f"ZY{i}",
                    "aaz218": "KEPT" if i == 0 else None,
                    "request_xml": _request(i),
                    "reply_xml": REPLY.format(i=i),
                }
                for i in range(7)
            ],
        )
    report = init_db(engine, TABLES)
    assert set(report.added_columns) == {"wi_message.aac001", "wi_message.fields_v"}
    assert "wi_message_ix_person" in report.created_indexes
    assert "wi_message" not in report.missing_columns
    indexes = {ix["name"].lower() for ix in sa.inspect(engine).get_indexes("wi_message")}
    assert {"wi_message_ix_person", "wi_message_ix_visit", "wi_message_ix_function"} <= indexes

    m = TABLES.message.c
    assert backfill(engine, TABLES, batch=2, max_rows=3) == 3  # cut short …
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(m.fields_v.is_(None))).scalar() == 4
    assert backfill(engine, TABLES, batch=2) == 4  # … and the next run goes on from there
    assert backfill(engine, TABLES) == 0
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(m.call_id, m.aac001, m.aaz218, m.fields_v).order_by(m.id)
        ).all()
    assert rows[0] == ("c0", "1000010000", "KEPT", 1)  # an aaz218 it had is kept
    assert rows[6] == ("c6", "1000010006", "ZY20260006", 1)
    assert init_db(engine, TABLES).nothing_done


def test_new_exchanges_are_archived_with_the_person_and_the_platform_visit(
    engine: sa.Engine,
) -> None:
    init_db(engine, TABLES)
    entry = ArchiveEntry(
        "bizh120103",
        "call-1",
        "SUCCEEDED",
        "1",
        12,
        _request(5).encode(),
        REPLY.format(i=5).encode(),
        feed="ip_admission",
        source_key="ZY5",
        visit_key="ZY5",
    )
    Archive(engine, TABLES).record(entry, AT)
    m = TABLES.message.c
    with engine.connect() as conn:
        row = conn.execute(sa.select(m.aac001, m.aaz218, m.fields_v)).one()
    assert tuple(row) == ("1000010005", "ZY20260005", 1)
    assert backfill(engine, TABLES) == 0


def test_a_table_lacking_a_column_not_added_later_is_reported_not_changed(
    engine: sa.Engine,
) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE wi_message (id INTEGER PRIMARY KEY, note CHAR(3))"))
    report = init_db(engine, TABLES)
    assert {"request_xml", "aac001"} <= set(report.missing_columns["wi_message"])
    assert report.added_columns == []
    columns = {c["name"].lower() for c in sa.inspect(engine).get_columns("wi_message")}
    assert columns == {"id", "note"}


def test_an_installation_without_the_person_table_gains_it_and_keeps_its_data(
    engine: sa.Engine,
) -> None:
    """A database of the version before the person look-up: every other staging table there
    (with a row); init-db creates WI_PERSON and its index, touches nothing else."""
    others = [t for t in TABLES.all() if t is not TABLES.person]
    TABLES.metadata.create_all(engine, tables=others)
    with engine.begin() as conn:
        conn.execute(sa.insert(TABLES.code).values(aaa100="bka019", aaa102="01", aaa027=""))
    report = init_db(engine, TABLES)
    assert report.created_tables == ["wi_person"] and not report.added_columns
    inspector = sa.inspect(engine)
    assert {ix["name"].lower() for ix in inspector.get_indexes("wi_person")} >= {
        "wi_person_ix_aac001"
    }
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(TABLES.code)).scalar() == 1
    assert init_db(engine, TABLES).nothing_done
