"""Reconciliation without a HIS settlement table: the HIS side from syncd's own record (the
settlement commands it answered DONE and the visit ledger) — a stay settled, cancelled and
settled again gives two settlements, the first cancelled, with the platform's figures.
SQLite, PostgreSQL and MariaDB; the simulator over HTTP."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from engine_support import Env, admit, any_env, discharge, fee

from syncd.db.recon_own import OwnSettlements
from syncd.platform.client import PlatformClient, SessionCache
from syncd.reconcile.run import reconcile_day

__all__ = ["any_env"]


def test_a_stay_settled_cancelled_and_settled_again_from_syncds_own_record(any_env: Env) -> None:
    env = any_env
    worker = env.worker()
    admit(env)
    fee(env, "F1", "25.00")
    fee(env, "F2", "18.00", illness="1")
    discharge(env)
    worker.once()
    env.clock.advance(60)
    worker.once()
    first = env.command("ip_settle", "ZY1", operator_no="0101", operator_name="李四")
    worker.once()
    env.command("ip_cancel_settlement", "ZY1")
    worker.once()
    again = env.command("ip_settle", "ZY1", operator_no="0101", operator_name="李四")
    worker.once()
    replies = [env.request_row(first), env.request_row(again)]
    assert [r["status"] for r in replies] == ["DONE", "DONE"]
    commands = {s.source.command: s.function for s in env.feeds.values() if s.source.command}
    own = OwnSettlements(env.db, env.tables, commands)
    day = env.clock().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = own.settlements(day, day + timedelta(days=1))
    aaz218 = env.visit("ZY1")["aaz218"]
    assert [(r.text("settle_id"), r.text("cancelled")) for r in rows] == [
        (str(first), "1"),
        (str(again), "0"),
    ]
    for row, reply in zip(rows, replies, strict=True):
        assert (row.text("visit_kind"), row.text("visit_no")) == ("INPATIENT", "ZY1")
        assert row.text("aaz218") == aaz218  # the person: from the admission view (gather)
        figures = row.figures(("akc264", "bka831", "bka832"))
        assert figures["akc264"] == Decimal("43.00") == reply["akc264"]
        assert figures["bka831"] + figures["bka832"] == figures["akc264"]
        assert row.values["settle_time"] == reply["answered_at"]
    assert own.settlements(day + timedelta(days=1), day + timedelta(days=2)) == []


def test_the_nightly_reconciliation_with_syncds_own_record_matches_the_platform(
    any_env: Env, tmp_path: Path
) -> None:
    env = any_env
    worker = env.worker()
    admit(env)
    fee(env, "F1", "25.00")
    discharge(env)
    worker.once()
    env.clock.advance(60)
    worker.once()
    env.command("ip_settle", "ZY1", operator_no="0101", operator_name="李四")
    worker.once()
    settings = env.settings.model_copy(
        update={
            "reconcile": env.settings.reconcile.model_copy(update={"his_source": "syncd"}),
            "folders": env.settings.folders.model_copy(update={"reports": tmp_path}),
        }
    )
    client = PlatformClient(settings.platform, sessions=SessionCache())
    env.clients.append(client)
    now = env.clock() + timedelta(hours=1)
    result = reconcile_day(
        settings, env.db, client, now.date(), feeds=env.feeds, now=now, mail=False
    )
    aaz218 = env.visit("ZY1")["aaz218"]
    found = [(i.item_class.value, i.aaz218) for i in result.items if i.aaz218 == aaz218]
    assert found == [("MATCHED", aaz218)], [(i.item_class, i.differences) for i in result.items]
