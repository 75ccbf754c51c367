"""The syncd-owned staging tables, declared once for every dialect.

:func:`staging_tables` builds the tables for a prefix (``database.table_prefix``, default
``WI_``) and an optional schema.  Names are lower-case in the metadata, so no dialect quotes
them: on Oracle they become ``WI_REQUEST`` and a HIS query ``SELECT * FROM WI_REQUEST`` works
on every database (on MySQL/MariaDB under Linux table names are case-sensitive: write them in
lower case there, or run with ``lower_case_table_names=1``).  Every identifier is at most 30
characters even with the longest prefix (10), for Oracle 11/12.1.

Column types and the "naive local time" rule are in :mod:`syncd.db.types`.  A ``version`` of
``''`` means "no version"; Oracle stores ``''`` as NULL, which its unique constraint still
compares as equal, so the column is nullable and lookups go through :func:`version_is`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa

from syncd.core.records import (
    REQUEST_REPLY_COLUMNS,
    REQUEST_STATUSES,
    SYNC_STATUSES,
    VISIT_KINDS,
    VISIT_STATES,
)
from syncd.db.schema_person import person_table
from syncd.db.types import ID, LOCAL_NOW_DEFAULT, LONG_TEXT, MONEY, PRICE, TIMESTAMP, text

DEFAULT_PREFIX = "WI_"
ADDED = "added"  # Column.info key: a column init-db adds to an existing table (see _added)
MESSAGE_LENGTH = 1000  # return_code_message: Chinese text from the platform
_NAMING = {
    "pk": "%(table_name)s_pk",
    "uq": "%(table_name)s_uq",
    "fk": "%(table_name)s_fk",
}
Col = sa.Column[Any]
_MYSQL: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    # index keys up to 3072 bytes on MySQL 5.7 even where the default row format is COMPACT
    # (767 bytes per column: source_key VARCHAR(200) in utf8mb4 needs 800)
    "mysql_row_format": "DYNAMIC",
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
    recon_run = _recon_run(metadata, p)
    return StagingTables(
        metadata=metadata,
        sync_status=_sync_status(metadata, p),
        visit=_visit(metadata, p),
        request=request,
        request_row=_request_row(metadata, p, request),
        message=_message(metadata, p),
        recon_run=recon_run,
        recon_item=_recon_item(metadata, p, recon_run),
        code=_code(metadata, p),
        alert=_alert(metadata, p),
        user=_user(metadata, p),
        session=_session(metadata, p),
        audit=_audit(metadata, p),
        person=person_table(metadata, p, _MYSQL),
    )


def version_is(column: sa.ColumnElement[str], version: str) -> sa.ColumnElement[bool]:
    """``column = version``, where ``''`` also matches NULL (Oracle stores '' as NULL)."""
    if version == "":
        return sa.or_(column == "", column.is_(None))
    return column == version


# -- column helpers ---------------------------------------------------------------------------


def _id() -> Col:
    return sa.Column("id", ID, sa.Identity(), primary_key=True)


def _str(name: str, length: int, *, nullable: bool = True, default: str | None = None) -> Col:
    server_default = sa.text(f"'{default}'") if default is not None else None
    return sa.Column(name, text(length), nullable=nullable, server_default=server_default)


def _added(column: Col) -> Col:
    """A nullable column added after a table was first released: ``init-db`` adds it to an
    existing table of the older layout (:data:`ADDED`)."""
    assert column.nullable and column.server_default is None, column.name
    column.info[ADDED] = True
    return column


def _int(name: str, *, default: int | None = 0) -> Col:
    """An integer column: NOT NULL with ``default``, or NOT NULL without one (None)."""
    server_default = sa.text(str(default)) if default is not None else None
    return sa.Column(name, sa.Integer(), nullable=False, server_default=server_default)


def _money(name: str, *, nullable: bool = True) -> Col:
    server_default = None if nullable else sa.text("0")
    return sa.Column(name, MONEY, nullable=nullable, server_default=server_default)


def _ts(name: str, *, now_default: bool = False) -> Col:
    if now_default:
        return sa.Column(name, TIMESTAMP, nullable=False, server_default=LOCAL_NOW_DEFAULT)
    return sa.Column(name, TIMESTAMP, nullable=True)


def _lease_columns() -> list[Col]:
    """attempts, next attempt and the lease (owner + expiry) every claimable table carries."""
    return [
        _int("attempts"),
        _ts("next_attempt_at", now_default=True),
        _str("lease_owner", 64),
        _ts("lease_until"),
    ]


def _reply_columns() -> list[Col]:
    """The platform's answer: return code and its (Chinese) message, the whole result."""
    return [
        _str("return_code", 16),
        _str("return_code_message", MESSAGE_LENGTH),
        sa.Column("result_json", LONG_TEXT),
        _str("last_error", MESSAGE_LENGTH),
    ]


