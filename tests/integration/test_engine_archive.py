"""Every exchange is archived (bytes as text, Chinese intact) and pruned after the retention
days; logs carry event names and ids only; a changed version supersedes the waiting one."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
from engine_support import NORMAL, Env, admit, discharge, env, fee

__all__ = ["env"]


def test_every_exchange_is_archived_and_pruned_after_the_retention(env: Env) -> None:
    worker = env.worker()
    admit(env)
    worker.once()
    message = env.tables.message
    with env.db.connect() as conn:
        rows = conn.execute(sa.select(message)).mappings().all()
    assert [r["function_id"] for r in rows] == ["bizh120103"]
    row = rows[0]
    assert row["feed"] == "ip_admission" and row["source_key"] == "1"
    assert "<aac001>" + NORMAL in row["request_xml"] and "李四" in row["request_xml"]
    assert "<aaz218>" in row["reply_xml"] and row["outcome"] == "SUCCEEDED"
    assert worker.prune_archive(env.clock.now + timedelta(days=179)) == 0
    assert worker.prune_archive(env.clock.now + timedelta(days=181)) == 1


def test_logs_name_events_and_ids_never_names_or_payloads(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    worker = env.worker()
    admit(env)
    fee(env, "F1", "3.00")
    worker.once()
    text = "\n".join(f"{r.getMessage()} {getattr(r, 'syncd_fields', '')}" for r in caplog.records)
    assert "delivery.called" in text and "feed.row" in text
    assert "李四" not in text and NORMAL not in text and "<program>" not in text


def test_a_new_version_supersedes_the_waiting_one(env: Env) -> None:
    """The discharge row changes (version 1 → 2) while it waits: version 1 is closed without
    being sent, version 2 is what the platform gets."""
    worker = env.worker()
    discharge(env, ver=1)
    worker.once()
    assert env.status("ip_discharge")["ZY1@1"]["status"] == "WAITING"
    env.update("t_discharge", {"visit_no": "ZY1"}, ver=2)
    admit(env)
    worker.once()
    env.clock.advance(60)
    worker.once()
    rows = env.status("ip_discharge")
    assert rows["ZY1@1"]["status"] == "REJECTED" and "新版本" in rows["ZY1@1"]["last_error"]
    assert rows["ZY1@2"]["status"] == "SUCCEEDED"
    assert len(env.calls("bizh120105")) == 1
