"""Code tables: `codes sync` downloads the mappings' categories from the simulator over HTTP
(upsert), `codes check` lists the HIS values no translation covers, and the engine refuses a
row carrying such a value at run time with a Chinese reason instead of sending it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from engine_support import MAPPINGS, NORMAL, SECOND, Env, build_env

from syncd.config.mappings import load_mappings
from syncd.db.code_store import CodeStore, ValueReader
from syncd.engine.codes import categories_of, check_codes, sync_codes
from syncd.platform.client import PlatformClient, SessionCache
from syncd.protocol import catalogue

NOW = datetime(2026, 11, 25, 8, 0)
WARD_TABLE = "  bka021: {column: WARD_CODE, codes_table: {category: bka021}}\n"
CLERK_DICT = '  bka014: {column: CLERK_NO, codes: {"0101": "0101"}}\n'


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> Iterator[Env]:
    """The engine environment with an admission mapping translating ward and clerk codes."""
    folder = tmp_path / "mappings" / "inpatient"
    folder.mkdir(parents=True)
    text = (MAPPINGS / "inpatient" / "ip_admission.yaml").read_text(encoding="utf-8")
    text = text.replace("  bka021: {column: WARD_CODE}\n", WARD_TABLE)
    text = text.replace("  bka014: {column: CLERK_NO}\n", CLERK_DICT)
    assert WARD_TABLE in text and CLERK_DICT in text
    (folder / "ip_admission.yaml").write_text(text, encoding="utf-8")
    for built in build_env(sqlite_url):
        built.feeds = load_mappings(tmp_path / "mappings", catalogue.load())
        yield built


def _admit(env: Env, adm_id: int, visit: str, person: str, ward: str, clerk: str) -> None:
    env.insert(
        "t_admission",
        adm_id=adm_id,
        visit_no=visit,
        person_no=person,
        admit_date="20261120",
        clerk_no=clerk,
        clerk_name="李四",
        ward_code=ward,
        inpatient_no=f"NO-{visit}",
    )


def _sync(env: Env) -> dict[str, tuple[int, int, int]]:
    with PlatformClient(env.settings.platform, sessions=SessionCache()) as client:
        result = sync_codes(
            client,
            catalogue.load(),
            "SS0001",
            CodeStore(env.db, env.tables),
            categories_of(env.feeds),
            NOW,
        )
    assert not result.failures
    return {k: (v.inserted, v.updated, v.unchanged) for k, v in result.counts.items()}


def test_sync_fetches_the_categories_the_mappings_use_and_upserts(env: Env) -> None:
    assert categories_of(env.feeds) == ["bka021"]
    assert _sync(env) == {"bka021": (4, 0, 0)}
    assert _sync(env) == {"bka021": (0, 0, 4)}
    tables = CodeStore(env.db, env.tables).tables_by_category()
    assert tables == {"bka021": {"W03": "W03", "W05": "W05", "W07": "W07", "W09": "W09"}}


def test_sync_reports_a_category_the_platform_refuses(env: Env) -> None:
    with PlatformClient(env.settings.platform, sessions=SessionCache()) as client:
        result = sync_codes(
            client,
            catalogue.load(),
            "SS0001",
            CodeStore(env.db, env.tables),
            ["no_such_category"],
            NOW,
        )
    assert result.counts == {} and "不存在" in result.failures["no_such_category"]


def test_check_lists_values_no_table_or_dictionary_covers(env: Env) -> None:
    _sync(env)
    _admit(env, 1, "ZY1", NORMAL, "W05", "0101")
    _admit(env, 2, "ZY2", SECOND, "W99", "0101")
    _admit(env, 3, "ZY3", SECOND, "W99", "0101")
    _admit(env, 4, "ZY4", SECOND, "W05", "0199")
    found = check_codes(
        env.feeds, ValueReader(env.db), CodeStore(env.db, env.tables).tables_by_category()
    )
    got = sorted((u.field, u.value, u.count, u.examples, u.translation) for u in found)
    assert got == [
        ("bka014", "0199", 1, ("4",), "codes"),
        ("bka021", "W99", 2, ("2", "3"), "codes_table:bka021"),
    ]


def test_a_value_not_in_the_code_table_is_rejected_at_run_time_not_sent(env: Env) -> None:
    _sync(env)
    _admit(env, 1, "ZY1", NORMAL, "W05", "0101")
    _admit(env, 2, "ZY2", SECOND, "W99", "0101")
    worker = env.worker()
    try:
        worker.once()
    finally:
        worker.close()
    status = env.status("ip_admission")
    assert status["1"]["status"] == "SUCCEEDED"
    assert status["2"]["status"] == "REJECTED"
    assert "代码无对照" in (status["2"]["last_error"] or "")
    assert len(env.calls("bizh120103")) == 1  # only the covered row reached the platform


def test_without_the_code_table_every_translated_row_is_refused(env: Env) -> None:
    """Proves the engine reads the code table: before `codes sync` even W05 is refused."""
    _admit(env, 1, "ZY1", NORMAL, "W05", "0101")
    worker = env.worker()
    try:
        worker.once()
    finally:
        worker.close()
    assert env.status("ip_admission")["1"]["status"] == "REJECTED"
    assert env.calls("bizh120103") == []