def _due_index(table_name: str) -> sa.Index:
    return sa.Index(f"{table_name}_ix_due", "status", "next_attempt_at")


# -- tables -----------------------------------------------------------------------------------


def _sync_status(metadata: sa.MetaData, p: str) -> sa.Table:
    """One row per (feed, source key, version) of a fact view: where its delivery stands."""
    name = f"{p}sync_status"
    return sa.Table(
        name,
        metadata,
        _id(),
        _str("feed", 64, nullable=False),
        _str("source_key", 200, nullable=False),
        _str("version", 64, default=""),
        _str("function_id", 32, nullable=False),
        _str("visit_key", 64),
        _str("status", 16, nullable=False, default="PENDING"),
        *_lease_columns(),
        _str("request_id", 64),
        *_reply_columns(),
        _str("aaz218", 32),
        _ts("created_at", now_default=True),
        _ts("updated_at"),
        _ts("finished_at"),
        # what a REJECTED row mapped to when rejected: sent again once that changes
        _added(_str("fingerprint", 64)),
        # a WAITING row held up by a refused, failed or rejected row: which one (feed:key)
        _added(_str("blocked_by", 300)),
        sa.UniqueConstraint("feed", "source_key", "version"),
        _due_index(name),
        sa.Index(f"{name}_ix_visit", "visit_key"),
        sa.Index(f"{name}_ix_done", "feed", "status", "finished_at"),  # the dashboard's counts
        **_MYSQL,
    )


def _visit(metadata: sa.MetaData, p: str) -> sa.Table:
    """The visit ledger: one row per HIS visit and kind, with its state on the platform."""
    name = f"{p}visit"
    return sa.Table(
        name,
        metadata,
        _id(),
        _str("visit_key", 64, nullable=False),
        _str("kind", 16, nullable=False),
        _str("aaz218", 32),
        _str("aac001", 32),
        _str("bka025", 32),
        _str("state", 16, nullable=False, default="NONE"),
        _int("last_batch"),
        _int("fee_count"),
        _money("fee_amount", nullable=False),
        _int("version"),
        _ts("created_at", now_default=True),
        _ts("updated_at"),
        _ts("state_changed_at"),
        _added(sa.Column("fee_rows", sa.Integer())),  # fee rows uploaded (fee_count: calls)
        sa.UniqueConstraint("visit_key", "kind"),
        sa.Index(f"{name}_ix_z218", "aaz218"),
        **_MYSQL,
    )


