"""Signing in and out of the console, and the user's language.

Sign-in checks the password with the same service as `POST /api/v1/auth/login` and keeps the
bearer token it issues in an HttpOnly cookie. The sign-in form itself is protected from cross-site
posting by a double-submit value (a random cookie repeated in a hidden field), since there is no
session yet to derive a CSRF value from.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from central.api.deps import SessionDep
from central.auth import service as auth_service
from central.auth.api import LoginIn
from central.console.i18n import LOCALES, parse_locale, t
from central.console.web import (
    LANG_COOKIE,
    SESSION_COOKIE,
    AnyViewer,
    ConsoleRoute,
    form_errors,
    render,
    set_locale,
)
from central.db import session_scope
from central.errors import DomainError, TooManyRequests

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

LOGIN_CSRF_COOKIE = "pos_login_csrf"


def _safe_next(target: str | None) -> str:
    """Only a path on this server (no `//host`, no scheme) may be where sign-in leads."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _same_site_path(request: Request, url: str | None) -> str:
    """The path (and query) of `url` when it is a page of this server, else the start page."""
    if not url:
        return "/"
    parsed = urlsplit(url)
    if parsed.netloc and parsed.netloc != request.url.netloc:
        return "/"
    return _safe_next(parsed.path + (f"?{parsed.query}" if parsed.query else ""))


def _cookie_flags(request: Request) -> dict[str, object]:
    return {"httponly": True, "samesite": "strict", "secure": request.url.scheme == "https", "path": "/"}


def _login_page(request: Request, *, next_url: str, error: str | None = None, username: str = "") -> Response:
    """The sign-in form (again, with the error, after a failed attempt: a 200, like any form shown again)."""
    value = secrets.token_urlsafe(24)
    expired = request.query_params.get("expired") == "1"
    locale = parse_locale(request.cookies.get(LANG_COOKIE))
    response = render(request, None, "login.html", login_csrf=value, next_url=next_url,
                      error=error or (t(locale, "登录已过期，请重新登录") if expired else None), username=username)
    response.set_cookie(LOGIN_CSRF_COOKIE, value, max_age=3600, **_cookie_flags(request))  # type: ignore[arg-type]
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:  # noqa: A002 - the query name
    return _login_page(request, next_url=_safe_next(next))


@router.post("/login")
async def login(request: Request, username: Annotated[str, Form(max_length=200)] = "",
                password: Annotated[str, Form(max_length=400)] = "", csrf: Annotated[str, Form(max_length=100)] = "",
                next: Annotated[str, Form(max_length=2000)] = "/") -> Response:  # noqa: A002
    locale = parse_locale(request.cookies.get(LANG_COOKIE))
    target = _safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not expected or not hmac.compare_digest(expected, csrf):
        return _login_page(request, next_url=target, username=username,
                           error=t(locale, "请求已过期，请刷新页面后重试"))
    try:
        body = LoginIn(username=username, password=password)
    except ValidationError as exc:
        return _login_page(request, next_url=target, username=username,
                           error=form_errors(locale, exc).general)
    engine = request.app.state.engine
    try:
        # the same guard as POST /api/v1/auth/login (back-off, bounded password checks), then the token
        user = await request.app.state.login_guard.check(
            engine, username=body.username, password=body.password,
            address=request.client.host if request.client else None)
        token, user_locale = await run_in_threadpool(_open_session, engine, user.id)
    except DomainError as exc:
        page = _login_page(request, next_url=target, username=username,
                           error=exc.message if locale != "en" else exc.message_en)
        if isinstance(exc, TooManyRequests):
            page.status_code = 429
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    response = RedirectResponse(target, status_code=303)
    # the token itself decides how long the session lasts (idle hour, working day): the cookie may outlive it
    response.set_cookie(SESSION_COOKIE, token, max_age=int(auth_service.SESSION_MAX.total_seconds()),
                        **_cookie_flags(request))  # type: ignore[arg-type]
    response.set_cookie(LANG_COOKIE, user_locale, max_age=400 * 86400, samesite="strict", path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


def _open_session(engine: Engine, user_id: int) -> tuple[str, str]:
    """A new token for the user, and the console language they chose."""
    from central.console.models import ConsolePreference

    with session_scope(engine) as session:
        token, _expires = auth_service.issue_token(session, user_id=user_id)
        pref = session.get(ConsolePreference, user_id)
        return token, parse_locale(pref.locale if pref else None)


@router.post("/logout")
def logout(viewer: AnyViewer, session: SessionDep) -> Response:
    auth_service.logout(session, token=viewer.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/preferences/language")
def change_language(request: Request, viewer: AnyViewer, session: SessionDep,
                    locale: Annotated[str, Form(max_length=8)] = "zh-CN") -> Response:
    chosen = parse_locale(locale) if locale in LOCALES else viewer.locale
    set_locale(session, viewer.user_id, chosen)
    back = _same_site_path(request, request.headers.get("referer"))
    response = RedirectResponse(back, status_code=303)
    response.set_cookie(LANG_COOKIE, chosen, max_age=400 * 86400, samesite="strict", path="/")
    return response
