"""The syncd-owned staging tables, declared once for every dialect.

:func:`staging_tables` builds the tables for a prefix (``database.table_prefix``, default
``WI_``) and an optional schema.  Names are lower-case in the metadata, so no dialect quotes
them: on Oracle they become ``WI_REQUEST`` and a HIS query ``SELECT * FROM WI_REQUEST`` works
on every database (on MySQL/MariaDB under Linux table names are case-sensitive: write them in
lower case there, or run with ``lower_case_table_names=1``).  Every identifier is at most 30
characters even with the longest prefix (10), for Oracle 11/12.1.

Column types and the "naive local time" rule are in :mod:`syncd.db.types`, the shared column
builders in :mod:`syncd.db.schema_columns`; the tables around the delivery (reconciliation,
code tables, alerts, the console's users, sessions and audit) in
:mod:`syncd.db.schema_operations`.  A ``version`` of ``''`` means "no version"; Oracle stores
``''`` as NULL, which its unique constraint still compares as equal, so the column is nullable
and lookups go through :func:`version_is`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields

import sqlalchemy as sa

from syncd.core.records import (
    REQUEST_REPLY_COLUMNS,
    REQUEST_STATUSES,
    SYNC_STATUSES,
    VISIT_KINDS,
    VISIT_STATES,
)
from syncd.db.schema_columns import (
    MYSQL_OPTIONS,
    Col,
    added,
    due_index,
    id_column,
    int_column,
    lease_columns,
    money_column,
    reply_columns,
    text_column,
    ts_column,
)
from syncd.db.schema_operations import (
    alert_table,
    audit_table,
    code_table,
    recon_item_table,
    recon_run_table,
    session_table,
    user_table,
)
from syncd.db.schema_person import person_table
from syncd.db.types import ID, LONG_TEXT, PRICE

DEFAULT_PREFIX = "WI_"
_NAMING = {
    "pk": "%(table_name)s_pk",
    "uq": "%(table_name)s_uq",
    "fk": "%(table_name)s_fk",
}
__all__ = [
    "REQUEST_STATUSES",
    "SYNC_STATUSES",
    "VISIT_KINDS",
    "VISIT_STATES",
    "StagingTables",
    "staging_tables",
    "version_is",
]


@dataclass(frozen=True)
class StagingTables:
    """Every syncd-owned table, for one prefix and schema."""

    metadata: sa.MetaData
    sync_status: sa.Table
    visit: sa.Table
    request: sa.Table
    request_row: sa.Table
    message: sa.Table
    recon_run: sa.Table
    recon_item: sa.Table
    code: sa.Table
    alert: sa.Table
    user: sa.Table
    session: sa.Table
    audit: sa.Table
    person: sa.Table  # the person look-up's answers (syncd.db.schema_person)

    def all(self) -> tuple[sa.Table, ...]:
        """The tables in creation order (parents before children)."""
        return tuple(getattr(self, f.name) for f in fields(self) if f.name != "metadata")


@functools.cache
def staging_tables(prefix: str = DEFAULT_PREFIX, schema: str | None = None) -> StagingTables:
    """The staging tables named ``<prefix>…`` (lower-cased) in ``schema``; built once each."""
    metadata = sa.MetaData(schema=schema, naming_convention=_NAMING)
    p = prefix.lower()
    request = _request(metadata, p)
    recon_run = recon_run_table(metadata, p)
    return StagingTables(
        metadata=metadata,
        sync_status=_sync_status(metadata, p),
        visit=_visit(metadata, p),
        request=request,
        request_row=_request_row(metadata, p, request),
        message=_message(metadata, p),
        recon_run=recon_run,
        recon_item=recon_item_table(metadata, p, recon_run),
        code=code_table(metadata, p),
        alert=alert_table(metadata, p),
        user=user_table(metadata, p),
        session=session_table(metadata, p),
        audit=audit_table(metadata, p),
        person=person_table(metadata, p, MYSQL_OPTIONS),
    )


def version_is(column: sa.ColumnElement[str], version: str) -> sa.ColumnElement[bool]:
    """``column = version``, where ``''`` also matches NULL (Oracle stores '' as NULL)."""
    if version == "":
        return sa.or_(column == "", column.is_(None))
    return column == version


# -- tables -----------------------------------------------------------------------------------


def _sync_status(metadata: sa.MetaData, p: str) -> sa.Table:
    """One row per (feed, source key, version) of a fact view: where its delivery stands."""
    name = f"{p}sync_status"
    return sa.Table(
        name,
        metadata,
        id_column(),
        text_column("feed", 64, nullable=False),
        text_column("source_key", 200, nullable=False),
        text_column("version", 64, default=""),
        text_column("function_id", 32, nullable=False),
        text_column("visit_key", 64),
        text_column("status", 16, nullable=False, default="PENDING"),
        *lease_columns(),
        text_column("request_id", 64),
        *reply_columns(),
        text_column("aaz218", 32),
        ts_column("created_at", now_default=True),
        ts_column("updated_at"),
        ts_column("finished_at"),
        # what a REJECTED row mapped to when rejected: sent again once that changes
        added(text_column("fingerprint", 64)),
        # a WAITING row held up by a refused, failed or rejected row: which one (feed:key)
        added(text_column("blocked_by", 300)),
        sa.UniqueConstraint("feed", "source_key", "version"),
        due_index(name),
        sa.Index(f"{name}_ix_visit", "visit_key"),
        sa.Index(f"{name}_ix_done", "feed", "status", "finished_at"),  # the dashboard's counts
        **MYSQL_OPTIONS,
    )


def _visit(metadata: sa.MetaData, p: str) -> sa.Table:
    """The visit ledger: one row per HIS visit and kind, with its state on the platform."""
    name = f"{p}visit"
    return sa.Table(
        name,
        metadata,
        id_column(),
        text_column("visit_key", 64, nullable=False),
        text_column("kind", 16, nullable=False),
        text_column("aaz218", 32),
        text_column("aac001", 32),
        text_column("bka025", 32),
        text_column("state", 16, nullable=False, default="NONE"),
        int_column("last_batch"),
        int_column("fee_count"),
        money_column("fee_amount", nullable=False),
        int_column("version"),
        ts_column("created_at", now_default=True),
        ts_column("updated_at"),
        ts_column("state_changed_at"),
        added(sa.Column("fee_rows", sa.Integer())),  # fee rows uploaded (fee_count: calls)
        sa.UniqueConstraint("visit_key", "kind"),
        sa.Index(f"{name}_ix_z218", "aaz218"),
        **MYSQL_OPTIONS,
    )


def _request(metadata: sa.MetaData, p: str) -> sa.Table:
    """``WI_REQUEST``: the HIS inserts a command, syncd answers in the same row."""
    name = f"{p}request"
    return sa.Table(
        name,
        metadata,
        id_column(),
        text_column("command", 32, nullable=False),
        text_column("visit_key", 64),
        text_column("bka895", 16),
        text_column("bka896", 64),
        text_column("aaz218", 32),
        sa.Column("params_json", LONG_TEXT),
        text_column("requested_by", 64),
        ts_column("created_at", now_default=True),
        text_column("status", 16, nullable=False, default="NEW"),
        *lease_columns(),
        text_column("call_id", 64),
        *reply_columns(),
        ts_column("answered_at"),
        *_flattened_reply(),
        due_index(name),
        sa.Index(f"{name}_ix_visit", "visit_key"),
        sa.Index(f"{name}_ix_done", "status", "answered_at"),  # the dashboard's counts
        **MYSQL_OPTIONS,
    )


# Lengths of the text reply columns; bka001 is an integer, the rest are money.
_REPLY_TEXT = {
    "aac001": 32,
    "aac003": 64,
    "aac004": 4,
    "bka888": 4,
    "bka042": 64,
    "aae030": 8,
    "aae031": 8,
    "bka025": 32,
}


def _flattened_reply() -> list[Col]:
    """Reply fields a HIS reads most, as columns (the rest is in result_json/request_row);
    the names are :data:`~syncd.core.records.REQUEST_REPLY_COLUMNS`, what ``writeback:`` may
    name."""
    return [_reply_column(name) for name in REQUEST_REPLY_COLUMNS]


def _reply_column(name: str) -> Col:
    if name in _REPLY_TEXT:
        return text_column(name, _REPLY_TEXT[name])
    return sa.Column(name, sa.Integer()) if name == "bka001" else money_column(name)


def _request_row(metadata: sa.MetaData, p: str, request: sa.Table) -> sa.Table:
    """Rows of the reply's datasets (personinfo, payinfo, feeinfo …), one per row."""
    return sa.Table(
        f"{p}request_row",
        metadata,
        id_column(),
        sa.Column(
            "request_id", ID, sa.ForeignKey(request.c.id, ondelete="CASCADE"), nullable=False
        ),
        text_column("dataset", 32, nullable=False),
        int_column("row_no", default=None),
        text_column("aac001", 32),
        text_column("aaz218", 32),
        text_column("bka017", 8),
        text_column("aaa100", 32),
        text_column("aaa102", 64),
        text_column("aaa103", 200),
        text_column("ake005", 64),
        text_column("ake006", 200),
        sa.Column("bka056", PRICE),
        sa.Column("bka057", PRICE),
        money_column("bka058"),
        sa.Column("row_json", LONG_TEXT),
        sa.UniqueConstraint("request_id", "dataset", "row_no"),
        **MYSQL_OPTIONS,
    )


