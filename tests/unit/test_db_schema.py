"""The staging-table metadata: names, types and limits every dialect needs."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from syncd.db.ddl import id_sequence_names, render_ddl
from syncd.db.schema import (
    DEFAULT_PREFIX,
    REQUEST_STATUSES,
    SYNC_STATUSES,
    VISIT_KINDS,
    VISIT_STATES,
    staging_tables,
    version_is,
)

LONGEST_PREFIX = "ABCDEFGHI_"  # 10 characters, the most DatabaseSettings allows

EXPECTED_TABLES = {
    "sync_status",
    "visit",
    "request",
    "request_row",
    "message",
    "person",
    "recon_run",
    "recon_item",
    "code",
    "alert",
    "user",
    "session",
    "audit",
}


def _identifiers(prefix: str) -> list[str]:
    tables = staging_tables(prefix)
    names: list[str] = []
    for table in tables.all():
        names.append(table.name)
        names += [column.name for column in table.columns]
        names += [str(index.name) for index in table.indexes]
        names += [str(constraint.name) for constraint in table.constraints]
        names += id_sequence_names(table)  # Oracle 11.2: the sequence and trigger of id
    return names


def test_every_identifier_fits_oracle_30_characters_with_the_longest_prefix() -> None:
    too_long = [name for name in _identifiers(LONGEST_PREFIX) if len(name) > 30]
    assert too_long == []
    assert max(len(name) for name in _identifiers(LONGEST_PREFIX)) == 30  # no room to spare


def test_oracle_11_2_ddl_with_the_longest_prefix_names_nothing_over_30_bytes() -> None:
    """Every name the 11.2 DDL writes (tables, columns, indexes, constraints, sequences,
    triggers), read back from the DDL itself."""
    ddl = render_ddl("oracle", LONGEST_PREFIX, "his", (11, 2))
    body = "\n".join(line for line in ddl.splitlines() if not line.startswith("--"))
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_$#]*", body))
    assert {"abcdefghi_request_row_seq", "abcdefghi_sync_status_bi"} <= names
    assert [name for name in names if len(name.encode()) > 30] == []


def test_every_identifier_is_lower_case_so_no_dialect_quotes_it() -> None:
    names = _identifiers(LONGEST_PREFIX)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in names), names


def test_constraints_and_indexes_are_named_so_ddl_is_reproducible() -> None:
    names = _identifiers(DEFAULT_PREFIX)
    assert "None" not in names


def test_tables_are_the_prefix_lower_cased_plus_the_table_name() -> None:
    tables = staging_tables("HIS_")
    assert {t.name for t in tables.all()} == {f"his_{name}" for name in EXPECTED_TABLES}
    assert tables.request.name == "his_request"


def test_schema_name_is_applied_to_every_table_and_foreign_key() -> None:
    tables = staging_tables(DEFAULT_PREFIX, "hisdb")
    assert {t.schema for t in tables.all()} == {"hisdb"}
    (fk,) = tables.request_row.foreign_keys
    assert fk.column.table is tables.request


def test_tables_are_built_once_per_prefix_and_schema() -> None:
    assert staging_tables("WI_") is staging_tables("WI_")
    assert staging_tables("WI_") is not staging_tables("XX_")


def test_money_columns_are_numeric_14_2_and_prices_14_4() -> None:
    tables = staging_tables()
    money = [
        tables.request.c.akc264,
        tables.request.c.bka831,
        tables.request.c.bka832,
        tables.visit.c.fee_amount,
        tables.request_row.c.bka058,
    ]
    for column in money:
        assert isinstance(column.type, sa.Numeric) and column.type.asdecimal
        assert (column.type.precision, column.type.scale) == (14, 2), column.name
    price = tables.request_row.c.bka056.type
    assert isinstance(price, sa.Numeric) and (price.precision, price.scale) == (14, 4)


def test_chinese_text_columns_are_unicode_and_messages_hold_1000_characters() -> None:
    tables = staging_tables()
    for table in (tables.sync_status, tables.request):
        message = table.c.return_code_message.type
        assert isinstance(message, sa.Unicode) and (message.length or 0) >= 1000
    assert isinstance(tables.request.c.aac003.type, sa.Unicode)
    assert isinstance(tables.message.c.reply_xml.type, sa.UnicodeText)


def test_every_table_has_an_identity_primary_key() -> None:
    for table in staging_tables().all():
        (pk,) = table.primary_key.columns
        assert pk.name == "id" and isinstance(pk.identity, sa.Identity), table.name


def test_request_defaults_let_the_his_insert_only_a_command() -> None:
    request = staging_tables().request
    required = [
        c.name
        for c in request.columns
        if not c.nullable and c.server_default is None and c.identity is None
    ]
    assert required == ["command"]
    assert "NEW" in str(request.c.status.server_default.arg)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("sync_status", ("feed", "source_key", "version")),
        ("visit", ("visit_key", "kind")),
        ("request_row", ("request_id", "dataset", "row_no")),
        ("code", ("aaa100", "aaa102", "aaa027")),
    ],
)
def test_natural_keys_are_unique(table: str, columns: tuple[str, ...]) -> None:
    target = getattr(staging_tables(), table)
    uniques = [
        tuple(c.name for c in constraint.columns)
        for constraint in target.constraints
        if isinstance(constraint, sa.UniqueConstraint)
    ]
    assert uniques == [columns]


def test_due_work_is_indexed_on_status_then_next_attempt() -> None:
    tables = staging_tables()
    for table in (tables.sync_status, tables.request):
        shapes = [tuple(c.name for c in ix.columns) for ix in table.indexes]
        assert ("status", "next_attempt_at") in shapes, table.name


def test_empty_version_also_matches_null_because_oracle_stores_empty_as_null() -> None:
    column = staging_tables().sync_status.c.version
    empty = str(version_is(column, "").compile(compile_kwargs={"literal_binds": True}))
    given = str(version_is(column, "v2").compile(compile_kwargs={"literal_binds": True}))
    assert "IS NULL" in empty and "''" in empty
    assert "IS NULL" not in given and "'v2'" in given


def test_status_and_state_defaults_belong_to_their_vocabularies() -> None:
    tables = staging_tables()
    defaults = {
        "PENDING": (tables.sync_status.c.status, SYNC_STATUSES),
        "NEW": (tables.request.c.status, REQUEST_STATUSES),
        "NONE": (tables.visit.c.state, VISIT_STATES),
    }
    for value, (column, vocabulary) in defaults.items():
        assert f"'{value}'" == str(column.server_default.arg)  # type: ignore[union-attr]
        assert value in vocabulary
    assert set(VISIT_KINDS) == {"OUTPATIENT", "INPATIENT"}
