"""Console login endpoints: `POST /auth/login`, `POST /auth/logout`, `GET /auth/me`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from central.api.deps import SessionDep
from central.api.gate import body_limit
from central.auth import service
from central.auth.deps import CurrentUser, _auth_header, user_principal
from central.auth.roles import Permission
from central.db import session_scope
from central.settings import KiB

router = APIRouter(prefix="/auth", tags=["auth 登录"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Me(BaseModel):
    id: int
    username: str
    role: str
    store_id: int | None
    permissions: list[str]


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: Me


@router.post("/login", response_model=TokenOut, summary="登录 / log in with username and password",
             openapi_extra=body_limit("login", 4 * KiB))
async def login(body: LoginIn, request: Request) -> TokenOut:
    # the password check (argon2, ~50 ms) runs in a read transaction on the guard's own few threads
    # (central/auth/login_guard.py: back-off per user and address, 429 when busy); only the token
    # insert takes the write lock, so logins do not hold up other writers on SQLite
    engine = request.app.state.engine
    user = await request.app.state.login_guard.check(engine, username=body.username, password=body.password,
                                                     address=request.client.host if request.client else None)
    token, expires_at = await run_in_threadpool(_issue_token, engine, user.id)
    p = user_principal(user)
    return TokenOut(access_token=token, expires_at=expires_at,
                    user=Me(id=user.id, username=user.username, role=user.role, store_id=user.store_id,
                            permissions=sorted(p.permissions)))


def _issue_token(engine: Engine, user_id: int) -> tuple[str, datetime]:
    with session_scope(engine) as session:
        return service.issue_token(session, user_id=user_id)


@router.get("/me", response_model=Me, summary="当前用户 / who am I")
def me(user: CurrentUser) -> Me:
    return Me(id=user.user_id, username=user.username, role=user.role, store_id=user.home_store_id,
              permissions=sorted(Permission(p).value for p in user.permissions))


@router.post("/logout", status_code=204, summary="退出登录 / revoke this token")
def logout(user: CurrentUser, session: SessionDep,
           authorization: Annotated[str | None, Depends(_auth_header)] = None) -> None:
    if authorization:
        service.logout(session, token=authorization.partition(" ")[2].strip())