def _request(metadata: sa.MetaData, p: str) -> sa.Table:
    """``WI_REQUEST``: the HIS inserts a command, syncd answers in the same row."""
    name = f"{p}request"
    return sa.Table(
        name,
        metadata,
        _id(),
        _str("command", 32, nullable=False),
        _str("visit_key", 64),
        _str("bka895", 16),
        _str("bka896", 64),
        _str("aaz218", 32),
        sa.Column("params_json", LONG_TEXT),
        _str("requested_by", 64),
        _ts("created_at", now_default=True),
        _str("status", 16, nullable=False, default="NEW"),
        *_lease_columns(),
        _str("call_id", 64),
        *_reply_columns(),
        _ts("answered_at"),
        *_flattened_reply(),
        _due_index(name),
        sa.Index(f"{name}_ix_visit", "visit_key"),
        sa.Index(f"{name}_ix_done", "status", "answered_at"),  # the dashboard's counts
        **_MYSQL,
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
        return _str(name, _REPLY_TEXT[name])
    return sa.Column(name, sa.Integer()) if name == "bka001" else _money(name)


def _request_row(metadata: sa.MetaData, p: str, request: sa.Table) -> sa.Table:
    """Rows of the reply's datasets (personinfo, payinfo, feeinfo …), one per row."""
    return sa.Table(
        f"{p}request_row",
        metadata,
        _id(),
        sa.Column(
            "request_id", ID, sa.ForeignKey(request.c.id, ondelete="CASCADE"), nullable=False
        ),
        _str("dataset", 32, nullable=False),
        _int("row_no", default=None),
        _str("aac001", 32),
        _str("aaz218", 32),
        _str("bka017", 8),
        _str("aaa100", 32),
        _str("aaa102", 64),
        _str("aaa103", 200),
        _str("ake005", 64),
        _str("ake006", 200),
        sa.Column("bka056", PRICE),
        sa.Column("bka057", PRICE),
        _money("bka058"),
        sa.Column("row_json", LONG_TEXT),
        sa.UniqueConstraint("request_id", "dataset", "row_no"),
        **_MYSQL,
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
        _id(),
        _ts("created_at", now_default=True),
        _str("function_id", 32, nullable=False),
        _str("feed", 64),
        _str("source_key", 200),
        _str("visit_key", 64),
        _str("aaz218", 32),
        _str("call_id", 64),
        _str("outcome", 16),
        _str("return_code", 16),
        sa.Column("duration_ms", sa.Integer()),
        sa.Column("request_xml", LONG_TEXT),
        sa.Column("reply_xml", LONG_TEXT),
        _added(_str("aac001", 32)),
        _added(sa.Column("fields_v", sa.Integer())),
        sa.Index(f"{name}_ix_created", "created_at"),
        sa.Index(f"{name}_ix_z218", "aaz218"),
        sa.Index(f"{name}_ix_call", "call_id"),
        sa.Index(f"{name}_ix_visit", "visit_key", "created_at"),
        sa.Index(f"{name}_ix_person", "aac001", "created_at"),
        sa.Index(f"{name}_ix_function", "function_id", "created_at"),
        sa.Index(f"{name}_ix_code", "return_code", "created_at"),
        sa.Index(f"{name}_ix_fn_code", "function_id", "return_code", "created_at"),
        sa.Index(f"{name}_ix_source", "feed", "source_key"),
        **_MYSQL,
    )


def _recon_run(metadata: sa.MetaData, p: str) -> sa.Table:
    """One reconciliation of a day: what was compared, how many differed, where the report is."""
    name = f"{p}recon_run"
    return sa.Table(
        name,
        metadata,
        _id(),
        sa.Column("recon_date", sa.Date(), nullable=False),
        _str("status", 16, nullable=False, default="RUNNING"),
        _ts("started_at", now_default=True),
        _ts("finished_at"),
        _int("visit_count"),
        _int("item_count"),
        _int("mismatch_count"),
        _money("his_total"),
        _money("platform_total"),
        _str("report_xlsx", 400),
        _str("report_html", 400),
        _str("last_error", MESSAGE_LENGTH),
        sa.Index(f"{name}_ix_date", "recon_date"),
        **_MYSQL,
    )


def _recon_item(metadata: sa.MetaData, p: str, run: sa.Table) -> sa.Table:
    """One difference (or check) found by a reconciliation run."""
    name = f"{p}recon_item"
    return sa.Table(
        name,
        metadata,
        _id(),
        sa.Column("run_id", ID, sa.ForeignKey(run.c.id, ondelete="CASCADE"), nullable=False),
        _str("item_class", 32, nullable=False),
        _str("aaz218", 32),
        _str("visit_key", 64),
        _str("figure", 32),
        _str("his_value", 200),
        _str("platform_value", 200),
        _str("detail", MESSAGE_LENGTH),
        _str("action", 200),
        _ts("created_at", now_default=True),
        sa.Index(f"{name}_ix_run", "run_id"),
        **_MYSQL,
    )


def _code(metadata: sa.MetaData, p: str) -> sa.Table:
    """Code tables fetched from 码表服务 (bizh120205): category aaa100, code aaa102."""
    return sa.Table(
        f"{p}code",
        metadata,
        _id(),
        _str("aaa100", 32, nullable=False),
        _str("aaa101", 200),
        _str("aaa102", 64, nullable=False),
        _str("aaa103", 200),
        _str("aaa027", 32, default=""),
        _str("aaa104", 200),
        _ts("fetched_at", now_default=True),
        sa.UniqueConstraint("aaa100", "aaa102", "aaa027"),
        **_MYSQL,
    )


def _alert(metadata: sa.MetaData, p: str) -> sa.Table:
    """One row per alert: its state as last announced, and the channels still owed it."""
    return sa.Table(
        f"{p}alert",
        metadata,
        _id(),
        _str("name", 150, nullable=False),
        _int("active"),
        _ts("since"),
        _str("detail", MESSAGE_LENGTH),
        _str("owed", 200),
        _ts("claimed_until"),
        _int("version"),
        _ts("updated_at"),
        sa.UniqueConstraint("name"),
        **_MYSQL,
    )


# -- the operations console (users, sessions, audit) -----------------------------------------


def _user(metadata: sa.MetaData, p: str) -> sa.Table:
    """Who may log in to the console, as what (viewer, operator), with a password hash."""
    return sa.Table(
        f"{p}user",
        metadata,
        _id(),
        _str("username", 64, nullable=False),
        _str("user_role", 16, nullable=False),
        _str("password_hash", 200, nullable=False),
        _ts("created_at", now_default=True),
        _ts("updated_at"),
        _ts("last_login_at"),
        sa.UniqueConstraint("username"),
        **_MYSQL,
    )


def _session(metadata: sa.MetaData, p: str) -> sa.Table:
    """A console login: the SHA-256 of its cookie token (never the token), its CSRF token."""
    name = f"{p}session"
    return sa.Table(
        name,
        metadata,
        _id(),
        _str("token_hash", 64, nullable=False),
        _str("username", 64, nullable=False),
        _str("csrf_token", 64, nullable=False),
        _str("client", 64),
        _ts("created_at", now_default=True),
        _ts("last_seen_at"),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("token_hash"),
        sa.Index(f"{name}_ix_expires", "expires_at"),
        **_MYSQL,
    )


def _audit(metadata: sa.MetaData, p: str) -> sa.Table:
    """What a console user, ``syncd retry`` or ``syncd show --reveal`` did: who, when, what,
    the statuses before and after; the console's logins (its rate limit counts them)."""
    name = f"{p}audit"
    return sa.Table(
        name,
        metadata,
        _id(),
        _ts("created_at", now_default=True),
        _str("username", 64, nullable=False),
        _str("action", 32, nullable=False),
        _str("feed", 64),
        _str("source_key", 200),
        sa.Column("row_count", sa.Integer()),
        _str("status_before", 200),
        _str("status_after", 200),
        _str("detail", MESSAGE_LENGTH),
        _str("client", 64),
        sa.Index(f"{name}_ix_created", "created_at"),
        sa.Index(f"{name}_ix_action", "action", "created_at"),  # the login rate limit
        **_MYSQL,
    )
