"""Claims of the outbox on the real databases: two owners claiming the same due rows at once
never both take one, and together take them all; on PostgreSQL a claim is one ``UPDATE …
RETURNING`` (the due selection inside it), elsewhere the select, the update and the read-back."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta

from round_trips_support import RoundTrips

from syncd.config.settings import DatabaseSettings
from syncd.core.errors import SourceError
from syncd.core.records import Lease, NewRow
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.outbox_store import OutboxStore
from syncd.db.schema import staging_tables

NOW = datetime(2026, 11, 25, 9, 0, 0)
ROWS = 3000


def lease(owner: str) -> Lease:
    return Lease.starting(owner, NOW, timedelta(seconds=300))


def test_two_owners_claiming_at_once_share_the_rows_out_without_overlap(db_url: str) -> None:
    engine = make_engine(DatabaseSettings(url=db_url, pool_size=6))
    tables = staging_tables()
    init_db(engine, tables)
    box = OutboxStore(engine, tables)
    new = [NewRow(f"F{n:05d}", "1", f"ZY{n % 40}") for n in range(ROWS)]
    for start in range(0, ROWS, 500):
        box.add("ip_fee", "bizh120002", new[start : start + 500], NOW)
    taken: dict[str, list[int]] = {"a": [], "b": []}
    last: dict[str, int] = {}
    rounds = threading.Barrier(2)

    def claimer(owner: str) -> None:
        """In lock-step with the other: both claim at once, from the same due rows."""
        while True:
            rounds.wait(30)
            try:
                got = box.claim("ip_fee", lease(owner), 100)
            except SourceError:  # a deadlock between the two claimers: that round again
                got = [None]  # type: ignore[list-item]
            taken[owner] += [r.id for r in got if r is not None]
            last[owner] = len(got)
            rounds.wait(30)
            if not any(last.values()):
                return

    threads = [threading.Thread(target=claimer, args=(o,)) for o in taken]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert not set(taken["a"]) & set(taken["b"])
        assert len(taken["a"]) + len(taken["b"]) == ROWS
        with RoundTrips(engine) as trips:
            assert box.claim(
                "ip_fee", Lease.starting("c", NOW + timedelta(hours=1), timedelta(seconds=60)), 50
            )
        verbs = Counter(label.split(" ")[0] for label in trips.seen.elements())
        statements = {verb: n for verb, n in verbs.items() if verb in ("SELECT", "UPDATE")}
        if engine.dialect.name == "postgresql":
            assert statements == {"UPDATE": 1}
        else:
            assert statements == {"SELECT": 2, "UPDATE": 1}
    finally:
        engine.dispose()


def test_rows_another_search_recorded_first_are_skipped(db_url: str) -> None:
    """Two daemons' searches find the same new rows: the second ``add`` adds only the rows
    not there yet — on PostgreSQL inside its one INSERT (ON CONFLICT DO NOTHING), elsewhere
    by going row by row after the unique key refused the batch."""
    engine = make_engine(DatabaseSettings(url=db_url))
    tables = staging_tables()
    init_db(engine, tables)
    box = OutboxStore(engine, tables)
    first = [NewRow(f"F{n:04d}", "1", "ZY1") for n in range(0, 600)]
    both = [NewRow(f"F{n:04d}", "1", "ZY1") for n in range(500, 1000)]  # 100 already there
    try:
        assert box.add("ip_fee", "bizh120002", first, NOW) == 600
        with RoundTrips(engine) as trips:
            assert box.add("ip_fee", "bizh120002", both, NOW) == 400
        inserts = sum(n for label, n in trips.seen.items() if label.startswith("INSERT"))
        if engine.dialect.name == "postgresql":
            assert inserts == 1
        else:
            assert inserts == 1 + len(both)  # the refused batch, then one by one
        assert len(box.claim("ip_fee", lease("a"), 2000)) == 1000
    finally:
        engine.dispose()
