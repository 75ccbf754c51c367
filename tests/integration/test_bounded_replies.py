"""A reply longer than platform.max_reply_bytes is not read on: the call is UNKNOWN (resolved
by query as any unreadable reply), the archive keeps at most that much with a note, and it
never keeps the live session_id.  The simulator's ``oversize`` fault commits the call, then
streams the real reply padded to the size asked for."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from engine_support import Env, admit, build_env
from test_platform_e2e_support import NORMAL, Driver, admission, make_client, sim

from syncd.core.records import Outcome
from syncd.platform.http_reply import CUT_NOTE
from syncd.simulator import Simulator

__all__ = ["sim"]  # fixtures
MIB = 1024 * 1024
LIMIT = 256 * 1024


def our_stays(simulator: Simulator) -> list[str]:
    return [b["aaz218"] for b in simulator.businesses() if b["akb020"] == "SS0001"]


def test_a_100_mb_reply_is_cut_at_the_limit_and_unknown(sim: Simulator) -> None:
    """The admission is committed, its reply is 100 MB: the client stops at the limit, the
    call is UNKNOWN (it may well have been processed), the bytes kept end with the note."""
    sim.add_faults(f"oversize:function=bizh120103,size={100 * MIB}")
    with make_client(sim, max_reply_bytes=LIMIT) as client:
        result = Driver(sim, client).call("bizh120103", **admission(NORMAL, "ZY-BIG"))
    assert result.outcome is Outcome.UNKNOWN and result.reply is None
    assert "max_reply_bytes" in result.message
    (exchange,) = result.exchanges
    note = CUT_NOTE.format(limit=LIMIT).encode("utf-8")
    assert exchange.cut and exchange.reply is not None
    assert len(exchange.reply) == LIMIT + len(note) and exchange.reply.endswith(note)
    assert exchange.reply.startswith(b'<?xml version="1.0" encoding="UTF-8"?><program>')
    assert len(our_stays(sim)) == 1  # processed: only a query can tell


def test_a_padded_reply_within_the_limit_is_read_whole(sim: Simulator) -> None:
    """The same padded reply, a little shorter than the limit, is an ordinary success."""
    sim.add_faults(f"oversize:function=bizh120103,size={LIMIT - 1024}")
    with make_client(sim, max_reply_bytes=LIMIT) as client:
        result = Driver(sim, client).call("bizh120103", **admission(NORMAL, "ZY-PAD"))
    assert result.outcome is Outcome.SUCCEEDED and result.reply is not None
    assert result.reply.get("aaz218") == our_stays(sim)[0]
    assert not result.exchanges[0].cut and len(result.reply_bytes or b"") == LIMIT - 1024


@pytest.fixture
def small_limit_env(sqlite_url: str) -> Iterator[Env]:
    for env in build_env(sqlite_url):
        platform = env.settings.platform.model_copy(update={"max_reply_bytes": LIMIT})
        env.settings = env.settings.model_copy(update={"platform": platform})
        yield env


def archived(env: Env) -> list[dict[str, object]]:
    t = env.tables.message
    with env.db.connect() as conn:
        rows = conn.execute(sa.select(t).order_by(t.c.id)).mappings().all()
    return [dict(row) for row in rows]


def test_the_engine_resolves_the_oversize_admission_by_query_and_archives_it_bounded(
    small_limit_env: Env,
) -> None:
    """End to end: the admission with a 100 MB reply is UNKNOWN, the business query right after
    finds it, the row SUCCEEDS with the platform's aaz218 — sent once.  The archive holds the
    cut reply with its note, and every archived request shows the session as ******** only."""
    env = small_limit_env
    env.sim.add_faults(f"oversize:function=bizh120103,size={100 * MIB}")
    admit(env)
    env.worker().once()
    row = env.status("ip_admission")["1"]
    (aaz218,) = our_stays(env.sim)
    assert (row["status"], row["aaz218"]) == ("SUCCEEDED", aaz218)
    assert len(env.calls("bizh120103")) == 1 and env.calls("bizh120102")
    messages = archived(env)
    (big,) = [m for m in messages if m["function_id"] == "bizh120103"]
    assert big["outcome"] == "UNKNOWN"
    reply = str(big["reply_xml"])
    assert reply.endswith(CUT_NOTE.format(limit=LIMIT))
    assert len(reply.encode("utf-8")) <= LIMIT + len(CUT_NOTE.format(limit=LIMIT).encode())
    sessions = {
        s
        for m in messages
        for s in re.findall(r"<session_id>(.*?)</session_id>", str(m["request_xml"]))
    }
    assert sessions == {"********"}
