"""A stay whose platform total matches neither case, against the simulator: another client
uploaded a row to the stay, then syncd's next batch is processed and its reply lost.  Where
the city allows bizh120004, syncd deletes the stay's fees itself (recorded in WI_REQUEST) and
uploads every row again — the platform ends with syncd's rows, each once."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from engine_support import Env, admit, any_env, fee
from test_engine_fee_deletion import allow_fee_deletion

from syncd.engine.exchange import Where
from syncd.protocol import catalogue
from syncd.protocol.messages import Request
from syncd.service.worker import Worker

__all__ = ["any_env"]


def upload_elsewhere(env: Env, worker: Worker, like: str, amount: str) -> None:
    """Another client puts a row of ``amount`` on ZY1's stay: syncd's call ``like`` as it
    went out, its one row renumbered."""
    sent = worker.calls.archived(like, "bizh120002", Where())
    assert sent is not None
    (row,) = sent.datasets["feeinfo"]
    other = {**row, "aaz213": "990001", "bka071": "990001", "bka058": amount, "bka056": amount}
    request = Request.build(catalogue.load(), "bizh120002", dict(sent.params), {"feeinfo": [other]})
    assert worker.calls.client.call(request).succeeded


def test_a_total_matching_neither_case_is_deleted_and_uploaded_again(any_env: Env) -> None:
    env = any_env
    allow_fee_deletion(env)
    admit(env)
    fee(env, "F1", "9.00")
    worker = env.worker()
    worker.once()
    first = env.status("ip_fee")["F1"]
    assert first["status"] == "SUCCEEDED"
    upload_elsewhere(env, worker, str(first["request_id"]), "50.00")

    env.sim.add_faults("reply_lost:function=bizh120002")
    fee(env, "F2", "4.00")
    worker.once()  # F2 processed, reply lost: 63.00 is neither 9.00 nor 13.00
    row = env.status("ip_fee")["F2"]
    assert row["status"] == "UNKNOWN" and "63.00" in row["return_code_message"]
    assert "请人工核对" not in row["return_code_message"]
    r = env.tables.request
    with env.db.connect() as conn:
        (refill,) = conn.execute(sa.select(r)).mappings().all()
    assert (refill["command"], refill["requested_by"]) == ("ip_delete_fees", "syncd")

    env.sim.clear_faults()
    for _ in range(6):
        env.clock.advance(600)
        worker.once()
    rows = env.status("ip_fee")
    assert {k: v["status"] for k, v in rows.items()} == {"F1": "SUCCEEDED", "F2": "SUCCEEDED"}
    assert env.request_row(int(refill["id"]))["status"] == "DONE"
    aaz218 = env.visit("ZY1")["aaz218"]
    on_platform = sorted(str(x["bka058"]) for x in env.business(aaz218)["rows"])
    assert on_platform == ["4.00", "9.00"], on_platform
    assert Decimal(str(env.visit("ZY1")["fee_amount"])) == Decimal("13.00")
    assert len(env.calls("bizh120004")) == 1
