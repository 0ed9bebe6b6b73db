"""Plumbing every console page shares: who is asking, CSRF, templates, formatting, errors.

- **Signing in** hands out the same bearer token the API uses (`central.auth.service`), kept in an
  HttpOnly, SameSite=Strict cookie; each console request authenticates it exactly as the API
  authenticates `Authorization: Bearer` (`central.auth.deps.authenticate_request`, with its cache),
  so revoking a token, disabling a user or changing a role applies to both at once.
- **CSRF**: every non-GET console request must carry the page's CSRF value (hidden field `csrf` or
  header `X-CSRF-Token`, which `console.js` adds to htmx requests). The value is a digest of the
  session token: a page of another site cannot read it and cannot compute it.
- **Permissions**: a page declares what it needs with `page(Permission...)`; a missing permission
  renders the 403 page, never the content. Store scope is checked by the domain services, as in
  the API (`Principal.check_store` / `scope`).
- **Errors** raised by services (`DomainError`, `ContractError`) become an HTML page (or, for htmx,
  a message fragment) in the viewer's language, through `ConsoleRoute`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from pydantic import BeforeValidator, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.api.deps import READ_METHODS, SessionDep
from central.auth.deps import authenticate_request
from central.auth.principal import UserPrincipal
from central.auth.roles import ROLE_NAMES_ZH, Permission, Role
from central.console import assets
from central.console.i18n import DEFAULT_LOCALE, Locale, parse_locale, pick, t
from central.console.models import ConsolePreference
from central.errors import DomainError, Forbidden, Unauthorized
from central.org.models import Store
from central.users.models import User
from sync.errors import ContractError
from sync.store_time import STORE_TZ

log = logging.getLogger("central.console")

SESSION_COOKIE = "pos_console"
LANG_COOKIE = "pos_lang"
"""Mirror of the user's language for pages rendered before we know who is asking (sign-in, errors)."""
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
TEMPLATES_DIR = Path(__file__).parent / "templates"


class SignInRequired(Exception):
    """No valid console session: the browser is sent to the sign-in page."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("sign in required")
        self.expired = expired


def csrf_for(token: str) -> str:
    """The CSRF value of a session: a one-way digest of its (HttpOnly, secret) token."""
    return hashlib.sha256(f"console-csrf:{token}".encode()).hexdigest()[:40]


@dataclass(frozen=True)
class Viewer:
    """The signed-in console user of this request."""

    principal: UserPrincipal
    token: str
    display_name: str
    locale: Locale
    store_code: str | None
    store_name: str | None

    @property
    def csrf(self) -> str:
        return csrf_for(self.token)

    @property
    def user_id(self) -> int:
        return self.principal.user_id

    def can(self, *perms: Permission) -> bool:
        return self.principal.has(*perms)

    def t(self, text: str, **params: Any) -> str:
        return t(self.locale, text, **params)

    @property
    def role_name(self) -> str:
        return t(self.locale, ROLE_NAMES_ZH[self.principal.role])


async def _principal(request: Request) -> UserPrincipal:
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 200:
        raise SignInRequired()
    try:
        principal = await authenticate_request(request, f"Bearer {token}")
    except Unauthorized:
        raise SignInRequired(expired=True) from None
    if not isinstance(principal, UserPrincipal):  # a device credential can never be a console cookie
        raise SignInRequired()
    request.state.principal = principal
    return principal


async def _check_csrf(request: Request) -> None:
    """Refuse a changing request that does not carry the session's CSRF value."""
    if request.method in READ_METHODS:
        return
    token = request.cookies.get(SESSION_COOKIE) or ""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not token or not sent or not hmac.compare_digest(sent, csrf_for(token)):
        raise Forbidden("请求已过期，请刷新页面后重试", "The form has expired; reload the page and try again",
                        code="csrf_failed")


_PROFILE = (select(User.display_name, ConsolePreference.locale, Store.code, Store.name)
            .outerjoin(ConsolePreference, ConsolePreference.user_id == User.id)
            .outerjoin(Store, Store.id == User.store_id))


def _viewer(request: Request, session: SessionDep,
            principal: Annotated[UserPrincipal, Depends(_principal)],
            _csrf: Annotated[None, Depends(_check_csrf)]) -> Viewer:
    row = session.execute(_PROFILE.where(User.id == principal.user_id)).first()
    token = request.cookies.get(SESSION_COOKIE) or ""
    viewer = Viewer(principal=principal, token=token,
                    display_name=row.display_name if row else principal.username,
                    locale=parse_locale(row.locale if row else None),
                    store_code=row.code if row else None, store_name=row.name if row else None)
    request.state.viewer = viewer
    return viewer


