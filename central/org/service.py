"""Organisation services: stores (each gets a warehouse), warehouses, terminals, enrolment.

Enrolment: head office (or a store manager) makes a one-time code that expires; a terminal
exchanges it once for a device credential `<terminal_id>:<secret>` bound to the store (and to the
rep, for a rep tablet). A terminal that sent a random nonce with the code may repeat the exchange
with that nonce until the code expires (its answer was lost): same terminal, new secret — but only
until the terminal first uses its credential; from then on the code is spent for good. Only
digests of codes, nonces and secrets are stored.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.auth.principal import Principal
from central.auth.roles import DeviceKind, Role
from central.auth.tokens import digest, matches, new_secret
from central.db import utcnow
from central.errors import Conflict, Forbidden, Invalid, NotFound, not_found
from central.org.models import EnrolmentCode, Organisation, Store, Terminal, Warehouse
from central.users.models import User
from sync.errors import ContractError
from sync.scale_barcode import ScaleLayout

ROUNDING_MODES: tuple[str, ...] = ("none", "jiao_down", "jiao_half_up", "yuan_down", "yuan_half_up")
"""A store's 抹零 setting: `none` or `<unit>_<mode>` (units and modes of sync/rounding.py)."""

ENROLMENT_TTL = timedelta(hours=24)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
_CODE_LENGTH = 16  # 80 bits; single use and expiring


# ---------------------------------------------------------------- organisation

def get_organisation(session: Session) -> Organisation:
    org = session.scalar(select(Organisation).order_by(Organisation.id).limit(1))
    if org is None:
        org = Organisation(name="我的公司")
        session.add(org)
        session.flush()
    return org


def update_organisation(session: Session, **changes: Any) -> Organisation:
    org = get_organisation(session)
    for key, value in changes.items():
        setattr(org, key, value)
    session.flush()
    return org


# ---------------------------------------------------------------- stores

def _check_rounding(mode: str) -> None:
    if mode not in ROUNDING_MODES:
        raise Invalid(f"无效的抹零设置：{mode}", f"rounding_mode must be one of {', '.join(ROUNDING_MODES)}",
                      field="rounding_mode")


def check_scale_layout(layout: dict[str, Any] | None) -> dict[str, Any] | None:
    """A store's scale label layout as stored and shipped (`ScaleLayout.to_dict()`), or None (the default
    layout); a layout the tills could not use is refused (422 `bad_scale_layout`, field `scale_layout`)."""
    if layout is None:
        return None
    try:
        return ScaleLayout.from_dict(layout).to_dict()
    except ContractError as e:
        raise Invalid(e.message, e.message_en, code="bad_scale_layout", field="scale_layout") from e
    except (TypeError, ValueError) as e:
        raise Invalid("称重条码格式无效", f"scale_layout is invalid: {e}", code="bad_scale_layout",
                      field="scale_layout") from e


STORE_SETTINGS: tuple[str, ...] = (
    "code", "name", "name_en", "address", "phone", "rounding_mode", "receipt_header", "receipt_footer",
    "receipt_language", "scale_layout", "credit_policy", "allowed_overdue_days", "chain_returns", "void_needs_manager",
    "active")
"""A store's settings as the audit trail shows them (before/after of a change)."""


def store_settings_image(store: Store) -> dict[str, Any]:
    return {name: getattr(store, name) for name in STORE_SETTINGS}


def get_store(session: Session, store_id: int, who: Principal | None = None) -> Store:
    """The store, or 404 (also when the principal is confined to another store)."""
    store = session.get(Store, store_id)
    if store is None or (who is not None and not who.may_see_store(store.id)):
        raise not_found("门店", "store", "store_id", store_id)
    return store


def store_by_code(session: Session, code: str) -> Store:
    store = session.scalar(select(Store).where(Store.code == code))
    if store is None:
        raise NotFound(f"门店编码不存在：{code}", f"no store with code {code}", code="store_not_found",
                       field="store")
    return store


def create_store(session: Session, *, code: str, name: str, warehouse_code: str | None = None,
                 **fields: Any) -> Store:
    """A store and its first warehouse (code `<store code>-W1` unless given)."""
    if session.scalar(select(Store.id).where(Store.code == code)) is not None:
        raise Conflict(f"门店编码已存在：{code}", f"store code {code} already exists", code="duplicate",
                       field="code")
    _check_rounding(fields.get("rounding_mode") or "none")
    fields["scale_layout"] = check_scale_layout(fields.get("scale_layout"))
    store = Store(code=code, name=name, **{k: v for k, v in fields.items() if v is not None})
    session.add(store)
    session.flush()
    create_warehouse(session, code=warehouse_code or f"{code}-W1", name=f"{name}仓库", store_id=store.id)
    return store


