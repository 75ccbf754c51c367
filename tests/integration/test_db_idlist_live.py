"""``ids_in`` against every real database: the rows of the bound ids, and only those."""

from __future__ import annotations

import sqlalchemy as sa

from syncd.db.idlist import ids_in


def test_selects_and_updates_exactly_the_bound_ids(db_url: str) -> None:
    meta = sa.MetaData()
    table = sa.Table("idlist_probe", meta, sa.Column("id", sa.BigInteger, primary_key=True,
                     autoincrement=False), sa.Column("x", sa.String(10)))  # fmt: skip
    engine = sa.create_engine(db_url)
    try:
        meta.drop_all(engine)
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(table.insert(), [{"id": i, "x": "old"} for i in range(1, 701)])
            changed = conn.execute(sa.update(table).where(ids_in(table.c.id, "ids"))
                                   .values(x="new"), {"ids": list(range(2, 700, 2))})  # fmt: skip
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
