"""Console login: check the password, hand out a bearer token, revoke it on logout."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.auth.models import ApiToken
from central.auth.passwords import burn_time, verify_password
from central.auth.tokens import digest, new_secret
from central.db import utcnow
from central.errors import Unauthorized
from central.users.models import User

TOKEN_LIFETIME = timedelta(hours=12)


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


def login(session: Session, *, username: str, password: str) -> tuple[str, User, datetime]:
    """Check the credentials and issue a token in one transaction (commands and tests)."""
    user = check_credentials(session, username=username, password=password)
    token, expires_at = issue_token(session, user_id=user.id)
    return token, user, expires_at


def logout(session: Session, *, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
