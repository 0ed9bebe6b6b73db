"""User administration: who may create whom, password and PIN rules, uniqueness.

Head office (users.write without a store) manages everyone except that only an admin makes
admins; a store manager manages the cashiers of their own store only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from central.auth.passwords import hash_password
from central.auth.principal import Principal, UserPrincipal
from central.auth.roles import STORE_SCOPED_ROLES, Role
from central.auth.service import revoke_user_tokens
from central.errors import Forbidden, Invalid, not_found
from central.org.models import Store
from central.unique import ensure_unique
from central.users.models import User
from sync.pins import MANAGER_PIN_MIN_DIGITS, MANAGER_ROLES, pin_problem

MIN_PASSWORD = 8


def get_user(session: Session, user_id: int, who: Principal | None = None) -> User:
    user = session.get(User, user_id)
    if user is None or (who is not None and who.store_id is not None and user.store_id != who.store_id):
        raise not_found("用户", "user", "user_id", user_id)
    return user


def _check_may_manage(who: Principal | None, role: Role, store_id: int | None) -> None:
    if who is None:
        return  # commands and demo data run as the system
    if role is Role.ADMIN and not (isinstance(who, UserPrincipal) and who.role is Role.ADMIN):
        raise Forbidden("只有系统管理员可以管理管理员账号", "only an admin may manage admins",
                        code="permission_denied", field="role")
    if who.store_id is not None:
        if role is not Role.CASHIER:
            raise Forbidden("店长只能管理本店收银员", "a store manager manages only cashiers of the store",
                            code="permission_denied", field="role")
        who.check_store(store_id)


def _check_secrets(password: str | None, pin: str | None, role: Role) -> None:
    if password is not None and len(password) < MIN_PASSWORD:
        raise Invalid(f"密码至少 {MIN_PASSWORD} 位", f"the password needs at least {MIN_PASSWORD} characters",
                      code="weak_password", field="password")
    if pin is not None:
        problem = pin_problem(pin, role.value)
        if problem is not None:
            raise Invalid(problem[0], problem[1], code="invalid_pin", field="pin")


def _check_unique(session: Session, *, username: str | None, staff_code: str | None,
                  exclude_id: int | None = None) -> None:
    for column, value, field in ((User.username, username, "username"), (User.staff_code, staff_code, "staff_code")):
        if value is None:
            continue
        ensure_unique(session, column, value, field, exclude_id=exclude_id)


def _check_store(session: Session, role: Role, store_id: int | None) -> None:
    if role in STORE_SCOPED_ROLES and store_id is None:
        raise Invalid("店长和收银员必须属于一个门店", "store managers and cashiers belong to a store",
                      code="store_required", field="store_id")
    if store_id is not None and session.get(Store, store_id) is None:
        raise not_found("门店", "store", "store_id", store_id)


def create_user(session: Session, who: Principal | None, *, username: str, display_name: str, role: Role,
                store_id: int | None = None, staff_code: str | None = None, phone: str | None = None,
                password: str | None = None, pin: str | None = None, active: bool = True) -> User:
    """A new user; passwords and PINs are stored as argon2 hashes only."""
    _check_may_manage(who, role, store_id)
    _check_store(session, role, store_id)
    _check_secrets(password, pin, role)
    _check_unique(session, username=username, staff_code=staff_code)
    user = User(username=username, display_name=display_name, role=role.value, store_id=store_id,
                staff_code=staff_code, phone=phone, active=active,
                password_hash=hash_password(password) if password else None,
                pin_hash=hash_password(pin) if pin else None)
    session.add(user)
    session.flush()
    return user


def update_user(session: Session, who: Principal | None, user: User, changes: dict[str, Any]) -> User:
    role = Role(changes.get("role") or user.role)
    store_id = changes["store_id"] if "store_id" in changes else user.store_id
    _check_may_manage(who, Role(user.role), user.store_id)
    _check_may_manage(who, role, store_id)
    _check_store(session, role, store_id)
    password, pin = changes.pop("password", None), changes.pop("pin", None)
    _check_secrets(password, pin, role)
    if (pin is None and user.pin_hash is not None and role.value in MANAGER_ROLES
            and user.role not in MANAGER_ROLES):  # the old PIN may be 4 digits: a manager's needs 6
        raise Invalid(f"升为店长或管理员时须同时设置新的 PIN（至少 {MANAGER_PIN_MIN_DIGITS} 位）",
                      f"a new PIN (at least {MANAGER_PIN_MIN_DIGITS} digits) must come with a promotion "
                      "to manager or admin", code="invalid_pin", field="pin")
    _check_unique(session, username=changes.get("username"), staff_code=changes.get("staff_code"),
                  exclude_id=user.id)
    if isinstance(who, UserPrincipal) and who.user_id == user.id and (
            changes.get("active") is False or role is not Role(user.role)):
        raise Invalid("不能停用自己或修改自己的角色", "you cannot disable yourself or change your own role",
                      code="self_change", field="active" if changes.get("active") is False else "role")
    ends_sessions = bool(password) or (changes.get("active") is False and user.active) \
        or role is not Role(user.role) or store_id != user.store_id
    for key, value in changes.items():
        setattr(user, key, value.value if isinstance(value, Role) else value)
    if password:
        user.password_hash = hash_password(password)
    if pin:
        user.pin_hash = hash_password(pin)
    session.flush()
    if ends_sessions:  # a new password, a disabled user, another role or store: every session ends
        revoke_user_tokens(session, user_id=user.id)
    return user
