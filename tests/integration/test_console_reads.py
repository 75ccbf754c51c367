"""What the console and ``syncd list`` read, on every backend: rows by status, feed, visit,
person, reason and time (page by page), the "needs attention" groups with the blocked rows,
the message search, and the users, sessions and audit log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from syncd.config.settings import DatabaseSettings
from syncd.core.errors import OperatorError
from syncd.db.audit import AuditEntry, AuditLog
from syncd.db.browse import BLOCKED, Browse, RowFilter
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.message_search import MessageQuery, search_messages
from syncd.db.schema import staging_tables
from syncd.db.users import Sessions, Users

TABLES = staging_tables()
T0 = datetime(2026, 11, 25, 9, 0)
REFUSED = "业务互斥：该参保人在其他医疗机构有未结束的住院业务，不能办理入院登记"
MISSING = "缺少必填项：电脑号(aac001)"
BLOCKED_ZH = "等待就诊状态为未登记变为在院"


def _row(
    feed: str,
    key: str,
    function_id: str,
    visit: str,
    status: str,
    minute: int,
    error: str | None = None,
    blocked_by: str | None = None,
) -> dict[str, Any]:
    at = T0 + timedelta(minutes=minute)
    return {
        "feed": feed,
        "source_key": key,
        "version": "",
        "function_id": function_id,
        "visit_key": visit,
        "status": status,
        "last_error": error,
        "created_at": T0,
        "updated_at": at,
        "next_attempt_at": at,
        "blocked_by": blocked_by,
    }


ROWS = [
    _row("ip_admission", "ZY9", "bizh120103", "ZY9", "REJECTED", 1, REFUSED),
    _row("ip_fee", "F1", "bizh120002", "ZY9", "WAITING", 2, BLOCKED_ZH, "ip_admission:ZY9"),
    _row("ip_fee", "F2", "bizh120002", "ZY9", "WAITING", 3, BLOCKED_ZH, "ip_admission:ZY9"),
    _row("ip_admission", "ZY8", "bizh120103", "ZY8", "SUCCEEDED", 4),
    _row("ip_fee", "F3", "bizh120002", "ZY8", "WAITING", 5, "等待前序"),
    _row("ip_discharge", "ZY8", "bizh120105", "ZY8", "UNKNOWN", 6, "请人工核对"),
    _row("ip_fee", "F4", "bizh120002", "ZY8", "FAILED", 7, "连接超时"),
    _row("op_registration", "MZ1", "bizh110104", "MZ1", "REJECTED", 8, MISSING),
]


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(DatabaseSettings(url=db_url, connect_timeout_s=5))
    init_db(engine, TABLES)
    with engine.begin() as conn:
        conn.execute(sa.insert(TABLES.sync_status), ROWS)
        for status, command, minute in (("FAILED", "op_charge", 9), ("REJECTED", "ip_person", 10)):
            conn.execute(
                sa.insert(TABLES.request).values(
                    command=command,
                    visit_key="MZ1" if command == "op_charge" else None,
                    status=status,
                    created_at=T0,
                    answered_at=T0 + timedelta(minutes=minute),
                    return_code_message="未参保" if status == "REJECTED" else None,
                    last_error="连接被拒绝" if status == "FAILED" else None,
                )
            )
        conn.execute(
            sa.insert(TABLES.message),
            [
                {
                    "created_at": T0 + timedelta(minutes=i),
                    "function_id": fid,
                    "feed": feed,
                    "source_key": key,
                    "visit_key": visit,
                    "aac001": person,
                    "call_id": f"c{i}",
                    "outcome": outcome,
                    "return_code": code,
                    "fields_v": 1,
                }
                for i, (fid, feed, key, visit, person, outcome, code) in enumerate(
                    [
                        (
                            "bizh120103",
                            "ip_admission",
                            "ZY9",
                            "ZY9",
                            "1000010009",
                            "REJECTED",
                            "-1",
                        ),
                        (
                            "bizh120103",
                            "ip_admission",
                            "ZY8",
                            "ZY8",
                            "1000010008",
                            "SUCCEEDED",
                            "1",
                        ),
                        ("bizh120002", "ip_fee", "F4", "ZY8", None, "RETRY", None),
                        ("bizh110104", "op_registration", "MZ1", "MZ1", None, "REJECTED", "-1"),
                        ("bizh120001", "ip_person", "2", None, "1000010009", "REJECTED", "-1"),
                    ]
                )
            ],
        )
    yield engine
    engine.dispose()


def _keys(lines: list[Any]) -> list[str]:
    return [("#" if line.command else "") + line.key for line in lines]


def test_rows_by_status_feed_visit_person_reason_and_time(engine: sa.Engine) -> None:
    browse = Browse(engine, TABLES)
    commands = ["op_charge", "ip_person"]
    assert _keys(browse.list_rows(RowFilter(status="REJECTED"), commands)) == ["#2", "MZ1", "ZY9"]
    blocked = browse.list_rows(RowFilter(status=BLOCKED), commands)
    assert _keys(blocked) == ["F2", "F1"] and all(line.blocked for line in blocked)
    assert _keys(browse.list_rows(RowFilter(feed="op_charge"), commands)) == ["#1"]
    assert _keys(browse.list_rows(RowFilter(visit="ZY8", status="WAITING"), commands)) == ["F3"]
    person = browse.list_rows(RowFilter(person="1000010009"), commands)
    assert _keys(person) == ["F2", "F1", "ZY9"]
    assert _keys(browse.list_rows(RowFilter(reason=MISSING), commands)) == ["MZ1"]
    since = browse.list_rows(RowFilter(since=T0 + timedelta(minutes=7), rows=True), commands)
    assert _keys(since) == ["#2", "#1", "MZ1", "F4"]
    first = browse.list_rows(RowFilter(feed="ip_fee", limit=2), commands)
    last = first[-1]
    after = browse.list_rows(
        RowFilter(feed="ip_fee", limit=2, before=(last.changed_at, last.id)), commands
    )
    assert _keys(first) == ["F4", "F3"] and _keys(after) == ["F2", "F1"]


def test_what_needs_attention_is_grouped_with_unknown_first(engine: sa.Engine) -> None:
    groups = Browse(engine, TABLES).attention()
    seen = [(g.command, g.feed, g.status, g.reason, g.count) for g in groups]
    assert seen[0] == (False, "ip_discharge", "UNKNOWN", "请人工核对", 1)
    assert (False, "ip_fee", BLOCKED, "等待就诊状态为未登记变为在院", 2) in seen
    assert (False, "ip_admission", "REJECTED", REFUSED, 1) in seen
    assert (True, "op_charge", "FAILED", "连接被拒绝", 1) in seen
    assert (True, "ip_person", "REJECTED", "未参保", 1) in seen
    assert not any(g.feed == "ip_fee" and g.reason == "等待前序" for g in groups)


def test_the_message_search_by_person_function_code_and_time(engine: sa.Engine) -> None:
    def ids(**asked: Any) -> list[str]:
        return [m.call_id for m in search_messages(engine, TABLES, MessageQuery(**asked))]

    assert ids(aac001="1000010009") == ["c4", "c0"]
    assert ids(visit_key="ZY8") == ["c2", "c1"]
    assert ids(function_id="bizh120103", return_code="-1") == ["c0"]
    assert ids(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3)) == ["c2", "c1"]
    first = search_messages(engine, TABLES, MessageQuery(limit=2))
    assert [m.call_id for m in first] == ["c4", "c3"]
    assert ids(limit=2, before=(first[-1].created_at, first[-1].id)) == ["c2", "c1"]


def test_users_sessions_and_the_audit_log(engine: sa.Engine) -> None:
    users, sessions = Users(engine, TABLES), Sessions(engine, TABLES)
    users.add("王工", "operator", "$argon2id$hash", T0)
    with pytest.raises(OperatorError):
        users.add("王工", "viewer", "$argon2id$other", T0)
    found = users.find("王工")
    assert found is not None and (found.role, found.password_hash) == ("operator", "$argon2id$hash")
    sessions.start("h" * 64, "王工", "csrf-1", "127.0.0.1", T0, T0 + timedelta(hours=1))
    live = sessions.get("h" * 64, T0 + timedelta(minutes=5))
    assert live is not None and (live.username, live.role, live.csrf_token) == (
        "王工",
        "operator",
        "csrf-1",
    )
    assert sessions.get("h" * 64, T0 + timedelta(hours=2)) is None  # expired
    sessions.touch("h" * 64, T0, T0 + timedelta(hours=3))
    assert sessions.get("h" * 64, T0 + timedelta(hours=2)) is not None
    users.remove("王工")  # the user's sessions end with them
    assert sessions.get("h" * 64, T0) is None and users.find("王工") is None
    with pytest.raises(OperatorError):
        users.remove("王工")
    log = AuditLog(engine, TABLES)
    log.write(
        AuditEntry(
            "王工", "requeue", "ip_admission", "ZY9", 1, "REJECTED", "PENDING", client="10.0.0.5"
        ),
        T0,
    )
    (entry,) = log.recent()
    assert (
        entry.username,
        entry.action,
        entry.status_before,
        entry.status_after,
        entry.created_at,
    ) == ("王工", "requeue", "REJECTED", "PENDING", T0)


def test_the_login_rate_limit_holds_across_a_restart_and_a_second_console(
    engine: sa.Engine,
) -> None:
    """Failed logins are counted from the audit log: a console started afresh (a restart, or
    ``syncd console`` beside ``syncd run``'s) refuses the name and the address at once."""
    from syncd.config.operations_settings import ConsoleSettings
    from syncd.console import passwords
    from syncd.console.auth import Auth

    Users(engine, TABLES).add("王工", "operator", passwords.hash_password("correct horse"), T0)
    now = [T0]
    limits = ConsoleSettings(login_attempts=3, login_window_s=300)

    def console() -> Auth:
        return Auth(engine, TABLES, limits, lambda: now[0])

    first = console()
    for _ in range(3):
        assert first.login("王工", "wrong", "10.0.0.5").refused_zh.startswith("用户名或密码错误")
        now[0] += timedelta(seconds=10)
    restarted = console()
    limited = restarted.login("王工", "correct horse", "10.0.0.5")
    assert limited.token == "" and "登录失败次数过多" in limited.refused_zh
    assert limited.retry_after_s == 300 - 30 + 1  # until the first failure leaves the window
    elsewhere = restarted.login("王工", "correct horse", "10.0.0.6")  # the name is held too
    assert elsewhere.token == "" and elsewhere.retry_after_s > 0
    now[0] += timedelta(seconds=271)
    assert console().login("王工", "correct horse", "10.0.0.6").token  # the window passed
    actions = [e.action for e in AuditLog(engine, TABLES).recent()][::-1]
    assert actions == ["login_refused"] * 3 + ["login_limited"] * 2 + ["login"]
