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
    caplog.set_level(logging.DEBUG)  # the per-row lines are DEBUG
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


class SeesInFlight:
    """Reads the request ids committed with the intents while each call is on the wire."""

    def __init__(self, inner: object, env: Env) -> None:
        self.inner, self.env, self.seen = inner, env, list[tuple[str, str]]()

    def call(self, request: object, call_id: str | None = None) -> object:
        s, r = self.env.tables.sync_status, self.env.tables.request
        with self.env.db.connect() as conn:
            for table, column in ((s, s.c.request_id), (r, r.c.call_id)):
                stmt = sa.select(column).where(table.c.status == "IN_FLIGHT")
                self.seen += [(table.name, str(v)) for v in conn.execute(stmt).scalars()]
        return self.inner.call(request, call_id)  # type: ignore[attr-defined]


def test_a_call_in_flight_carries_the_id_it_is_archived_under(env: Env) -> None:
    """A feed row and a command in flight show the request id of their intent; the archived
    exchange has that id, so an operator can find the message of a call still in flight (or
    of an engine that died during it)."""
    worker = env.worker()
    spy = SeesInFlight(worker.calls.client, env)
    worker.calls.client = spy  # type: ignore[assignment]
    admit(env)
    worker.once()
    env.command("ip_presettle", "ZY1")
    worker.once()
    message = env.tables.message
    with env.db.connect() as conn:
        archived = dict(conn.execute(sa.select(message.c.call_id, message.c.function_id)).all())
    assert [t for t, _ in spy.seen] == ["wi_sync_status", "wi_request"], spy.seen
    assert [archived.get(call_id) for _, call_id in spy.seen] == ["bizh120103", "bizh120003"]
