"""``syncd render`` prepares and builds a call with the engine's own parts (one preparation):
what it shows is, byte for byte, what the engine then sends and archives — for a single row,
a visit's fee batch and a command with child rows — on every database."""

from __future__ import annotations

import re

import sqlalchemy as sa
from engine_support import Env, admit, any_env, env, fee
from test_engine_outpatient import charge_rows, register

from syncd.protocol import catalogue
from syncd.protocol.codec import SESSION_MASK
from syncd.service.render import RenderSources, render_key

__all__ = ["any_env", "env"]
SESSION = re.compile(rb"<session_id>[^<]*</session_id>")


def rendered(env: Env, feed: str, key: str) -> list[bytes]:
    sources = RenderSources(env.db, env.tables, env.settings, catalogue.load(), env.feeds)
    result = render_key(sources, feed, key)
    assert not result.errors, result.errors
    return [xml for _, xml in result.documents]


def archived(env: Env, function_id: str) -> list[bytes]:
    """The requests the engine sent for ``function_id``, session id as render shows it."""
    message = env.tables.message
    stmt = (
        sa.select(message.c.request_xml)
        .where(message.c.function_id == function_id)
        .order_by(message.c.id)
    )
    with env.db.connect() as conn:
        sent = [str(xml).encode("utf-8") for xml in conn.execute(stmt).scalars()]
    placeholder = b"<session_id>" + SESSION_MASK.encode() + b"</session_id>"
    return [SESSION.sub(placeholder, xml) for xml in sent]


def test_render_shows_exactly_what_the_engine_sends(any_env: Env) -> None:
    env = any_env
    worker = env.worker()
    admit(env)
    admission = rendered(env, "ip_admission", "1")
    worker.once("ip_admission")
    assert archived(env, "bizh120103") == admission
    fee(env, "F1", "12.35")
    fee(env, "F2", "3.30", qty="3.00")
    batch = rendered(env, "ip_fee", "F1")  # the stay's rows, in one batch
    worker.once("ip_fee")
    assert archived(env, "bizh120002") == batch
    register(env)
    charge_rows(env)
    worker.once()
    command = env.command(
        "op_charge", "MZ1", charge_no="C1", bka893="0", operator_no="0102", operator_name="赵六"
    )
    charge = rendered(env, "op_charge", str(command))
    worker.once()
    assert env.request_row(command)["status"] == "DONE"
    assert archived(env, "bizh110105") == charge


def test_render_refuses_what_the_engine_refuses(env: Env) -> None:
    """SQLite keeps 12.345 in a DECIMAL(14,2) column: the engine refuses the row (more places
    than the field allows) and so does the dry run, with the same reason — it does not show a
    rounded 12.35 the engine would never send."""
    worker = env.worker()
    admit(env)
    worker.once("ip_admission")
    fee(env, "F1", "12.345")
    sources = RenderSources(env.db, env.tables, env.settings, catalogue.load(), env.feeds)
    result = render_key(sources, "ip_fee", "F1")
    worker.once("ip_fee")
    row = env.status("ip_fee")["F1"]
    assert (result.documents, row["status"]) == ([], "REJECTED")
    assert result.errors == [f"ip_fee F1 feeinfo.bka058: {row['last_error']}"]