def page(*perms: Permission) -> Any:
    """A dependency (inside Annotated) giving the Viewer once it holds every permission in `perms`."""

    def dependency(viewer: Annotated[Viewer, Depends(_viewer)]) -> Viewer:
        viewer.principal.require(*perms)
        return viewer

    return Depends(dependency)


AnyViewer = Annotated[Viewer, page()]
"""Any signed-in console user (pages everyone may open: the start page, preferences)."""


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


OptionalId = Annotated[Annotated[int, Field(ge=1, le=2_147_483_647)] | None, BeforeValidator(_blank_is_none), Query()]
"""An optional id filter in a console URL: a filter form sends `store_id=` (empty) for "all"."""
OptionalText = Annotated[Annotated[str, Field(max_length=50)] | None, BeforeValidator(_blank_is_none), Query()]
"""An optional text filter in a console URL (blank = no filter)."""


# ---------------------------------------------------------------- formatting


def money(fen: int | None, *, unknown: str = "—") -> str:
    """`¥1,234.50` from integer fen (never through a float); `unknown` for None."""
    if fen is None:
        return unknown
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def plain_money(fen: int | None) -> str:
    """`1234.50`: fen as yuan for a form field, no currency sign or grouping."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan}.{cents:02d}"


def qty(qty_m: int | None) -> str:
    """A quantity kept in thousandths: `12` for whole pieces, `1.255` for weights."""
    if qty_m is None:
        return "—"
    whole, frac = divmod(abs(int(qty_m)), 1000)
    sign = "-" if qty_m < 0 else ""
    if frac == 0:
        return f"{sign}{whole:,}"
    return f"{sign}{whole:,}.{frac:03d}".rstrip("0")


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC instant in the store's time zone (every store runs on Asia/Shanghai)."""
    if value is None:
        return "—"
    return value.astimezone(STORE_TZ).strftime(fmt)


def day(value: date | None) -> str:
    return value.isoformat() if value is not None else "—"


def percent(part: int | float | Decimal | None, whole: int | float | Decimal | None) -> str:
    if part is None or not whole:
        return "—"
    return f"{Decimal(part) * 100 / Decimal(whole):.1f}%"


def bp_percent(bp: int | None) -> str:
    """Basis points as a percentage: 500 → `5%`, 1250 → `12.5%`."""
    if bp is None:
        return "—"
    text = f"{Decimal(bp) / 100:f}"
    if "." in text:  # only a fraction's trailing zeros go: 1000 bp is 10%, not 1%
        text = text.rstrip("0").rstrip(".")
    return text + "%"


# ---------------------------------------------------------------- templates

_env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_env.globals.update(money=money, qty=qty, local_time=local_time, day=day, percent=percent,
                    bp_percent=bp_percent, plain_money=plain_money, assets=assets)


