"""The staging tables of the work around the delivery: the nightly reconciliation
(``<p>recon_run``, ``<p>recon_item``), the code tables fetched from 码表服务 (``<p>code``), the
alerts (``<p>alert``), and the operations console's users, sessions and audit log
(``<p>user``, ``<p>session``, ``<p>audit``).  :func:`syncd.db.schema.staging_tables` builds them
with the rest."""

from __future__ import annotations

import sqlalchemy as sa

from syncd.db.schema_columns import (
    MESSAGE_LENGTH,
    MYSQL_OPTIONS,
    id_column,
    int_column,
    money_column,
    text_column,
    ts_column,
)
from syncd.db.types import ID, TIMESTAMP


def recon_run_table(metadata: sa.MetaData, p: str) -> sa.Table:
    """One reconciliation of a day: what was compared, how many differed, where the report is."""
    name = f"{p}recon_run"
    return sa.Table(
        name,
        metadata,
        id_column(),
        sa.Column("recon_date", sa.Date(), nullable=False),
        text_column("status", 16, nullable=False, default="RUNNING"),
        ts_column("started_at", now_default=True),
        ts_column("finished_at"),
        int_column("visit_count"),
        int_column("item_count"),
        int_column("mismatch_count"),
        money_column("his_total"),
        money_column("platform_total"),
        text_column("report_xlsx", 400),
        text_column("report_html", 400),
        text_column("last_error", MESSAGE_LENGTH),
        sa.Index(f"{name}_ix_date", "recon_date"),
        **MYSQL_OPTIONS,
    )


def recon_item_table(metadata: sa.MetaData, p: str, run: sa.Table) -> sa.Table:
    """One difference (or check) found by a reconciliation run."""
    name = f"{p}recon_item"
    return sa.Table(
        name,
        metadata,
        id_column(),
        sa.Column("run_id", ID, sa.ForeignKey(run.c.id, ondelete="CASCADE"), nullable=False),
        text_column("item_class", 32, nullable=False),
        text_column("aaz218", 32),
        text_column("visit_key", 64),
        text_column("figure", 32),
        text_column("his_value", 200),
        text_column("platform_value", 200),
        text_column("detail", MESSAGE_LENGTH),
        text_column("action", 200),
        ts_column("created_at", now_default=True),
        sa.Index(f"{name}_ix_run", "run_id"),
        **MYSQL_OPTIONS,
    )


def code_table(metadata: sa.MetaData, p: str) -> sa.Table:
    """Code tables fetched from 码表服务 (bizh120205): category aaa100, code aaa102."""
    return sa.Table(
        f"{p}code",
        metadata,
        id_column(),
        text_column("aaa100", 32, nullable=False),
        text_column("aaa101", 200),
        text_column("aaa102", 64, nullable=False),
        text_column("aaa103", 200),
        text_column("aaa027", 32, default=""),
        text_column("aaa104", 200),
        ts_column("fetched_at", now_default=True),
        sa.UniqueConstraint("aaa100", "aaa102", "aaa027"),
        **MYSQL_OPTIONS,
    )


def alert_table(metadata: sa.MetaData, p: str) -> sa.Table:
    """One row per alert: its state as last announced, and the channels still owed it."""
    return sa.Table(
        f"{p}alert",
        metadata,
        id_column(),
        text_column("name", 150, nullable=False),
        int_column("active"),
        ts_column("since"),
        text_column("detail", MESSAGE_LENGTH),
        text_column("owed", 200),
        ts_column("claimed_until"),
        int_column("version"),
        ts_column("updated_at"),
        sa.UniqueConstraint("name"),
        **MYSQL_OPTIONS,
    )


# -- the operations console (users, sessions, audit) -----------------------------------------


def user_table(metadata: sa.MetaData, p: str) -> sa.Table:
    """Who may log in to the console, as what (viewer, operator), with a password hash."""
    return sa.Table(
        f"{p}user",
        metadata,
        id_column(),
        text_column("username", 64, nullable=False),
        text_column("user_role", 16, nullable=False),
        text_column("password_hash", 200, nullable=False),
        ts_column("created_at", now_default=True),
        ts_column("updated_at"),
        ts_column("last_login_at"),
        sa.UniqueConstraint("username"),
        **MYSQL_OPTIONS,
    )


def session_table(metadata: sa.MetaData, p: str) -> sa.Table:
    """A console login: the SHA-256 of its cookie token (never the token), its CSRF token."""
    name = f"{p}session"
    return sa.Table(
        name,
        metadata,
        id_column(),
        text_column("token_hash", 64, nullable=False),
        text_column("username", 64, nullable=False),
        text_column("csrf_token", 64, nullable=False),
        text_column("client", 64),
        ts_column("created_at", now_default=True),
        ts_column("last_seen_at"),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("token_hash"),
        sa.Index(f"{name}_ix_expires", "expires_at"),
        **MYSQL_OPTIONS,
    )


def audit_table(metadata: sa.MetaData, p: str) -> sa.Table:
    """What a console user, ``syncd retry`` or ``syncd show --reveal`` did: who, when, what,
    the statuses before and after; the console's logins (its rate limit counts them)."""
    name = f"{p}audit"
    return sa.Table(
        name,
        metadata,
        id_column(),
        ts_column("created_at", now_default=True),
        text_column("username", 64, nullable=False),
        text_column("action", 32, nullable=False),
        text_column("feed", 64),
        text_column("source_key", 200),
        sa.Column("row_count", sa.Integer()),
        text_column("status_before", 200),
        text_column("status_after", 200),
        text_column("detail", MESSAGE_LENGTH),
        text_column("client", 64),
        sa.Index(f"{name}_ix_created", "created_at"),
        sa.Index(f"{name}_ix_action", "action", "created_at"),  # the login rate limit
        **MYSQL_OPTIONS,
    )
