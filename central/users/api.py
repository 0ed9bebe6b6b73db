"""Users API: list, create, read, update (password, PIN, role, store, active)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import or_, select

from central.api.deps import IdPath, IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import OptShort, RefId, Strict, changes_of
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.auth.roles import Role
from central.users import service
from central.users.models import User

router = APIRouter(prefix="/users", tags=["users 用户"])

Reader = Annotated[Principal, require(P.USERS_READ, devices=False)]
Writer = Annotated[Principal, require(P.USERS_WRITE, devices=False)]

Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=32,
                                            pattern=r"^[A-Za-z0-9_.-]+$")]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                               pattern=r"^[^\x00-\x1f\x7f]+$")]
StaffCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16,
                                             pattern=r"^[A-Za-z0-9]+$")]
Password = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Pin = Annotated[str, StringConstraints(min_length=1, max_length=8)]


class UserIn(Strict):
    username: Username
    display_name: DisplayName
    role: Role
    store_id: RefId | None = None
    staff_code: StaffCode | None = None
    phone: OptShort = None
    password: Password | None = None
    pin: Pin | None = None
    active: bool = True


class UserPatch(Strict):
    username: Username | None = None
    display_name: DisplayName | None = None
    role: Role | None = None
    store_id: RefId | None = None
    staff_code: StaffCode | None = None
    phone: OptShort = None
    password: Password | None = None
    pin: Pin | None = None
    active: bool | None = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    store_id: int | None
    staff_code: str | None
    phone: str | None
    active: bool
    has_password: bool
    has_pin: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                   store_id=user.store_id, staff_code=user.staff_code, phone=user.phone, active=user.active,
                   has_password=user.password_hash is not None, has_pin=user.pin_hash is not None,
                   created_at=user.created_at)


@router.get("", response_model=Page[UserOut], summary="用户列表 / users")
def list_users(session: SessionDep, who: Reader, page: PageDep, store_id: IdQuery = None,
               role: Annotated[Role | None, Query()] = None,
               q: Annotated[str | None, Query(max_length=32)] = None,
               active: Annotated[bool | None, Query()] = None) -> object:
    stmt = who.scope(select(User), User.store_id).order_by(User.username)
    if store_id is not None:
        stmt = stmt.where(User.store_id == store_id)
    if role is not None:
        stmt = stmt.where(User.role == role.value)
    if active is not None:
        stmt = stmt.where(User.active == active)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(User.username.ilike(like), User.display_name.ilike(like)))
    return paginate(session, stmt, page, UserOut.of)


@router.post("", response_model=UserOut, status_code=201, summary="新建用户")
def create_user(body: UserIn, session: SessionDep, who: Writer) -> UserOut:
    return UserOut.of(service.create_user(session, who, **body.model_dump()))


@router.get("/{user_id}", response_model=UserOut, summary="用户详情")
def get_user(user_id: IdPath, session: SessionDep, who: Reader) -> UserOut:
    return UserOut.of(service.get_user(session, user_id, who))


@router.patch("/{user_id}", response_model=UserOut, summary="修改用户 (含密码、PIN、停用)")
def patch_user(user_id: IdPath, body: UserPatch, session: SessionDep, who: Writer) -> UserOut:
    user = service.get_user(session, user_id, who)
    changes = changes_of(body, required=("username", "display_name", "role", "active"))
    return UserOut.of(service.update_user(session, who, user, changes))
