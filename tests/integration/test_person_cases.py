"""The UNKNOWN outcomes only a person can decide, read for their alert on each database:
counted over both tables, named oldest first; an UNKNOWN syncd goes on asking about is not
one of them."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from engine_support import Env, any_env

from syncd.db.person_cases import PersonCase, read_person_cases

__all__ = ["any_env"]

AT = datetime(2026, 11, 25, 9, 0, 0)
TOTALS = "结果未知：平台费用总额104.00与已知上传0.00及本批5.00不符，请人工核对"


def test_unknowns_for_a_person_are_counted_and_named(any_env: Env) -> None:
    env = any_env
    s, r = env.tables.sync_status, env.tables.request
    rows = [
        ("F1", "UNKNOWN", TOTALS, 2),
        ("F2", "UNKNOWN", "结果未知：查询确认未成功，稍后自动再查询确认，不会重发", 1),
        ("F3", "PENDING", TOTALS, 0),
    ]
    with env.db.begin() as conn:
        for key, status, reason, minutes in rows:
            conn.execute(
                sa.insert(s).values(
                    feed="ip_fee",
                    source_key=key,
                    version="1",
                    function_id="bizh120002",
                    visit_key="ZY1",
                    status=status,
                    attempts=1,
                    next_attempt_at=AT,
                    return_code_message=reason,
                    last_error=reason,
                    created_at=AT,
                    updated_at=AT - timedelta(minutes=minutes),
                )
            )
        command = conn.execute(
            sa.insert(r).values(
                command="ip_delete_fees",
                visit_key="ZY2",
                status="UNKNOWN",
                attempts=1,
                next_attempt_at=AT,
                created_at=AT,
                return_code_message="结果未知：平台费用总额9.00与已知上传9.00无法判断删除是否完成，请人工核对",
            )
        ).inserted_primary_key[0]
    count, cases = read_person_cases(env.db, env.tables)
    assert count == 2
    assert cases[0] == PersonCase("ip_fee", "F1", "ZY1", TOTALS)
    assert cases[1].feed == "(commands)" and cases[1].key == str(command)
    assert "9.00" in cases[1].line() and "就诊 ZY2" in cases[1].line()
