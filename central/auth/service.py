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


def login(session: Session, *, username: str, password: str) -> tuple[str, User, datetime]:
    """A new token for valid credentials; the same 401 for a wrong name or a wrong password."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        burn_time()
    if user is None or not verify_password(user.password_hash, password):
        raise Unauthorized("用户名或密码错误", "wrong username or password", code="bad_credentials",
                           field="password")
    if not user.active:
        raise Unauthorized("该用户已停用", "this user is disabled", code="user_disabled", field="username")
    token = new_secret()
    expires_at = utcnow() + TOKEN_LIFETIME
    session.add(ApiToken(token_hash=digest(token), user_id=user.id, expires_at=expires_at))
    session.flush()
    return token, user, expires_at


def logout(session: Session, *, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
