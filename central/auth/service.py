"""Console login: check the password, hand out a bearer token, revoke it on logout.

Tokens are short-lived and revocable: one lives `TOKEN_LIFETIME` (1 h) and is extended while it is used
(`slide`: when less than half of it is left, to at most `SESSION_MAX` = 12 h after sign-in), so an idle
console signs out after an hour and a busy one stays signed in for a working day. Changing a user's
password, disabling them or changing their role or store ends every session they have
(`revoke_user_tokens`, called by `central.users.service.update_user`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from central.auth.cache import note_auth_change
from central.auth.models import ApiToken
from central.auth.passwords import burn_time, verify_password
from central.auth.tokens import digest, new_secret
from central.db import utcnow
from central.errors import Unauthorized
from central.users.models import User

TOKEN_LIFETIME = timedelta(hours=1)
"""How long a token lives without being used (each use in its second half extends it)."""

SESSION_MAX = timedelta(hours=12)
"""No token lives longer than this after sign-in, however busy: sign in again."""


def check_credentials(session: Session, *, username: str, password: str) -> User:
    """The active user with this password; the same 401 for a wrong name or a wrong password.

    Slow on purpose (argon2): call it in a read transaction, not while holding the write lock.
    """
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        burn_time()
    if user is None or not verify_password(user.password_hash, password):
        raise Unauthorized("用户名或密码错误", "wrong username or password", code="bad_credentials",
                           field="password")
    if not user.active:
        raise Unauthorized("该用户已停用", "this user is disabled", code="user_disabled", field="username")
    return user


def issue_token(session: Session, *, user_id: int) -> tuple[str, datetime]:
    """A new bearer token for the user (only its digest is stored)."""
    token = new_secret()
    expires_at = utcnow() + TOKEN_LIFETIME
    session.add(ApiToken(token_hash=digest(token), user_id=user_id, expires_at=expires_at))
    session.flush()
    return token, expires_at


def slide(connection: Connection, *, token_hash: str, created_at: datetime, expires_at: datetime,
          now: datetime | None = None) -> datetime | None:
    """Extend a token in use when less than half its lifetime is left; the new expiry, or None when
    it is not due (or has reached `SESSION_MAX` after sign-in). The caller commits."""
    now = now or utcnow()
    if expires_at - now > TOKEN_LIFETIME / 2:
        return None
    new_expiry = min(now + TOKEN_LIFETIME, created_at + SESSION_MAX)
    if new_expiry <= expires_at:
        return None
    connection.execute(update(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
                       .values(expires_at=new_expiry))
    return new_expiry


def revoke_user_tokens(session: Session, *, user_id: int) -> int:
    """End every session of the user (their password, role, store or active flag changed); how many."""
    now = utcnow()
    result = session.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                             .values(revoked_at=now).execution_options(synchronize_session=False))
    note_auth_change(session)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def login(session: Session, *, username: str, password: str) -> tuple[str, User, datetime]:
    """Check the credentials and issue a token in one transaction (commands and tests)."""
    user = check_credentials(session, username=username, password=password)
    token, expires_at = issue_token(session, user_id=user.id)
    return token, user, expires_at


def logout(session: Session, *, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
