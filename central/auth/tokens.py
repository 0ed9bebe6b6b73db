"""Random secrets (console tokens, device secrets, enrolment codes) and their stored digests.

These secrets have 256 bits (codes: see enrolment) of randomness, so a plain SHA-256 digest is
a safe way to store them and is cheap to check on every request (argon2 is for passwords).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret() -> str:
    """A URL-safe random secret of 256 bits."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The hex SHA-256 stored in place of a secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def matches(stored_digest: str, secret: str) -> bool:
    """Constant-time comparison of a secret with its stored digest."""
    return hmac.compare_digest(stored_digest, digest(secret))
