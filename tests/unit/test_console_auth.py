"""The console's login rate limit and password hashes (no database, no server)."""

from __future__ import annotations

from syncd.console import passwords
from syncd.console.auth import RateLimiter, same


def test_failures_beyond_the_limit_wait_out_the_window_per_key() -> None:
    now = [1000.0]
    limiter = RateLimiter(3, 60.0, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.wait_s("user:a", "client:1") == 0
        limiter.failed("user:a", "client:1")
    assert limiter.wait_s("user:a") == 60.0
    assert limiter.wait_s("client:1", "user:b") == 60.0  # the same address, another name
    assert limiter.wait_s("user:b", "client:2") == 0
    now[0] += 30
    assert limiter.wait_s("user:a") == 30.0
    now[0] += 30.5
    assert limiter.wait_s("user:a") == 0
    limiter.failed("user:c")
    limiter.forget("user:c")
    assert limiter.wait_s("user:c") == 0


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
