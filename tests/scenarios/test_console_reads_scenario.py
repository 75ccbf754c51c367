"""The IT operator's morning after the seeded day, through what the console and ``syncd list``
read: what needs attention (the refused admission and the fees it blocks), a person's rows, a
row's and a visit's story, the message search, the users, sessions and the audit log — on
SQLite and PostgreSQL, every statement also compiled for each supported database version by
``test_sql_versions.py``."""

from __future__ import annotations

from datetime import timedelta

from scenario_support import CHEN, HUANG_OP, Hospital

from syncd.db.archive_backfill import backfill
from syncd.db.audit import AuditEntry, AuditLog
from syncd.db.browse import BLOCKED, Browse, RowFilter
from syncd.db.code_store import CodeStore
from syncd.db.message_search import MessageQuery, search_messages
from syncd.db.recon_store import ReconStore
from syncd.db.schema import staging_tables
from syncd.db.story import Story
from syncd.db.users import Sessions, Users

TABLES = staging_tables()
CHEN_AAC001 = "1000010004"  # admitted elsewhere already: 业务互斥


def test_the_operator_finds_the_refused_admission_what_it_blocks_and_its_story(
    hospital: Hospital,
) -> None:
    hospital.run()
    browse, story = Browse(hospital.db, TABLES), Story(hospital.db, TABLES)
    groups = {(g.feed, g.status): g for g in browse.attention()}
    refused, blocked = groups[("ip_admission", "REJECTED")], groups[("ip_fee", BLOCKED)]
    assert "业务互斥" in refused.reason and refused.count == 1 and blocked.count >= 1
    assert "缺少必填项" in groups[("op_registration", "REJECTED")].reason
    rows = browse.list_rows(RowFilter(person=CHEN_AAC001))
    assert {(r.feed, r.status) for r in rows} >= {
        ("ip_admission", "REJECTED"),
        ("ip_fee", "WAITING"),
    }
    assert all(r.blocked for r in browse.list_rows(RowFilter(status=BLOCKED, visit=CHEN)))
    assert browse.list_rows(RowFilter(reason=refused.reason, feed="ip_admission", limit=5))
    since = hospital.clock() - timedelta(hours=1)
    page = browse.list_rows(RowFilter(since=since, limit=3))
    assert len(page) == 3
    last = page[-1]
    assert browse.list_rows(RowFilter(before=(last.changed_at, last.id), limit=3)) != page

    (record,) = story.rows("ip_admission", CHEN)
    exchanges = story.messages(
        call_ids=[record["request_id"]], feed="ip_admission", source_key=CHEN
    )
    sent = story.message(exchanges[-1].id)
    assert sent is not None and CHEN_AAC001 in str(sent.request_xml)
    assert exchanges[-1].aac001 == CHEN_AAC001
    assert story.visit_rows(CHEN) and story.messages(visit_key=CHEN)
    assert story.ledger(CHEN) == [] and story.findings(CHEN, ["ZY1"]) == []
    assert story.visit_commands(HUANG_OP) == [] and story.command(10**9) == (None, [])

    found = search_messages(hospital.db, TABLES, MessageQuery(aac001=CHEN_AAC001))
    assert found and all(m.aac001 == CHEN_AAC001 for m in found)
    assert search_messages(
        hospital.db,
        TABLES,
        MessageQuery(
            function_id="bizh120103",
            return_code="-1",
            since=since,
            until=hospital.clock(),
            visit_key=CHEN,
            aaz218=None,
            limit=5,
            before=(hospital.clock(), 10**9),
        ),
    )
    assert search_messages(hospital.db, TABLES, MessageQuery(aaz218="NO-SUCH")) == []
    assert backfill(hospital.db, TABLES) == 0  # archived with their search fields
    assert CodeStore(hospital.db, TABLES).ages() is not None
    assert (
        ReconStore(hospital.db, TABLES).recent() == []
        and ReconStore(hospital.db, TABLES).find(1) is None
    )


def test_users_sessions_and_the_audit_log_on_the_hospitals_database(hospital: Hospital) -> None:
    now = hospital.clock()
    users, sessions, log = (
        Users(hospital.db, TABLES),
        Sessions(hospital.db, TABLES),
        AuditLog(hospital.db, TABLES),
    )
    users.add("wang", "operator", "$argon2id$x", now)
    users.logged_in("wang", now, "$argon2id$y")
    assert [u.username for u in users.all()] == ["wang"] and users.find("wang") is not None
    sessions.start("t" * 64, "wang", "c" * 32, "127.0.0.1", now, now + timedelta(hours=1))
    sessions.touch("t" * 64, now, now + timedelta(hours=2))
    assert sessions.get("t" * 64, now) is not None
    sessions.end("t" * 64)
    assert sessions.get("t" * 64, now) is None
    log.write(AuditEntry("wang", "reveal", "ip_admission", CHEN, detail="row"), now)
    assert log.recent(5)[0].source_key == CHEN
    users.remove("wang")
