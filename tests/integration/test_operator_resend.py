"""`syncd retry FEED KEY --not-processed` in the database: an UNKNOWN row and the other UNKNOWN
rows of its call (a fee batch) become PENDING, an UNKNOWN command NEW; nothing else moves."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from engine_support import START, Env, any_env

from syncd.core.records import RESEND_BY_OPERATOR_ZH, NewRow
from syncd.db.outbox_store import OutboxStore
from syncd.db.request_store import RequestStore

__all__ = ["any_env"]


def _set(env: Env, table: sa.Table, where: Any, **values: Any) -> None:
    with env.db.begin() as conn:
        conn.execute(sa.update(table).where(where).values(**values))


def test_an_unknown_fee_batch_is_sent_again_whole(any_env: Env) -> None:
    env, s = any_env, any_env.tables.sync_status
    store = OutboxStore(env.db, env.tables)
    store.add("ip_fee", "bizh120002", [NewRow(k, "", "ZY1") for k in ("F1", "F2", "F3")], START)
    _set(
        env,
        s,
        s.c.source_key.in_(["F1", "F2"]),
        status="UNKNOWN",
        request_id="call-1",
        attempts=2,
        lease_owner="engine-a",
    )
    _set(env, s, s.c.source_key == "F3", status="SUCCEEDED", request_id="call-0")
    assert store.resend_unknown("ip_fee", "F2", START) == 2
    rows = env.status("ip_fee")
    assert {k: (r["status"], r["attempts"]) for k, r in rows.items()} == {
        "F1": ("PENDING", 2),
        "F2": ("PENDING", 2),
        "F3": ("SUCCEEDED", 0),
    }
    assert rows["F1"]["lease_owner"] is None and rows["F1"]["last_error"] == RESEND_BY_OPERATOR_ZH
    assert store.resend_unknown("ip_fee", "F3", START) == 0


def test_an_unknown_command_is_new_again(any_env: Env) -> None:
    env, r = any_env, any_env.tables.request
    first, second = env.command("op_charge", "MZ1"), env.command("op_charge", "MZ1")
    _set(env, r, r.c.id == first, status="UNKNOWN", attempts=1)
    store = RequestStore(env.db, env.tables)
    assert store.resend_unknown(second, START) == 0  # NEW: not an unknown one
    assert store.resend_unknown(first, START) == 1
    row = env.request_row(first)
    assert (row["status"], row["attempts"]) == ("NEW", 1)
    assert row["last_error"] == RESEND_BY_OPERATOR_ZH