def update_store(session: Session, store: Store, **changes: Any) -> Store:
    if "code" in changes and changes["code"] != store.code and session.scalar(
            select(Store.id).where(Store.code == changes["code"])) is not None:
        raise Conflict(f"门店编码已存在：{changes['code']}", "store code already exists", code="duplicate",
                       field="code")
    if "rounding_mode" in changes:
        _check_rounding(changes["rounding_mode"])
    if "scale_layout" in changes:
        changes["scale_layout"] = check_scale_layout(changes["scale_layout"])
    for key, value in changes.items():
        setattr(store, key, value)
    session.flush()
    return store


# ---------------------------------------------------------------- warehouses

def get_warehouse(session: Session, warehouse_id: int, who: Principal | None = None) -> Warehouse:
    wh = session.get(Warehouse, warehouse_id)
    if wh is None or (who is not None and who.store_id is not None and wh.store_id != who.store_id):
        raise not_found("仓库", "warehouse", "warehouse_id", warehouse_id)
    return wh


def create_warehouse(session: Session, *, code: str, name: str, store_id: int | None) -> Warehouse:
    """A warehouse of a store, or a central one (`store_id` None)."""
    if session.scalar(select(Warehouse.id).where(Warehouse.code == code)) is not None:
        raise Conflict(f"仓库编码已存在：{code}", f"warehouse code {code} already exists", code="duplicate",
                       field="code")
    if store_id is not None:
        get_store(session, store_id)
    wh = Warehouse(code=code, name=name, store_id=store_id)
    session.add(wh)
    session.flush()
    return wh


def default_warehouse_id(session: Session, store_id: int) -> int | None:
    """The store's first active warehouse (where till sales take stock from)."""
    return session.scalar(select(Warehouse.id).where(Warehouse.store_id == store_id, Warehouse.active)
                          .order_by(Warehouse.id).limit(1))


# ---------------------------------------------------------------- enrolment

def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _format_code(raw: str) -> str:
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def make_enrolment_code(session: Session, *, store_id: int, kind: DeviceKind,
                        rep_user_id: int | None = None, ttl: timedelta = ENROLMENT_TTL,
                        now: datetime | None = None, who: Principal | None = None) -> tuple[str, EnrolmentCode]:
    """A one-time code for a new terminal of `store_id`; returns (code to hand out, row).

    A store-scoped caller (store manager) makes codes for their own store, and a rep tablet's code only
    for a rep of their store: the tablet would otherwise carry another store's rep's customers."""
    if who is not None:
        who.check_store(store_id)
    get_store(session, store_id)
    if kind is DeviceKind.REP:
        if rep_user_id is None:
            raise Invalid("业务员终端须指定业务员", "a rep tablet needs the rep (rep)", code="rep_required",
                          field="rep")
        rep = session.get(User, rep_user_id)
        if rep is None or rep.role != Role.SALES_REP or not rep.active:
            raise Invalid("指定的用户不是在职业务员", "that user is not an active sales rep", code="not_a_rep",
                          field="rep")
        if who is not None and who.store_id is not None and rep.store_id != who.store_id:
            raise Forbidden("不能为其他门店的业务员生成注册码", "that rep belongs to another store", code="other_store",
                            field="rep")
    elif rep_user_id is not None:
        raise Invalid("收银终端不能绑定业务员", "a POS terminal is not bound to a rep", code="rep_not_allowed",
                      field="rep")
    if ttl <= timedelta(0) or ttl > timedelta(days=30):
        raise Invalid("有效期须在 30 天以内", "the code must expire within 30 days", field="ttl")
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    now = now or utcnow()
    row = EnrolmentCode(code_hash=digest(raw), store_id=store_id, kind=kind.value, rep_user_id=rep_user_id,
                        created_at=now, expires_at=now + ttl)
    session.add(row)
    session.flush()
    return _format_code(raw), row


def _next_terminal_code(session: Session, store: Store, kind: DeviceKind) -> str:
    prefix = f"{store.code}-{kind.value.upper()}"
    n = (session.scalar(select(func.count(Terminal.id)).where(Terminal.store_id == store.id,
                                                            Terminal.kind == kind.value)) or 0) + 1
    while session.scalar(select(Terminal.id).where(Terminal.code == f"{prefix}{n:02d}")) is not None:
        n += 1
    return f"{prefix}{n:02d}"


