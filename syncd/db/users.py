"""The console's users (``<p>user``) and login sessions (``<p>session``).

A session is known by the SHA-256 of its cookie token (the token itself is only in the
browser); it ends at ``expires_at`` — the login's lifetime, shortened to the idle timeout
after each request (:meth:`Sessions.touch`) — or when its user is removed.  Password hashes
are made and checked outside (:mod:`syncd.console.passwords`); nothing here sees a password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from syncd.core.errors import OperatorError
from syncd.db.engine import source_errors
from syncd.db.schema import StagingTables

ROLES = ("viewer", "operator")


@dataclass(frozen=True)
class User:
    username: str
    role: str
    password_hash: str
    created_at: datetime | None = None
    last_login_at: datetime | None = None


@dataclass(frozen=True)
class Session:
    username: str
    role: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime


class Users:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.table, self.sessions = engine, tables.user, tables.session

    def add(self, username: str, role: str, password_hash: str, now: datetime) -> None:
        """A new user; OperatorError when the name is taken."""
        values = {
            "username": username,
            "user_role": role,
            "password_hash": password_hash,
            "created_at": now,
            "updated_at": now,
        }
        taken = OperatorError(
            f"用户 {username} 已存在（先 syncd user remove 再添加）/ user {username} exists already"
        )
        if self.find(username) is not None:  # asked first: not every driver reports a duplicate
            raise taken  # key as an IntegrityError (MariaDB's ODBC driver may not)
        with source_errors(self.engine.url, "adding a console user"):
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.insert(self.table).values(**values))
            except sa.exc.IntegrityError:
                raise taken from None

    def remove(self, username: str) -> None:
        """Remove the user and end their sessions; OperatorError when there is no such user."""
        with source_errors(self.engine.url, "removing a console user"), self.engine.begin() as conn:
            conn.execute(sa.delete(self.sessions).where(self.sessions.c.username == username))
            gone = conn.execute(sa.delete(self.table).where(self.table.c.username == username))
            if gone.rowcount != 1:
                raise OperatorError(f"没有用户 {username} / no user {username}")

    def all(self) -> list[User]:
        c = self.table.c
        columns = (c.username, c.user_role, c.created_at, c.last_login_at)
        stmt = sa.select(*columns).order_by(c.username)
        with source_errors(self.engine.url, "listing console users"), self.engine.connect() as cn:
            return [User(u, r, "", at, last) for u, r, at, last in cn.execute(stmt)]

    def find(self, username: str) -> User | None:
        c = self.table.c
        stmt = sa.select(c.username, c.user_role, c.password_hash).where(c.username == username)
        with source_errors(self.engine.url, "reading a console user"), self.engine.connect() as cn:
            found = cn.execute(stmt).first()
        return None if found is None else User(*found)

    def logged_in(self, username: str, now: datetime, new_hash: str | None = None) -> None:
        """Note the login (and store the hash again when its parameters were outdated)."""
        values: dict[str, object] = {"last_login_at": now}
        if new_hash:
            values.update(password_hash=new_hash, updated_at=now)
        stmt = sa.update(self.table).where(self.table.c.username == username).values(**values)
        with source_errors(self.engine.url, "noting a login"), self.engine.begin() as conn:
            conn.execute(stmt)


class Sessions:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.table, self.users = engine, tables.session, tables.user

    def start(
        self,
        token_hash: str,
        username: str,
        csrf_token: str,
        client: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        values = {
            "token_hash": token_hash,
            "username": username,
            "csrf_token": csrf_token,
            "client": client[:64],
            "created_at": now,
            "last_seen_at": now,
            "expires_at": expires_at,
        }
        with source_errors(self.engine.url, "starting a session"), self.engine.begin() as conn:
            conn.execute(sa.delete(self.table).where(self.table.c.expires_at < now))
            conn.execute(sa.insert(self.table).values(**values))

    def get(self, token_hash: str, now: datetime) -> Session | None:
        """The live session of this token, with its user's current role (None: no session,
        expired, or its user was removed)."""
        s, u = self.table.c, self.users.c
        stmt = (
            sa.select(s.username, u.user_role, s.csrf_token, s.created_at, s.expires_at)
            .join(self.users, u.username == s.username)
            .where(s.token_hash == token_hash, s.expires_at > now)
        )
        with source_errors(self.engine.url, "reading a session"), self.engine.connect() as conn:
            found = conn.execute(stmt).first()
        return None if found is None else Session(*found)

    def touch(self, token_hash: str, now: datetime, expires_at: datetime) -> None:
        stmt = (
            sa.update(self.table)
            .where(self.table.c.token_hash == token_hash)
            .values(last_seen_at=now, expires_at=expires_at)
        )
        with source_errors(self.engine.url, "renewing a session"), self.engine.begin() as conn:
            conn.execute(stmt)

    def end(self, token_hash: str) -> None:
        stmt = sa.delete(self.table).where(self.table.c.token_hash == token_hash)
        with source_errors(self.engine.url, "ending a session"), self.engine.begin() as conn:
            conn.execute(stmt)
