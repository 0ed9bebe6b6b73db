"""Password and PIN hashing with argon2 (slow on purpose: these secrets are guessable)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# PINs are checked offline by terminals too; the same argon2 parameters work there.


def hash_password(plain: str) -> str:
    return _hasher.hash(plain)


def verify_password(stored_hash: str | None, plain: str) -> bool:
    """True when `plain` matches; False for a wrong secret, a missing or a malformed hash."""
    if not stored_hash:
        return False
    try:
        return _hasher.verify(stored_hash, plain)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash("timing-equaliser")


def burn_time() -> None:
    """Spend the time of one verification, so an unknown username answers as slowly as a known one."""
    verify_password(_DUMMY_HASH, "x")