def _tojson_attr(value: Any) -> Markup:
    """JSON for an HTML attribute (`data-chart='...'`): escaped by Markup, so quotes are safe."""
    return Markup.escape(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


_env.filters["json_attr"] = _tojson_attr


@dataclass
class NavItem:
    url: str
    label: str
    """Chinese label (translated at render)."""
    perms: tuple[Permission, ...]
    prefix: str = ""
    """Paths starting with this mark the item as current (default: `url`)."""
    order: int = 100
    """Place in the navigation (smaller first), whatever order the areas were imported in."""


NAV: list[NavItem] = []
"""The console's navigation; areas append their entry (`NAV.append(NavItem(...))`) on import."""


def nav_for(viewer: Viewer, path: str) -> list[dict[str, Any]]:
    """The navigation entries this viewer may open, the current one marked."""
    out = []
    for item in sorted(NAV, key=lambda i: i.order):
        if viewer.can(*item.perms):
            prefix = item.prefix or item.url
            current = path == item.url or (prefix != "/" and path.startswith(prefix))
            out.append({"url": item.url, "label": viewer.t(item.label), "current": current})
    return out


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def query_url(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params.items())
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def render(request: Request, viewer: Viewer | None, template: str, *, status: int = 200,
           block: str | None = None, headers: Mapping[str, str] | None = None, **context: Any) -> HTMLResponse:
    """Render `template` for the viewer; `block` renders only that block (an htmx partial)."""
    locale: Locale = viewer.locale if viewer else parse_locale(request.cookies.get(LANG_COOKIE))

    def translate(text: str, **params: Any) -> str:
        return t(locale, text, **params)

    ctx: dict[str, Any] = {
        "request": request, "viewer": viewer, "locale": locale, "_": translate,
        "nav": nav_for(viewer, request.url.path) if viewer else [],
        "csrf": viewer.csrf if viewer else "", "csrf_field": CSRF_FIELD,
        "query_url": lambda **changes: query_url(request, **changes),
        "pick": lambda zh, en: pick(locale, zh, en),
        **context,
    }
    tmpl = _env.get_template(template)
    if block is not None:
        html = "".join(tmpl.blocks[block](tmpl.new_context(ctx)))
    else:
        html = tmpl.render(ctx)
    return HTMLResponse(html, status_code=status, headers=dict(headers or {}))


# ---------------------------------------------------------------- errors


def _error_response(request: Request, status: int, title: str, message: str) -> Response:
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    if is_htmx(request):
        # htmx swaps only 2xx answers by default: say it in the page's message area instead
        return render(request, viewer, "_flash.html", status=200, flash_error=message,
                      headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
    return render(request, viewer, "error.html", status=status, title=title, message=message)


def error_page(request: Request, exc: DomainError | ContractError) -> Response:
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    locale = viewer.locale if viewer else parse_locale(request.cookies.get(LANG_COOKIE))
    status = exc.status if isinstance(exc, DomainError) else 422
    titles = {403: "没有权限", 404: "找不到"}
    message = pick(locale, exc.message, exc.message_en)
    if isinstance(exc, Forbidden) and exc.code == "permission_denied":
        message = t(locale, "你的角色不能查看此页面")
    return _error_response(request, status, t(locale, titles.get(status, "出错了")), message)


def sign_in_redirect(request: Request, expired: bool = False) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/login?next=" + quote(target, safe="") + ("&expired=1" if expired else "")
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=200, headers={"HX-Redirect": url})
    response = RedirectResponse(url, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


class ConsoleRoute(APIRoute):
    """Routes of the console: errors become pages in the viewer's language, not JSON bodies."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except SignInRequired as exc:
                return sign_in_redirect(request, exc.expired)
            except (DomainError, ContractError) as exc:
                return error_page(request, exc)
            except RequestValidationError:
                locale = parse_locale(request.cookies.get(LANG_COOKIE))
                return _error_response(request, 422, t(locale, "请求无效"), t(locale, "请求无效"))
            except Exception:
                log.exception("console page failed: %s", request.url.path)
                locale = parse_locale(request.cookies.get(LANG_COOKIE))
                return _error_response(request, 500, t(locale, "出错了"), t(locale, "服务器内部错误，已记录。"))

        return handler


# ---------------------------------------------------------------- forms


@dataclass
class FormErrors:
    """Errors of a submitted form, by field name (the schema's field names), in the viewer's language."""

    fields: dict[str, str] = field(default_factory=dict)
    general: str | None = None

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)


def form_errors(locale: Locale, exc: Exception) -> FormErrors:
    """FormErrors from a pydantic ValidationError or a domain/contract error."""
    from pydantic import ValidationError

    from central.api.errors import _ZH

    errors = FormErrors()
    if isinstance(exc, ValidationError):
        for e in exc.errors():
            name = ".".join(str(p) for p in e.get("loc", ())) or "_"
            errors.fields.setdefault(name, _ZH.get(str(e.get("type")), "无效") if locale != "en" else str(e.get("msg")))
        errors.general = t(locale, "表单有误，请检查标红的项目")
    elif isinstance(exc, DomainError | ContractError):
        message = pick(locale, exc.message, exc.message_en)
        if exc.field:
            errors.fields[exc.field] = message
        errors.general = message
    else:
        raise exc
    return errors


def parse_yuan(text: str | None) -> int | None:
    """A money field typed in yuan (`12.5`, `¥1,234.50`) as integer fen; None when blank.

    Raises ValueError for anything else (more than two decimals, letters): the form reports it."""
    if text is None or not text.strip():
        return None
    cleaned = text.strip().replace(",", "").replace("¥", "").replace("￥", "")
    value = Decimal(cleaned)
    if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("at most two decimals")
    return int(value * 100)


def encode_cursor(values: Iterable[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime | date) else v for v in values],
                     separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str) -> list[Any]:
    padded = text + "=" * (-len(text) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(value, list):
        raise ValueError("cursor")
    return value


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def set_locale(session: Session, user_id: int, locale: Locale) -> None:
    """Remember the user's console language (one row per user)."""
    pref = session.get(ConsolePreference, user_id)
    if pref is None:
        session.add(ConsolePreference(user_id=user_id, locale=locale))
    else:
        pref.locale = locale
    session.flush()


def role_label(locale: Locale, role: str) -> str:
    return t(locale, ROLE_NAMES_ZH[Role(role)])


__all__ = ["DEFAULT_LOCALE", "AnyViewer", "ConsoleRoute", "Viewer", "page", "render"]
