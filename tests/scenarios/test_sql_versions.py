"""The version-aware SQL check: what syncd sends, and the SQL files it ships, are valid on every
supported database version.

Oracle, SQL Server and MySQL cannot run here: every statement syncd issued during the other
scenario tests (captured on SQLite and PostgreSQL, :mod:`sql_capture`) is compiled with
SQLAlchemy's dialect for each version of :data:`rejected_sql.TARGETS` and searched for the
constructs of :data:`rejected_sql.RULES` (each with the reason that version rejects it).
A statement issued as text cannot be compiled for another database, so the only text allowed
is the reference seeder's (one per dialect, checked as the files of ``sql/examples``).  A
statement marked :func:`syncd.db.engine.only_on` a database (PostgreSQL's one-statement claim
and ``ON CONFLICT`` insert; the other databases take another path, captured on SQLite) is
checked against that database's versions only.
The DDL, reference-view and grant files under ``sql/`` are read with the same rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rejected_sql import RULES, TARGETS, Rule, Target, violations
from sql_capture import CAPTURED, Captured
from sqlalchemy.sql.elements import TextClause

from syncd.db.engine import ONLY_ON
from syncd.db.schema import staging_tables
from syncd.reference.views import create_statements

SQL = Path(__file__).resolve().parents[2] / "sql"
FAMILY = {
    "oracle": ("oracle",),
    "mssql": ("mssql",),
    "mysql": ("mysql", "mariadb"),
    "postgresql": ("postgresql",),
}
# A file written for newer servers than the dialect's oldest: its first version.
FIRST_VERSION = {"oracle/schema.sql": (12, 1)}  # Oracle 11.2 has sql/oracle/schema-11.2.sql


def _dialect_of(path: Path) -> str:
    """sql/<d>/…, sql/examples/<d>/…, sql/grants/<d>.sql → d."""
    parts = path.relative_to(SQL).parts
    return path.stem if parts[0] == "grants" else parts[-2]


def _targets_of(path: Path) -> list[Target]:
    first = FIRST_VERSION.get(str(path.relative_to(SQL)), ())
    family = FAMILY[_dialect_of(path)]
    return [t for t in TARGETS if t.dialect in family and t.version >= first]


SQL_FILES = sorted(p for p in SQL.rglob("*.sql") if _dialect_of(p) != "sqlite")


def test_every_sql_file_has_targets() -> None:
    assert len(SQL_FILES) >= 15
    assert all(_targets_of(path) for path in SQL_FILES)


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(SQL)))
def test_each_sql_file_is_valid_on_every_version_it_is_for(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    problems = [
        f"{target}: {rule.construct} «{hit}» — {rule.reason}"
        for target in _targets_of(path)
        for rule, hit in violations(text, target)
    ]
    assert not problems, f"sql/{path.relative_to(SQL)}:\n" + "\n".join(problems)


def test_the_recent_oracle_ddl_is_rejected_on_11_2_hence_its_own_file() -> None:
    oldest = next(t for t in TARGETS if t.dialect == "oracle")
    found = violations((SQL / "oracle" / "schema.sql").read_text(encoding="utf-8"), oldest)
    assert {rule.construct for rule, _ in found} == {"identity column"}


def _rule_id(rule: Rule) -> str:
    return f"{'+'.join(sorted(rule.dialects))}:{rule.construct}"


@pytest.mark.parametrize("rule", RULES, ids=_rule_id)
def test_each_rule_catches_its_example_exactly_where_it_applies(rule: Rule) -> None:
    for target in TARGETS:
        caught = rule in [found for found, _ in violations(rule.example, target)]
        assert caught == rule.applies(target), f"{rule.construct} on {target}"
    assert any(rule.applies(t) for t in TARGETS), "a rule no target of the check has"


def _problems(statement: Captured, target: Target) -> list[str]:
    only = statement.statement.get_execution_options().get(ONLY_ON)  # type: ignore[attr-defined]
    if only is not None and target.dialect not in FAMILY[only]:
        return []  # built for that database alone, in a code path that runs there only
    if isinstance(statement.statement, TextClause):
        if statement.sql in create_statements(statement.ran_on):
            return []  # the reference seeder's views, one text per dialect: sql/examples
        return [
            f"{target}: a text statement is written for one database and cannot be "
            f"compiled for others: build it with SQLAlchemy constructs\n  {statement.sql}"
        ]
    try:
        sql = statement.compile(target.compiler)
    except Exception as exc:  # SQLAlchemy cannot write it for that version at all
        return [f"{target}: cannot be compiled ({type(exc).__name__}: {exc})\n  {statement.sql}"]
    return [
        f"{target}: {rule.construct} «{hit}» — {rule.reason}\n  {' '.join(sql.split())[:300]}"
        for rule, hit in violations(sql, target)
    ]


def test_every_statement_syncd_issued_is_valid_on_every_supported_version(
    every_scenario_ran: bool,
) -> None:
    """Runs after every other test (conftest); on its own it has nothing to compile."""
    statements = CAPTURED.statements()
    if not statements:
        pytest.skip("no scenario test ran before this one: run tests/scenarios as a whole")
    problems = [p for target in TARGETS for s in statements for p in _problems(s, target)]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:15])
    if every_scenario_ran:  # the capture saw what the engine does
        kinds = {s.kind for s in statements}
        assert {"INSERT", "UPDATE", "SELECT", "DELETE"} <= kinds, kinds
        touched = set().union(*(s.tables() for s in statements))
        staging = {t.name for t in staging_tables().all()} - {"wi_recon_run", "wi_recon_item"}
        assert staging <= touched, staging - touched
