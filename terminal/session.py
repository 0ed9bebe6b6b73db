"""Who is at the till: sign-in by cashier code + PIN (offline, against synced users), the lock
screen, and manager approval for the actions that need it, each recorded in the audit log.

PIN hashes are central's argon2 hashes (`sync.master.UserInfo.pin_hash`). argon2 is slow on
purpose (tens of ms); a successful check is remembered in memory as a keyed hash of the PIN, so
repeated approvals and unlocks in the same process are instant, and nothing weaker ever reaches
the disk.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from sync.events import utcnow
from sync.master import Entity, UserInfo
from sync.pins import MANAGER_PIN_MIN_DIGITS
from sync.pins import MANAGER_ROLES as PIN_MANAGER_ROLES
from terminal.errors import ApprovalRequired, AuthError
from terminal.store import Store

MANAGER_ROLES = PIN_MANAGER_ROLES
PIN_ATTEMPTS = 5
"""Wrong PINs in a row before a user is locked out on this till (a manager unlocks them)."""
APPROVAL_TTL = timedelta(minutes=5)
"""A manager's PIN covers the action it was typed for, for a few minutes only."""
TILL_ROLES = frozenset({"cashier", "store_manager", "admin"})


class Action(StrEnum):
    """Actions a cashier may only do with a manager's PIN."""

    PRICE_OVERRIDE = "price_override"
    DISCOUNT = "discount"
    REFUND = "refund"
    NO_SALE = "no_sale"
    VIEW_QUARANTINE = "view_quarantine"
    """Open the list of events central refused (they may show amounts and members: manager only)."""
    VOID_LINE = "void_line"
    """Remove a line from a sale (删除商品), where the store's setting asks for a manager."""
    TAKE_OVER_SHIFT = "take_over_shift"
    """Sell in a shift another cashier opened and has not closed (交接班 skipped): the drawer's cash
    is then two people's, so a manager says so."""


ACTION_NAMES_ZH: dict[Action, str] = {
    Action.PRICE_OVERRIDE: "改价", Action.DISCOUNT: "折扣", Action.REFUND: "退货退款", Action.NO_SALE: "开钱箱",
    Action.VIEW_QUARANTINE: "查看异常事件", Action.TAKE_OVER_SHIFT: "接班收银",
    Action.VOID_LINE: "删除商品",
}

_hasher = PasswordHasher()
_process_key = os.urandom(32)
_verified: dict[tuple[int, str], bytes] = {}


def hash_pin(pin: str) -> str:
    """An argon2 hash of a PIN in the form central stores (used by tests and demo data)."""
    return _hasher.hash(pin)


def _pin_matches(user: UserInfo, pin: str) -> bool:
    if not user.pin_hash or not pin:
        return False
    key = (user.id, user.pin_hash)
    digest = hmac.new(_process_key, pin.encode(), hashlib.sha256).digest()
    known = _verified.get(key)
    if known is not None:
        return hmac.compare_digest(known, digest)
    try:
        _hasher.verify(user.pin_hash, pin)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    _verified[key] = digest
    return True


def find_user(store: Store, code: str) -> UserInfo | None:
    """The synced user with this cashier code, if any (active or not)."""
    return store.master.user_by_code(code)


def audit(store: Store, action: str, *, cashier_id: int | None, approved_by: int | None = None,
          detail: dict[str, Any] | None = None) -> None:
    """Append one line to the audit log (joins the caller's transaction, so it lands with the act)."""
    store.audit_log.add(action, cashier_id=cashier_id, approved_by=approved_by, detail=detail)


def locked_out(user: UserInfo) -> AuthError:
    return AuthError(f"工号 {user.code} 已锁定：PIN 连续输错 {PIN_ATTEMPTS} 次，请店长输入自己的工号和 PIN 解锁",
                     f"user {user.code} is locked out after {PIN_ATTEMPTS} wrong PINs: a manager unlocks "
                     "them with their own code and PIN", code="pin_locked_out")


@dataclass(frozen=True)
class Approval:
    """A manager's PIN given for one action; passed to the service that needs it."""

    action: Action
    manager_id: int
    at: datetime


