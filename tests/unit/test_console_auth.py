"""The console's login rate limit (its arithmetic over the audit log's lines) and password
hashes (no database, no server)."""

from __future__ import annotations

from datetime import datetime, timedelta

from syncd.console import passwords
from syncd.console.auth import FAILED_LOGIN, LOGIN, login_wait_s, same
from syncd.core.reconcile_records import AuditEntry

T0 = datetime(2026, 11, 25, 9, 0, 0)


def _at(seconds: float, action: str, username: str, client: str) -> AuditEntry:
    return AuditEntry(username, action, client=client, created_at=T0 + timedelta(seconds=seconds))


def test_failures_beyond_the_limit_wait_out_the_window_per_name_and_address() -> None:
    log = [_at(n, FAILED_LOGIN, "a", "10.0.0.1") for n in range(3)]

    def wait(at: float, *keys: tuple[str, str]) -> float:
        return login_wait_s(log, keys, T0 + timedelta(seconds=at), 3, 60.0)

    assert wait(2, ("username", "a")) == 58.0  # 3 failures: until the oldest leaves the window
    assert wait(2, ("client", "10.0.0.1"), ("username", "b")) == 58.0  # same address, other name
    assert wait(2, ("username", "b"), ("client", "10.0.0.2")) == 0
    assert wait(30, ("username", "a")) == 30.0
    assert wait(60.5, ("username", "a")) == 0  # the oldest left the window: 2 within it
    assert login_wait_s(log[:2], [("username", "a")], T0 + timedelta(seconds=2), 3, 60.0) == 0
    log.insert(2, _at(1.5, LOGIN, "a", "10.0.0.9"))  # a success counts afresh for that name
    assert wait(2, ("username", "a")) == 0
    assert wait(2, ("client", "10.0.0.1")) == 58.0  # … not for the other address


def test_passwords_are_argon2id_hashes_checked_in_constant_shape() -> None:
    hashed = passwords.hash_password("correct horse")
    assert hashed.startswith("$argon2id$") and "correct" not in hashed
    assert passwords.verify(hashed, "correct horse")
    assert not passwords.verify(hashed, "correct horsE")
    assert not passwords.verify(None, "correct horse")  # no such user: still a hash check
    assert not passwords.verify("not a hash", "x")
    assert not passwords.needs_rehash(hashed)
    assert passwords.weak("short") and passwords.weak(" spaced password ")
    assert passwords.weak("long enough") is None


def test_tokens_compare_only_when_both_are_given() -> None:
    assert same("abc", "abc") and not same("abc", "abd")
    assert not same("", "") and not same(None, "x")
