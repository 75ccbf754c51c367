"""Console password hashes: Argon2id through argon2-cffi (the reference implementation's
bindings, well kept, memory-hard; bcrypt would cut passwords at 72 bytes).

Parameters are OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane: about 50 ms here); a
hash made with other parameters still verifies and is replaced at the next login
(:func:`needs_rehash`).  Passwords are never logged, stored or compared in clear.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
MIN_LENGTH = 8
# verified against when the user does not exist, so that an unknown name costs the same time
_DUMMY = _HASHER.hash("syncd-console-no-such-user")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Does ``password`` match ``password_hash`` (None: no such user, still as slow)?"""
    try:
        return _HASHER.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


def weak(password: str) -> str | None:
    """Why a new password is refused (None: it is acceptable)."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 个字符 / at least {MIN_LENGTH} characters"
    if password.strip() != password:
        return "密码首尾不能有空白 / no leading or trailing blanks"
    return None
