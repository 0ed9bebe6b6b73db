"""FastAPI dependencies that authenticate the caller and check permissions.

Header formats (see central/README.md):
- console user: `Authorization: Bearer <token>` (from `POST /api/v1/auth/login`);
- device:       `Authorization: Device <terminal_id>:<secret>` (from `POST /api/v1/enroll`).

Use in an endpoint: `who: Annotated[Principal, require(Permission.CATALOG_READ)]`, or the
`CurrentUser` / `CurrentDevice` aliases when only one kind of caller makes sense.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader
from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from central.api.gate import GATE_PRINCIPAL
from central.auth.cache import auth_cache, cache_key, install_invalidation
from central.auth.guesses import GuessGuard
from central.auth.models import ApiToken
from central.auth.principal import DevicePrincipal, Principal, UserPrincipal
from central.auth.roles import (
    DEVICE_PERMISSIONS,
    ROLE_PERMISSIONS,
    STORE_SCOPED_ROLES,
    DeviceKind,
    Permission,
    Role,
)
from central.auth.service import TOKEN_LIFETIME, slide
from central.auth.tokens import digest, matches
from central.db import utcnow
from central.errors import Forbidden, Unauthorized
from central.org.models import Terminal
from central.users.models import User

_auth_header = APIKeyHeader(
    name="Authorization", auto_error=False, scheme_name="Authorization",
    description="`Bearer <token>` for console users, `Device <terminal_id>:<secret>` for terminals")


def user_principal(user: User | Any) -> UserPrincipal:
    """The principal of a user (an ORM row or any object with the same attributes)."""
    role = Role(user.role)
    return UserPrincipal(
        permissions=ROLE_PERMISSIONS[role],
        store_id=user.store_id if role in STORE_SCOPED_ROLES else None,
        rep_id=user.id if role is Role.SALES_REP else None,
        user_id=user.id, username=user.username, role=role, home_store_id=user.store_id)


def device_principal(terminal: Terminal | Any) -> DevicePrincipal:
    kind = DeviceKind(terminal.kind)
    return DevicePrincipal(
        permissions=DEVICE_PERMISSIONS[kind], store_id=terminal.store_id, rep_id=terminal.rep_user_id,
        terminal_id=terminal.id, terminal_code=terminal.code, kind=kind)


# Every request authenticates: one prebuilt Core statement each, no ORM objects (hot path).
_TOKEN = (select(ApiToken.revoked_at, ApiToken.expires_at, ApiToken.created_at, User.id, User.username, User.role, User.store_id,
                 User.active)
          .join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == bindparam("h")))
_TERMINAL = select(Terminal.id, Terminal.code, Terminal.kind, Terminal.store_id, Terminal.rep_user_id,
                   Terminal.secret_hash, Terminal.revoked_at, Terminal.first_used_at).where(
                       Terminal.id == bindparam("id"))
_FIRST_USE = (update(Terminal).where(Terminal.id == bindparam("terminal"), Terminal.first_used_at.is_(None))
              .values(first_used_at=bindparam("now")))


def _authenticate_user(session: Session | Connection, token: str) -> UserPrincipal:
    return _check_user(session, token)[0]


def _check_user(session: Session | Connection, token: str) -> tuple[UserPrincipal, datetime, datetime]:
    row = session.execute(_TOKEN, {"h": digest(token)}).first()
    if row is None:
        raise Unauthorized("登录凭证无效，请重新登录", "invalid token, please log in again", code="invalid_token")
    if not row.active:
        raise Unauthorized("该用户已停用", "this user is disabled", code="user_disabled")
    if row.revoked_at is not None or row.expires_at <= utcnow():  # logged out, timed out, or ended by a change
        raise Unauthorized("登录已过期或已失效，请重新登录", "session expired or ended, please log in again",
                           code="token_expired")
    return user_principal(row), row.expires_at, row.created_at


def authenticate_device(session: Session | Connection, credential: str) -> DevicePrincipal:
    """Check a `<terminal_id>:<secret>` credential; 401 with a clear reason when it fails."""
    return device_principal(_device_row(session, credential))


def _device_row(session: Session | Connection, credential: str) -> Any:
    terminal_part, sep, secret = credential.partition(":")
    if not sep or not terminal_part.isdigit() or not secret or len(terminal_part) > 10:
        raise Unauthorized("设备凭证格式应为 <终端id>:<密钥>", "device credential must be <terminal_id>:<secret>",
                           code="invalid_device_credential")
    terminal = session.execute(_TERMINAL, {"id": int(terminal_part)}).first()
    if terminal is None or not matches(terminal.secret_hash, secret):
        raise Unauthorized("未知的终端或密钥错误，请重新注册终端", "unknown terminal or wrong secret; enrol the terminal again",
                           code="unknown_device")
    if terminal.revoked_at is not None:
        raise Unauthorized("此终端的凭证已被吊销，请联系总部重新注册", "this terminal's credential has been revoked; "
                           "ask head office to enrol it again", code="device_revoked")
    return terminal


def authenticate(session: Session | Connection, header: str | None) -> Principal:
    """The principal behind an Authorization header, or Unauthorized (401). Always reads the database."""
    return _check(session, header)[0]


def _check(session: Session | Connection, header: str | None) -> tuple[Principal, datetime | None, datetime | None]:
    principal, expires_at, created_at, _first_use = _check_first_use(session, header)
    return principal, expires_at, created_at


def _check_first_use(session: Session | Connection, header: str | None
                     ) -> tuple[Principal, datetime | None, datetime | None, bool]:
    """The principal, its token's expiry and issue time, and whether it is a terminal using its credential
    for the first time."""
    if not header:
        raise Unauthorized("需要登录或设备凭证", "authentication required", code="not_authenticated")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return (*_check_user(session, value), False)
    if scheme.lower() == "device" and value:
        terminal = _device_row(session, value)
        return device_principal(terminal), None, None, terminal.first_used_at is None
    raise Unauthorized("不支持的认证方式，应为 Bearer 或 Device", "Authorization must be 'Bearer <token>' or "
                       "'Device <terminal_id>:<secret>'", code="invalid_authorization")


install_invalidation()


def _authenticate_fresh(engine: Engine, key: tuple[str, str], header: str) -> Principal:
    generation = auth_cache.generation  # read before the database: a clear meanwhile drops this fill
    with engine.connect() as conn:
        principal, expires_at, created_at, first_use = _check_first_use(conn, header)
    if expires_at is not None and created_at is not None:  # a bearer token in use: extend it when due
        token_hash = digest(header.strip().partition(" ")[2].strip())
        if expires_at - utcnow() <= TOKEN_LIFETIME / 2:
            with engine.begin() as conn:
                expires_at = slide(conn, token_hash=token_hash, created_at=created_at,
                                   expires_at=expires_at) or expires_at
    if first_use:
        # from now on the terminal's enrolment code is spent (central.org.service.enroll); a Core
        # statement: nothing the feed or the authentication cache watches changes
        with engine.begin() as conn:
            conn.execute(_FIRST_USE, {"terminal": principal.terminal_id, "now": utcnow()})  # type: ignore[attr-defined]
    auth_cache.put(key, principal, generation=generation, expires_at=expires_at, now=utcnow())
    return principal


async def authenticate_request(request: Request, header: str | None) -> Principal:
    """The caller of `request`: from the short-lived cache (central/auth/cache.py), else the database.

    A cache hit costs no database round trip and no thread hop; a miss reads the token or terminal
    row on its own connection in the thread pool and remembers a success for a moment.
    """
    if not header:
        raise Unauthorized("需要登录或设备凭证", "authentication required", code="not_authenticated")
    gated = getattr(request.state, GATE_PRINCIPAL, None)  # central/api/gate.py checked it before the body
    if gated is not None and gated[0] == header:
        return gated[1]  # type: ignore[no-any-return]
    state = request.app.state
    key = cache_key(state.db_url, header)
    principal = auth_cache.get(key)
    if principal is None:
        if not _is_device(header):
            return await run_in_threadpool(_authenticate_fresh, state.engine, key, header)
        address = request.client.host if request.client else None
        guesses: GuessGuard = state.device_guesses  # central/auth/guesses.py: back-off per address, audited
        guesses.check(address)
        try:
            principal = await run_in_threadpool(_authenticate_fresh, state.engine, key, header)
        except Unauthorized as exc:
            if exc.code in _GUESSED:
                terminal = header.strip()[6:].strip().partition(":")[0]
                await run_in_threadpool(guesses.failed, state.engine, address=address, secret=header.strip(),
                                        reason=exc.code, entity_type="terminal",
                                        entity_id=terminal[:10] if terminal.isdigit() else "?")
            raise
    return principal


_GUESSED = frozenset({"unknown_device", "invalid_device_credential"})
"""Device refusals that count as guesses (a revoked till's own credential does not)."""


def _is_device(header: str) -> bool:
    return header.lstrip()[:7].lower() == "device "


def require(*perms: Permission, devices: bool = True) -> Any:
    """A dependency (use inside Annotated) that authenticates and checks every permission.

    `devices=False` refuses device credentials (console-only endpoints).
    """

    async def dependency(request: Request,
                         authorization: Annotated[str | None, Depends(_auth_header)] = None) -> Principal:
        principal = await authenticate_request(request, authorization)
        if principal.is_device and not devices:
            raise Forbidden("终端设备不能调用此接口", "terminals may not call this endpoint", code="console_only")
        principal.require(*perms)
        request.state.principal = principal
        return principal

    return Depends(dependency)


async def _current_user(principal: Annotated[Principal, require(devices=False)]) -> UserPrincipal:
    assert isinstance(principal, UserPrincipal)
    return principal


async def _current_device(request: Request,
                          authorization: Annotated[str | None, Depends(_auth_header)] = None) -> DevicePrincipal:
    principal = await authenticate_request(request, authorization)
    if not isinstance(principal, DevicePrincipal):
        raise Forbidden("此接口只供已注册的终端调用", "only enrolled terminals may call this endpoint",
                        code="device_only")
    request.state.principal = principal
    return principal


CurrentUser = Annotated[UserPrincipal, Depends(_current_user)]
"""A logged-in console user (any role); check permissions with `user.require(...)`."""

CurrentDevice = Annotated[DevicePrincipal, Depends(_current_device)]
"""An enrolled, unrevoked terminal (store_id, terminal_id, rep_id, kind)."""