def _message(metadata: sa.MetaData, p: str) -> sa.Table:
    """Archive of every exchange with the platform (kept ``archive.retention_days``).

    ``aac001`` (the person) and ``fields_v`` were added for the console's message search:
    both are taken from the XML when the exchange is archived; ``fields_v`` says which version
    of that extraction filled them (NULL: an older row, filled in by ``init-db``'s backfill)."""
    name = f"{p}message"
    return sa.Table(
        name,
        metadata,
        id_column(),
        ts_column("created_at", now_default=True),
        text_column("function_id", 32, nullable=False),
        text_column("feed", 64),
        text_column("source_key", 200),
        text_column("visit_key", 64),
        text_column("aaz218", 32),
        text_column("call_id", 64),
        text_column("outcome", 16),
        text_column("return_code", 16),
        sa.Column("duration_ms", sa.Integer()),
        sa.Column("request_xml", LONG_TEXT),
        sa.Column("reply_xml", LONG_TEXT),
        added(text_column("aac001", 32)),
        added(sa.Column("fields_v", sa.Integer())),
        sa.Index(f"{name}_ix_created", "created_at"),
        sa.Index(f"{name}_ix_z218", "aaz218"),
        sa.Index(f"{name}_ix_call", "call_id"),
        sa.Index(f"{name}_ix_visit", "visit_key", "created_at"),
        sa.Index(f"{name}_ix_person", "aac001", "created_at"),
        sa.Index(f"{name}_ix_function", "function_id", "created_at"),
        sa.Index(f"{name}_ix_code", "return_code", "created_at"),
        sa.Index(f"{name}_ix_fn_code", "function_id", "return_code", "created_at"),
        sa.Index(f"{name}_ix_source", "feed", "source_key"),
        **MYSQL_OPTIONS,
    )