class Session:
    """The till's sign-in state. Plain Python: the UI shows it, `simulate` drives it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._user: UserInfo | None = None
        self.locked = False
        self.taken_over_shift: str | None = None
        """The shift of another cashier this signed-in cashier took over (terminal.shift)."""

    def _check(self, code: str, pin: str) -> UserInfo:
        """The user with this code and PIN. Wrong PINs are counted per user (`PIN_ATTEMPTS` in a
        row lock the user out on this till until a manager unlocks them, `unlock_user`); a
        manager's PIN shorter than `sync.pins.MANAGER_PIN_MIN_DIGITS` is refused unchecked."""
        user = find_user(self.store, code.strip())
        if user is None or not user.active or user.role not in TILL_ROLES or not user.pin_hash:
            audit(self.store, "sign_in_failed", cashier_id=user.id if user else None, detail={"code": code})
            raise AuthError("工号或密码错误", "wrong cashier code or PIN", code="bad_credentials")
        kept = self.store.pin_failures.get(user.id)
        if kept is not None and kept.locked_at and kept.pin_hash == user.pin_hash:
            raise locked_out(user)
        if user.role in MANAGER_ROLES and len(pin) < MANAGER_PIN_MIN_DIGITS:
            audit(self.store, "sign_in_failed", cashier_id=user.id, detail={"code": code, "why": "short_pin"})
            raise AuthError(f"店长 PIN 至少 {MANAGER_PIN_MIN_DIGITS} 位：请总部为此工号设置新的 PIN",
                            f"a manager's PIN has at least {MANAGER_PIN_MIN_DIGITS} digits: ask head office "
                            "to set a new PIN for this user", code="manager_pin_too_short")
        if not _pin_matches(user, pin):
            failures = self.store.pin_failures.record_failure(user.id, user.pin_hash, lock_after=PIN_ATTEMPTS)
            audit(self.store, "sign_in_failed", cashier_id=user.id,
                  detail={"code": code, "failures": failures.failures})
            if failures.locked_at:
                audit(self.store, "pin_locked_out", cashier_id=user.id, detail={"failures": failures.failures})
                raise locked_out(user)
            left = PIN_ATTEMPTS - failures.failures
            raise AuthError(f"工号或密码错误（再错 {left} 次将锁定）",
                            f"wrong cashier code or PIN ({left} more wrong and this user is locked out)",
                            code="bad_credentials")
        if kept is not None:
            self.store.pin_failures.clear(user.id)
        store_id = self.store.get_setting("store_id")
        if user.store_id is not None and store_id is not None and user.store_id != int(store_id) \
                and user.role != "admin":
            raise AuthError("该工号不属于本门店", "this user does not belong to this store", code="wrong_store")
        return user

    def users_synced(self) -> bool:
        """True once central's users have reached the till (before that nobody can sign in)."""
        return self.store.master.has_any(Entity.USER.value)

    def user_name(self, user_id: int) -> str:
        """A synced user's name (their id when the till does not know them)."""
        user = self.store.master.user(user_id)
        return (user.name or str(user_id)) if user is not None else str(user_id)

    def sign_in(self, code: str, pin: str) -> UserInfo:
        """Sign a cashier in with code + PIN (works offline with the last synced users)."""
        user = self._check(code, pin)
        self._user = user
        self.locked = False
        self.taken_over_shift = None
        audit(self.store, "sign_in", cashier_id=user.id)
        return user

    def sign_in_as(self, user_id: int, *, reason: str) -> UserInfo:
        """Sign a synced user in without a PIN, for automation that already owns the data
        directory (`pos-terminal simulate`); audited with its reason. Never called by the UI."""
        user = self.store.master.user(user_id)
        if user is None:
            raise AuthError("用户不存在", f"no user {user_id}", code="bad_credentials")
        if not user.active or user.role not in TILL_ROLES:
            raise AuthError("该用户不能收银", "this user cannot work a till", code="bad_credentials")
        self._user = user
        self.locked = False
        self.taken_over_shift = None
        audit(self.store, "sign_in_automation", cashier_id=user.id, detail={"reason": reason})
        return user

    def sign_out(self) -> None:
        if self._user is not None:
            audit(self.store, "sign_out", cashier_id=self._user.id)
        self._user = None
        self.locked = False
        self.taken_over_shift = None

    def lock(self) -> None:
        """Lock the till (cashier steps away); the cart stays, nobody can touch it until unlocked."""
        if self._user is not None:
            self.locked = True
            audit(self.store, "lock", cashier_id=self._user.id)

    def unlock(self, code: str, pin: str) -> UserInfo:
        """Unlock by the same cashier, or by a manager (who may then sign the cashier out)."""
        user = self._check(code, pin)
        if self._user is not None and user.id != self._user.id and user.role not in MANAGER_ROLES:
            raise AuthError("只有本人或店长可以解锁", "only the signed-in cashier or a manager can unlock",
                            code="not_owner")
        self.locked = False
        audit(self.store, "unlock", cashier_id=self._user.id if self._user else user.id, approved_by=user.id)
        return user

    def unlock_user(self, code: str, manager_code: str, manager_pin: str) -> UserInfo:
        """A manager (another user, with their own PIN) unlocks a user locked out by wrong PINs;
        returns the unlocked user. Audited with the manager as approver."""
        user = find_user(self.store, code.strip())
        if user is None:
            raise AuthError("工号不存在", "no such cashier code", code="bad_credentials")
        manager = self._check(manager_code, manager_pin)
        if manager.role not in MANAGER_ROLES or manager.id == user.id:
            audit(self.store, "approval_refused", cashier_id=user.id, approved_by=manager.id,
                  detail={"action": "pin_unlock"})
            raise AuthError("只有另一位店长可以解锁", "only another manager can unlock this user", code="not_manager")
        self.store.pin_failures.clear(user.id)
        audit(self.store, "pin_unlocked", cashier_id=user.id, approved_by=manager.id)
        return user

    def is_locked_out(self, code: str) -> bool:
        """True when the user with this code is locked out by wrong PINs (the sign-in screen asks)."""
        user = find_user(self.store, code.strip())
        if user is None:
            return False
        kept = self.store.pin_failures.get(user.id)
        return bool(kept is not None and kept.locked_at and kept.pin_hash == user.pin_hash)

    @property
    def signed_in_user(self) -> UserInfo | None:
        """Who is signed in, locked or not (the lock screen names them); None when nobody is."""
        return self._user

    @property
    def signed_in(self) -> bool:
        return self._user is not None and not self.locked

    @property
    def user(self) -> UserInfo:
        """The signed-in, unlocked cashier; raises `AuthError` otherwise."""
        if self._user is None:
            raise AuthError("请先登录", "please sign in", code="not_signed_in")
        if self.locked:
            raise AuthError("收银机已锁定", "the till is locked", code="locked")
        return self._user

    @property
    def is_manager(self) -> bool:
        return self._user is not None and self._user.role in MANAGER_ROLES

    def approve(self, action: Action, manager_code: str, manager_pin: str) -> Approval:
        """A manager's PIN for `action` (checked offline); recorded in the audit log."""
        manager = self._check(manager_code, manager_pin)
        if manager.role not in MANAGER_ROLES:
            audit(self.store, "approval_refused", cashier_id=self._user.id if self._user else None,
                  approved_by=manager.id, detail={"action": action.value})
            raise AuthError("该工号没有授权权限", "this user cannot approve", code="not_manager")
        audit(self.store, "approval", cashier_id=self._user.id if self._user else None,
              approved_by=manager.id, detail={"action": action.value})
        return Approval(action=action, manager_id=manager.id, at=utcnow())

    def require(self, action: Action, approval: Approval | None) -> int | None:
        """Check `action` is allowed now; returns the approving manager's id (None when the
        signed-in user is a manager). Raises `ApprovalRequired` when a manager's PIN is needed."""
        user = self.user
        if approval is not None:
            if approval.action is not action or utcnow() - approval.at > APPROVAL_TTL:
                raise ApprovalRequired(ACTION_NAMES_ZH[action])
            return approval.manager_id
        if user.role in MANAGER_ROLES:
            return user.id
        raise ApprovalRequired(ACTION_NAMES_ZH[action])

    def authorise(self, action: Action, approval: Approval | None) -> int:
        """Like `require`, for manager-only looks that need no cashier at the till (a manager may
        walk up to a signed-out till, e.g. to see the quarantined events): the approving manager's
        id; raises `ApprovalRequired` unless a manager approved or is the one signed in."""
        if approval is not None:
            if approval.action is not action or utcnow() - approval.at > APPROVAL_TTL:
                raise ApprovalRequired(ACTION_NAMES_ZH[action])
            return approval.manager_id
        if self.signed_in and self.is_manager:
            return self.user.id
        raise ApprovalRequired(ACTION_NAMES_ZH[action])
