"""What the joint test reads back from syncd's staging tables: where a case's rows and
commands stand (``WI_SYNC_STATUS``, ``WI_REQUEST``), the visit ledger (``WI_VISIT``) and the
calls the message archive (``WI_MESSAGE``) holds since a case began."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from syncd.core.records import FINAL_SYNC_STATUSES
from syncd.db.schema import StagingTables
from syncd.jointtest.evidence import EvidenceCall, masked_request, reply_message
from syncd.rules.replies import flag_zh

FINAL = frozenset({*FINAL_SYNC_STATUSES, "DONE"})
STATUS_ZH = {
    "SUCCEEDED": "成功",
    "DONE": "成功",
    "REJECTED": "被拒绝",
    "FAILED": "失败",
    "UNKNOWN": "结果未知",
    "WAITING": "等待",
    "PENDING": "待发送",
    "NEW": "待处理",
    "IN_FLIGHT": "发送中",
}
UNSEEN = "尚未被同步引擎发现"


@dataclass(frozen=True)
class CaseStanding:
    """Where one of a case's rows or commands stands."""

    status: str
    message: str = ""
    bka001: str = ""
    flag: str = ""  # why the reply was flagged (rules.replies.reply_flag), in Chinese

    @property
    def final(self) -> bool:
        return self.status in FINAL

    @property
    def outcome(self) -> str:
        """``done``, ``rejected`` or ``""`` (anything else), as a case's ``expect`` says."""
        return {"SUCCEEDED": "done", "DONE": "done", "REJECTED": "rejected"}.get(self.status, "")

    def describe(self) -> str:
        text = STATUS_ZH.get(self.status, self.status)
        return f"{text}（{self.message}）" if self.message else text


@dataclass(frozen=True)
class LedgerVisit:
    state: str
    aaz218: str
    last_batch: int


class Staging:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.tables = engine, tables

    def last_message_id(self) -> int:
        m = self.tables.message
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(m.c.id))).scalar() or 0)

    def calls_after(self, message_id: int) -> list[EvidenceCall]:
        m = self.tables.message
        stmt = (
            sa.select(
                m.c.created_at,
                m.c.function_id,
                m.c.outcome,
                m.c.return_code,
                m.c.request_xml,
                m.c.reply_xml,
                m.c.duration_ms,
            )
            .where(m.c.id > message_id)
            .order_by(m.c.id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        calls = []
        for at, function_id, outcome, code, request, reply, duration in rows:
            reply_code, message = reply_message(reply)
            calls.append(
                EvidenceCall(
                    at,
                    str(function_id),
                    str(outcome or ""),
                    str(code or reply_code),
                    message,
                    masked_request(request or ""),
                    duration,
                )
            )
        return calls

    def feed_rows(self, feed: str, keys: Sequence[str]) -> list[CaseStanding]:
        """Each key's newest row of ``feed`` (not found yet: PENDING, unseen)."""
        s = self.tables.sync_status
        reason = sa.func.coalesce(s.c.return_code_message, s.c.last_error, "")
        stmt = (
            sa.select(s.c.source_key, s.c.status, reason, s.c.result_json)
            .where(s.c.feed == feed, s.c.source_key.in_(list(keys)))
            .order_by(s.c.id)
        )
        with self.engine.connect() as conn:
            newest = {
                str(k): CaseStanding(str(st), str(r), flag=flag_zh(doc))
                for k, st, r, doc in conn.execute(stmt)
            }
        return [newest.get(key, CaseStanding("PENDING", UNSEEN)) for key in keys]

    def command(self, command_id: int) -> CaseStanding:
        r = self.tables.request
        reason = sa.func.coalesce(r.c.return_code_message, r.c.last_error, "")
        stmt = sa.select(r.c.status, reason, r.c.bka001, r.c.result_json).where(
            r.c.id == command_id
        )
        with self.engine.connect() as conn:
            status, message, bka001, doc = conn.execute(stmt).one()
        batch = "" if bka001 is None else str(bka001)
        return CaseStanding(str(status), str(message), batch, flag_zh(doc))

    def visit(self, visit_key: str) -> LedgerVisit | None:
        v = self.tables.visit
        stmt = sa.select(v.c.state, v.c.aaz218, v.c.last_batch).where(v.c.visit_key == visit_key)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            return None
        return LedgerVisit(str(row.state), row.aaz218 or "", int(row.last_batch or 0))

    def unrefunded_batches(self, visit_key: str) -> list[str]:
        """The visit's settled outpatient batches no refund command has refunded."""
        r = self.tables.request
        stmt = (
            sa.select(r.c.command, r.c.bka001, r.c.params_json)
            .where(
                r.c.visit_key == visit_key,
                r.c.status == "DONE",
                r.c.command.in_(["op_charge", "op_refund"]),
                r.c.bka001.is_not(None),
            )
            .order_by(r.c.id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        settled = [str(b) for c, b, p in rows if c == "op_charge" and _settles(p)]
        refunded = {str(b) for c, b, _ in rows if c == "op_refund"}
        return [batch for batch in settled if batch not in refunded]


def _settles(params_json: str | None) -> bool:
    """An op_charge that settled (bka893 1), not a trial."""
    try:
        params = json.loads(params_json or "{}")
    except ValueError:
        return False
    return str(params.get("bka893", "")) in ("1", "结算")
