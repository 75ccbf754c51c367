"""init-db on every backend: creates what is missing, then nothing; leaves HIS tables alone;
the staging tables keep Chinese text, Decimals and local timestamps exactly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from syncd.config.settings import DatabaseSettings
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables

TABLES = staging_tables()
SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
RARE = "𠀀𪚥"  # supplementary-plane characters (4 bytes in UTF-8): 生僻字 in names
MESSAGE = ("结算失败：该参保人存在未结算的住院业务，请先办理出院结算。" * 40)[:1000]


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(DatabaseSettings(url=db_url, connect_timeout_s=5))
    yield engine
    engine.dispose()


def _table_names(engine: sa.Engine) -> set[str]:
    return {name.lower() for name in sa.inspect(engine).get_table_names()}


def test_init_db_creates_every_staging_table_then_has_nothing_to_do(engine: sa.Engine) -> None:
    first = init_db(engine, TABLES)
    assert sorted(first.created_tables) == sorted(t.name for t in TABLES.all())
    assert _table_names(engine) >= {t.name for t in TABLES.all()}
    second = init_db(engine, TABLES)
    assert second.nothing_done and second.lines() == []


def test_init_db_leaves_a_his_table_with_our_prefix_untouched(engine: sa.Engine) -> None:
    his = sa.Table(
        "wi_his_orders",
        sa.MetaData(),
        sa.Column("order_no", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("note", sa.String(20)),
    )
    his.create(engine)
    with engine.begin() as conn:
        conn.execute(his.insert(), [{"order_no": 1, "note": "keep"}, {"order_no": 2, "note": None}])
    init_db(engine, TABLES)
    init_db(engine, TABLES)
    columns = [c["name"].lower() for c in sa.inspect(engine).get_columns("wi_his_orders")]
    assert columns == ["order_no", "note"]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(his).order_by(his.c.order_no)).all()
    assert [tuple(r) for r in rows] == [(1, "keep"), (2, None)]


def test_init_db_recreates_a_dropped_index_and_reports_missing_columns(
    engine: sa.Engine,
) -> None:
    init_db(engine, TABLES)
    (visit_index,) = [ix for ix in TABLES.message.indexes if ix.name.endswith("ix_z218")]
    visit_index.drop(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE wi_code"))
        conn.execute(sa.text("CREATE TABLE wi_code (id INTEGER PRIMARY KEY, aaa100 CHAR(3))"))
    report = init_db(engine, TABLES)
    assert report.created_tables == [] and report.created_indexes == ["wi_message_ix_z218"]
    assert "aaa102" in report.missing_columns["wi_code"]
    assert "aaa100" not in report.missing_columns["wi_code"]


def test_his_can_insert_a_command_with_only_the_command_column(engine: sa.Engine) -> None:
    init_db(engine, TABLES)
    before = datetime.now().replace(microsecond=0)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO wi_request (command) VALUES ('bizh110001')"))
    with engine.connect() as conn:
        row = conn.execute(sa.select(TABLES.request)).one()
    assert row.id >= 1 and row.status == "NEW" and row.attempts == 0
    assert row.lease_owner is None
    assert before <= row.created_at <= datetime.now(), "created_at defaults to local time"


def test_chinese_text_and_decimals_round_trip_in_the_staging_tables(engine: sa.Engine) -> None:
    init_db(engine, TABLES)
    stamp = datetime(2026, 3, 1, 8, 30, 15, 123456)
    with engine.begin() as conn:
        request_id = conn.execute(
            TABLES.request.insert().values(
                command="bizh120001",
                aac003=f"张{RARE}",
                return_code_message=MESSAGE,
                akc264=Decimal("123456789012.34"),
                bka832=Decimal("-0.01"),
                result_json="工伤" * 50_000,
                answered_at=stamp,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(
            TABLES.request_row.insert().values(
                request_id=request_id,
                dataset="feeinfo",
                row_no=1,
                ake006="头孢呋辛钠注射液",
                bka056=Decimal("12.3456"),
                bka057=Decimal("-1.0000"),
                bka058=Decimal("-12.35"),
            )
        )
    with engine.connect() as conn:
        request = conn.execute(sa.select(TABLES.request)).one()
        row = conn.execute(sa.select(TABLES.request_row)).one()
    assert request.aac003 == f"张{RARE}" and request.return_code_message == MESSAGE
    assert request.akc264 == Decimal("123456789012.34") and request.bka832 == Decimal("-0.01")
    assert isinstance(request.akc264, Decimal)
    assert request.result_json == "工伤" * 50_000
    assert request.answered_at == stamp
    assert row.ake006 == "头孢呋辛钠注射液" and row.request_id == request_id
    assert (row.bka056, row.bka057, row.bka058) == (
        Decimal("12.3456"),
        Decimal("-1.0000"),
        Decimal("-12.35"),
    )


def test_the_same_feed_key_and_version_cannot_be_recorded_twice(engine: sa.Engine) -> None:
    init_db(engine, TABLES)
    row = {"feed": "fee", "source_key": "A1", "version": "", "function_id": "bizh120002"}
    with engine.begin() as conn:
        conn.execute(TABLES.sync_status.insert().values(**row))
        conn.execute(TABLES.sync_status.insert().values(**{**row, "version": "2"}))
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(TABLES.sync_status.insert().values(**row))


def test_a_his_table_carrying_our_name_is_reported_not_changed(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE wi_visit (visit_key VARCHAR(20), ward VARCHAR(20))"))
    report = init_db(engine, TABLES)
    assert "wi_visit" not in report.created_tables
    assert report.created_indexes == []
    assert "kind" in report.missing_columns["wi_visit"]
    assert any("wi_visit lacks columns" in line for line in report.lines())
    inspector = sa.inspect(engine)
    assert [c["name"].lower() for c in inspector.get_columns("wi_visit")] == ["visit_key", "ward"]
    assert inspector.get_indexes("wi_visit") == []


def _statements(path: Path) -> list[str]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line[:2] != "--"]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip()]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_the_committed_schema_sql_runs_and_matches_what_init_db_creates(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """What a DBA runs by hand (sql/<dialect>/schema.sql) leaves init-db nothing to do."""
    url = request.getfixturevalue(f"{backend}_url")
    dialect = {"mariadb": "mysql"}.get(backend, backend)
    engine = make_engine(DatabaseSettings(url=url))
    with engine.begin() as conn:
        for statement in _statements(SQL_DIR / dialect / "schema.sql"):
            conn.exec_driver_sql(statement.rstrip(";"))
    report = init_db(engine, TABLES)
    assert report.nothing_done and report.missing_columns == {}
    engine.dispose()