def enroll(session: Session, *, code: str, name: str | None = None, nonce: str | None = None,
           now: datetime | None = None) -> tuple[Terminal, str]:
    """Exchange an enrolment code for a terminal and its secret (returned once, stored hashed).

    Safe to retry: a terminal sends a random `nonce` with the code (only its SHA-256 is kept). The
    same code with the same nonce before the code expires is the same terminal asking again because
    the answer was lost: it gets the same terminal with a *new* secret (secrets are stored as
    digests, so the first one cannot be sent again; it stops working, and no one ever received it).
    Another nonce, no nonce, the same nonce after expiry, or once the terminal has used its credential
    (`Terminal.first_used_at`): refused, the code stays used.
    """
    now = now or utcnow()
    row = session.scalar(select(EnrolmentCode).where(EnrolmentCode.code_hash == digest(_normalise_code(code)))
                         .with_for_update())
    if row is None:
        raise Invalid("注册码无效", "unknown enrolment code", code="enrolment_code_invalid", field="code")
    if row.used_at is not None:
        return _enroll_again(session, row, name=name, nonce=nonce, now=now)
    if row.expires_at <= now:
        raise _expired()
    store = get_store(session, row.store_id)
    kind = DeviceKind(row.kind)
    secret = new_secret()
    terminal = Terminal(code=_next_terminal_code(session, store, kind), store_id=store.id, kind=kind.value,
                        rep_user_id=row.rep_user_id, name=name, secret_hash=digest(secret), enrolled_at=now)
    session.add(terminal)
    session.flush()
    row.used_at = now
    row.terminal_id = terminal.id
    row.nonce_hash = digest(nonce) if nonce else None
    session.flush()
    return terminal, secret


REFUSED_CODES = frozenset({"enrolment_code_invalid", "enrolment_code_used", "enrolment_code_spent",
                           "enrolment_terminal_revoked"})
"""Refusals of `enroll` that are audited and count as guesses (an expired code is merely late)."""


def _expired() -> Invalid:
    return Invalid("注册码已过期，请重新生成", "this enrolment code has expired; make a new one",
                   code="enrolment_code_expired", field="code")


def _enroll_again(session: Session, row: EnrolmentCode, *, name: str | None, nonce: str | None,
                  now: datetime) -> tuple[Terminal, str]:
    """The used code `row` again: only for the terminal that used it (same nonce), before it expires."""
    if not nonce or row.nonce_hash is None or not matches(row.nonce_hash, nonce):
        raise Invalid("注册码已被使用（已用于注册另一台终端或另一次注册），请重新生成注册码",
                      "this enrolment code has already been used (by another terminal or another enrolment); "
                      "make a new one", code="enrolment_code_used", field="code")
    if row.expires_at <= now:
        raise _expired()
    terminal = session.get(Terminal, row.terminal_id) if row.terminal_id else None  # the code row is locked
    if terminal is None or terminal.revoked_at is not None:
        raise Invalid("用此注册码注册的终端已被吊销，请重新生成注册码",
                      "the terminal enrolled with this code has been revoked; make a new code",
                      code="enrolment_terminal_revoked", field="code")
    if terminal.first_used_at is not None:
        # the till has its credential and uses it: whoever asks again with the code and nonce (a copy of
        # the till's data, a recorded request) must not be handed a secret that locks the real till out
        raise Invalid(f"此注册码已用于终端 {terminal.code}，该终端已开始使用，注册码已失效；"
                      "如需注册新设备或重新注册该终端，请重新生成注册码",
                      f"this enrolment code was used by terminal {terminal.code}, which is in use, so the code "
                      "is spent; make a new code to enrol a device (again)", code="enrolment_code_spent",
                      field="code")
    secret = new_secret()
    terminal.secret_hash = digest(secret)  # the previous secret stops working (clears the auth cache)
    if name:
        terminal.name = name
    session.flush()
    return terminal, secret


# ---------------------------------------------------------------- terminals

def get_terminal(session: Session, terminal_id: int, who: Principal | None = None) -> Terminal:
    terminal = session.get(Terminal, terminal_id)
    if terminal is None or (who is not None and not who.may_see_store(terminal.store_id)):
        raise not_found("终端", "terminal", "terminal_id", terminal_id)
    return terminal


def terminal_by_code(session: Session, code: str) -> Terminal:
    terminal = session.scalar(select(Terminal).where(Terminal.code == code))
    if terminal is None:
        raise NotFound(f"终端不存在：{code}", f"no terminal {code}", code="terminal_not_found", field="terminal")
    return terminal


def revoke_terminal(session: Session, terminal: Terminal, *, reason: str | None = None,
                    now: datetime | None = None) -> Terminal:
    """Revoke the terminal's credential: every later request with it gets 401 device_revoked."""
    if terminal.revoked_at is None:
        terminal.revoked_at = now or utcnow()
        terminal.revoked_reason = reason
        session.flush()
    return terminal
