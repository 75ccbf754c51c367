"""``ids_in`` against every real database: the rows of the bound ids, and only those."""

from __future__ import annotations

import sqlalchemy as sa

from syncd.db.idlist import ids_in


def test_selects_and_updates_exactly_the_bound_ids(db_url: str) -> None:
    meta = sa.MetaData()
    table = sa.Table(
        "idlist_probe",
        meta,
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("x", sa.String(10)),
    )
    engine = sa.create_engine(db_url)
    try:
        meta.drop_all(engine)
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(table.insert(), [{"id": i, "x": "old"} for i in range(1, 701)])
            changed = conn.execute(
                sa.update(table).where(ids_in(table.c.id, "ids")).values(x="new"),
                {"ids": list(range(2, 700, 2))},
            )
            assert changed.rowcount == 349
        with engine.connect() as conn:
            probe = sa.select(table.c.id).where(ids_in(table.c.id, "ids")).order_by(table.c.id)
            got = conn.execute(probe, {"ids": [5, 1, 999]}).scalars().all()
            assert got == [1, 5]
            new = conn.execute(sa.select(sa.func.count()).where(table.c.x == "new")).scalar()
            assert new == 349
    finally:
        meta.drop_all(engine)
        engine.dispose()


def test_on_postgresql_the_statement_text_does_not_grow_with_the_list(db_url: str) -> None:
    """What reaches the driver for 2 and for 3 ids: one text on PostgreSQL (prepared once),
    one placeholder per id elsewhere."""
    meta = sa.MetaData()
    table = sa.Table(
        "idlist_text", meta, sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False)
    )
    engine = sa.create_engine(db_url)
    sent: list[str] = []
    sa.event.listen(
        engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *rest: sent.append(statement),
    )
    try:
        meta.drop_all(engine)
        meta.create_all(engine)
        probe = sa.select(table.c.id).where(ids_in(table.c.id, "ids"))
        with engine.connect() as conn:
            sent.clear()
            conn.execute(probe, {"ids": [1, 2]}).all()
            conn.execute(probe, {"ids": [1, 2, 3]}).all()
        assert len(sent) == 2
        assert (sent[0] == sent[1]) is (engine.dialect.name == "postgresql")
    finally:
        meta.drop_all(engine)
        engine.dispose()
