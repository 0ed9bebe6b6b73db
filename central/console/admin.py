"""Users, roles, stores and warehouses. Users through `central.users.service` (who may manage whom: only an
admin makes admins, a store manager manages their own store's cashiers), stores and warehouses
through `central.org.service`, with the API's request schemas (`UserIn`, `UserPatch`, `StoreIn`,
`StorePatch`, `WarehouseIn`, `WarehousePatch`). Passwords and PINs are never shown or audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from central.api.deps import SessionDep
from central.api.types import changes_of
from central.auth.roles import ROLE_NAMES_ZH, Role
from central.auth.roles import Permission as P
from central.console.audit_view import record_change, trail
from central.console.exporting import ListExport, export_url, list_page, wants_export
from central.console.i18n import register
from central.console.listing import Listing, Sort
from central.console.web import (
    NAV,
    ConsoleRoute,
    FormErrors,
    NavItem,
    OptionalId,
    OptionalText,
    Viewer,
    form_errors,
    page,
    render,
)
from central.errors import DomainError
from central.excel import Column, Kind
from central.org import service as org
from central.org.models import Store, Terminal, Warehouse
from central.org.schemas import StoreIn, StorePatch, WarehouseIn, WarehousePatch
from central.users import service
from central.users.api import UserIn, UserPatch
from central.users.models import User

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/admin/users", "用户与门店", (P.USERS_READ,), prefix="/admin", order=90))
Reader = Annotated[Viewer, page(P.USERS_READ, P.ORG_READ)]
UserWriter = Annotated[Viewer, page(P.USERS_READ, P.USERS_WRITE)]
OrgWriter = Annotated[Viewer, page(P.USERS_READ, P.ORG_READ, P.ORG_WRITE)]
ROUNDING_MODES = ("none", "jiao_down", "jiao_half_up", "yuan_down", "yuan_half_up")

register({
    "用户": "Users", "门店|tab": "Stores", "仓库|tab": "Warehouses", "用户名": "Username", "显示名": "Display name",
    "工号": "Staff code", "新密码（留空不改）": "New password (empty: unchanged)", "新 PIN（留空不改）": "New PIN (empty: unchanged)",
    "全部角色": "All roles", "新建用户": "New user", "修改用户": "Edit user", "新建门店": "New store", "修改门店": "Edit store",
    "新建仓库": "New warehouse", "修改仓库": "Edit warehouse", "抹零": "Rounding", "小票抬头": "Receipt header",
    "小票结尾": "Receipt footer", "小票语言": "Receipt language", "中央仓（不属于门店）": "Central (no store)",
    "用户数": "Users", "终端数": "Terminals", "密码": "Password", "有": "set", "无密码": "none",
    "不抹零": "No rounding", "抹角（向下）": "Drop jiao (down)", "角四舍五入": "Round jiao", "抹元（向下）": "Drop yuan (down)",
    "元四舍五入": "Round yuan", "英文名": "English name",
    "允许跨店退货（本店收银台可退其他门店的小票）": "Chain-wide returns (this store's tills take back other stores' receipts)",
    "跨店退货": "Chain-wide returns",
})
ROUNDING_NAMES = {"none": "不抹零", "jiao_down": "抹角（向下）", "jiao_half_up": "角四舍五入", "yuan_down": "抹元（向下）",
                  "yuan_half_up": "元四舍五入"}

USERS = Listing(sorts=[Sort("username", "用户名", User.username), Sort("name", "显示名", User.display_name)],
                tiebreak=User.id, default_sort="username")


def _stores(session: Session, viewer: Viewer) -> list[tuple[int, str]]:
    stmt = select(Store.id, Store.name).order_by(Store.code)
    if viewer.principal.store_id is not None:
        stmt = stmt.where(Store.id == viewer.principal.store_id)
    return [(i, n) for i, n in session.execute(stmt)]


def _roles(viewer: Viewer) -> list[tuple[str, str]]:
    return [(r.value, viewer.t(ROLE_NAMES_ZH[r])) for r in Role]


@router.get("/admin/users")
def users(request: Request, viewer: Reader, session: SessionDep, q: OptionalText = None, role: OptionalText = None,
          store_id: OptionalId = None, edit: OptionalId = None) -> Response:
    stmt = select(User)
    if viewer.principal.store_id is not None:
        stmt = stmt.where(User.store_id == viewer.principal.store_id)
    if q:
        stmt = stmt.where(or_(User.username.ilike(f"%{q}%"), User.display_name.ilike(f"%{q}%"),
                              User.staff_code == q))
    if role:
        stmt = stmt.where(User.role == role)
    if store_id is not None:
        stmt = stmt.where(User.store_id == store_id)
    values: dict[str, Any] = {"role": "cashier", "active": True}
    if edit is not None and not wants_export(request):
        u = service.get_user(session, edit, viewer.principal)
        values = {"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role,
                  "store_id": u.store_id, "staff_code": u.staff_code, "phone": u.phone, "active": u.active}
    stores = dict(session.execute(select(Store.id, Store.name)).all())
    roles = {r.value: viewer.t(ROLE_NAMES_ZH[r]) for r in Role}

    def cells(u: User) -> list[Any]:
        return [u.username, u.display_name, roles.get(u.role, u.role), stores.get(u.store_id or 0), u.staff_code,
                u.phone, u.active]

    return list_page(request, viewer, session, USERS, stmt, export=USER_EXPORT, cells=cells,
                     render_with=lambda result, url: _users_page(request, viewer, session, result, values, FormErrors(),
                                                                 q=q or "", role=role or "", store_id=store_id,
                                                                 export_url=url))


USER_EXPORT = ListExport("用户", "Users", [
    Column("用户名", "Username"), Column("显示名", "Name"), Column("角色", "Role"), Column("门店", "Store"),
    Column("工号", "Staff code"), Column("手机号", "Phone"), Column("启用", "Active", Kind.BOOL)])


def _users_page(request: Request, viewer: Viewer, session: Session, result: Any, values: dict[str, Any],
                errors: FormErrors, **filters: Any) -> Response:
    return render(request, viewer, "admin/users.html", page=result, values=values, errors=errors,
                  stores=_stores(session, viewer), store_names=dict(session.execute(select(Store.id, Store.name)).all()),
                  roles=_roles(viewer), role_names={r.value: viewer.t(ROLE_NAMES_ZH[r]) for r in Role},
                  can_write=viewer.can(P.USERS_WRITE), can_org=viewer.can(P.ORG_WRITE),
                  trail=trail(session, "user", values["id"]) if values.get("id") else [],
                  flash_ok=viewer.t("已保存") if request.query_params.get("saved") else None, **filters)


def _user_image(u: User) -> dict[str, Any]:
    return {"username": u.username, "display_name": u.display_name, "role": u.role, "store_id": u.store_id,
            "staff_code": u.staff_code, "phone": u.phone, "active": u.active}


@router.post("/admin/users")
async def save_user(request: Request, viewer: UserWriter, session: SessionDep) -> Response:
    form = await request.form()
    data: dict[str, Any] = {k: (str(form.get(k) or "").strip() or None)
                            for k in ("username", "display_name", "role", "store_id", "staff_code", "phone")}
    data["active"] = form.get("active") == "on"
    secrets = {k: str(form.get(k) or "") or None for k in ("password", "pin")}
    user_id = str(form.get("id") or "")
    try:
        if user_id.isdigit():
            user = service.get_user(session, int(user_id), viewer.principal)
            before = _user_image(user)
            body = UserPatch.model_validate({**data, **{k: v for k, v in secrets.items() if v}})
            service.update_user(session, viewer.principal, user,
                                changes_of(body, required=("username", "display_name", "role", "active")))
            after = _user_image(user)
            after.update({k: "（已更改 / changed）" for k, v in secrets.items() if v})
            record_change(session, viewer, request, action="user.update", entity_type="user", entity_id=user.id,
                          before=before, after=after)
        else:
            body_in = UserIn.model_validate({**{k: v for k, v in data.items() if v is not None},
                                             **{k: v for k, v in secrets.items() if v}})
            user = service.create_user(session, viewer.principal, **body_in.model_dump())
            record_change(session, viewer, request, action="user.create", entity_type="user", entity_id=user.id,
                          before=None, after=_user_image(user))
    except (ValidationError, DomainError) as exc:
        session.rollback()
        result = USERS.page(session, select(User).where(
            User.store_id == viewer.principal.store_id) if viewer.principal.store_id else select(User),
            USERS.params(request))
        values = {**data, "id": int(user_id) if user_id.isdigit() else None}
        return _users_page(request, viewer, session, result, values, form_errors(viewer.locale, exc), q="", role="",
                           store_id=None)
    return RedirectResponse("/admin/users?saved=1", status_code=303)


# ---------------------------------------------------------------- stores


STORE_EXPORT = ListExport("门店", "Stores", [
    Column("编码", "Code"), Column("名称", "Name"), Column("英文名", "English name"), Column("地址", "Address", width=30),
    Column("电话", "Phone"), Column("抹零", "Rounding"), Column("用户数", "Users", Kind.INT),
    Column("终端数", "Terminals", Kind.INT), Column("启用", "Active", Kind.BOOL)])


@router.get("/admin/stores")
def stores(request: Request, viewer: Reader, session: SessionDep, edit: OptionalId = None) -> Response:
    return _stores_page(request, viewer, session, _store_values(session, viewer, edit), FormErrors())


def _store_values(session: Session, viewer: Viewer, edit: int | None) -> dict[str, Any]:
    if edit is None:
        return {"rounding_mode": "none", "receipt_language": "zh-CN", "chain_returns": False, "active": True}
    s = org.get_store(session, edit, viewer.principal)
    return {"id": s.id, "code": s.code, "name": s.name, "name_en": s.name_en, "address": s.address, "phone": s.phone,
            "rounding_mode": s.rounding_mode, "receipt_header": s.receipt_header, "receipt_footer": s.receipt_footer,
            "receipt_language": s.receipt_language, "chain_returns": s.chain_returns, "active": s.active}


def _stores_page(request: Request, viewer: Viewer, session: Session, values: dict[str, Any],
                 errors: FormErrors) -> Response:
    stmt = select(Store).order_by(Store.code)
    if viewer.principal.store_id is not None:
        stmt = stmt.where(Store.id == viewer.principal.store_id)
    rows = session.scalars(stmt).all()
    users_per = dict(session.execute(select(User.store_id, func.count()).group_by(User.store_id)).all())
    terminals_per = dict(session.execute(select(Terminal.store_id, func.count()).where(
        Terminal.revoked_at.is_(None)).group_by(Terminal.store_id)).all())
    if wants_export(request) and not errors.fields and not errors.general:
        return STORE_EXPORT.response(viewer, ([s.code, s.name, s.name_en, s.address, s.phone,
                                               viewer.t(ROUNDING_NAMES.get(s.rounding_mode, s.rounding_mode)),
                                               users_per.get(s.id, 0), terminals_per.get(s.id, 0), s.active]
                                              for s in rows))
    return render(request, viewer, "admin/stores.html", rows=rows, values=values, errors=errors,
                  export_url=export_url(request),
                  users_per=users_per, terminals_per=terminals_per,
                  rounding=[(m, viewer.t(ROUNDING_NAMES[m])) for m in ROUNDING_MODES],
                  can_org=viewer.can(P.ORG_WRITE), trail=trail(session, "store", values["id"]) if values.get("id") else [],
                  flash_ok=viewer.t("已保存") if request.query_params.get("saved") else None)


STORE_FIELDS = ("code", "name", "name_en", "address", "phone", "rounding_mode", "receipt_header", "receipt_footer",
                "receipt_language")


@router.post("/admin/stores")
async def save_store(request: Request, viewer: OrgWriter, session: SessionDep) -> Response:
    form = await request.form()
    data: dict[str, Any] = {k: (str(form.get(k) or "").strip() or None) for k in STORE_FIELDS}
    store_id = str(form.get("id") or "")
    chain_returns = form.get("chain_returns") == "on"  # an unticked box is not sent: off
    try:
        if store_id.isdigit():
            store = org.get_store(session, int(store_id), viewer.principal)
            before = {k: getattr(store, k) for k in (*STORE_FIELDS, "chain_returns", "active")}
            body = StorePatch.model_validate({**data, "chain_returns": chain_returns,
                                              "active": form.get("active") == "on"})
            org.update_store(session, store, **changes_of(body, required=("code", "name", "rounding_mode",
                                                                          "receipt_language", "chain_returns",
                                                                          "active")))
            record_change(session, viewer, request, action="store.update", entity_type="store", entity_id=store.id,
                          before=before,
                          after={k: getattr(store, k) for k in (*STORE_FIELDS, "chain_returns", "active")})
        else:
            body_in = StoreIn.model_validate({**{k: v for k, v in data.items() if v is not None},
                                              "chain_returns": chain_returns})
            store = org.create_store(session, **body_in.model_dump())
            record_change(session, viewer, request, action="store.create", entity_type="store", entity_id=store.id,
                          before=None, after=body_in.model_dump())
    except (ValidationError, DomainError) as exc:
        session.rollback()
        return _stores_page(request, viewer, session, {**data, "chain_returns": chain_returns,
                                                       "id": int(store_id) if store_id.isdigit() else None},
                            form_errors(viewer.locale, exc))
    return RedirectResponse("/admin/stores?saved=1", status_code=303)


# ---------------------------------------------------------------- warehouses

WAREHOUSES = Listing(sorts=[Sort("code", "编码", Warehouse.code)], tiebreak=Warehouse.id, default_sort="code")


@router.get("/admin/warehouses")
def warehouses(request: Request, viewer: Reader, session: SessionDep, edit: OptionalId = None) -> Response:
    values: dict[str, Any] = {"active": True}
    if edit is not None:
        w = org.get_warehouse(session, edit, viewer.principal)
        values = {"id": w.id, "code": w.code, "name": w.name, "store_id": w.store_id, "active": w.active}
    return _warehouses_page(request, viewer, session, values, FormErrors())


def _warehouses_page(request: Request, viewer: Viewer, session: Session, values: dict[str, Any],
                     errors: FormErrors) -> Response:
    stmt = select(Warehouse)
    if viewer.principal.store_id is not None:
        stmt = stmt.where(Warehouse.store_id == viewer.principal.store_id)
    store_names = dict(session.execute(select(Store.id, Store.name)).all())

    def cells(w: Warehouse) -> list[Any]:
        return [w.code, w.name, store_names.get(w.store_id or 0, viewer.t("中央仓（不属于门店）")), w.active]

    return list_page(request, viewer, session, WAREHOUSES, stmt, export=WAREHOUSE_EXPORT, cells=cells,
                     template="admin/warehouses.html", values=values, errors=errors, stores=_stores(session, viewer),
                     store_names=store_names, can_org=viewer.can(P.ORG_WRITE),
                     flash_ok=viewer.t("已保存") if request.query_params.get("saved") else None)


WAREHOUSE_EXPORT = ListExport("仓库", "Warehouses", [
    Column("编码", "Code"), Column("名称", "Name"), Column("门店", "Store"), Column("启用", "Active", Kind.BOOL)])


@router.post("/admin/warehouses")
async def save_warehouse(request: Request, viewer: OrgWriter, session: SessionDep) -> Response:
    form = await request.form()
    data: dict[str, Any] = {k: (str(form.get(k) or "").strip() or None) for k in ("code", "name", "store_id")}
    warehouse_id = str(form.get("id") or "")
    try:
        if warehouse_id.isdigit():
            wh = org.get_warehouse(session, int(warehouse_id), viewer.principal)
            before = {"name": wh.name, "active": wh.active}
            body = WarehousePatch.model_validate({"name": data["name"], "active": form.get("active") == "on"})
            for key, value in changes_of(body, required=("name", "active")).items():
                setattr(wh, key, value)
            session.flush()
            record_change(session, viewer, request, action="warehouse.update", entity_type="warehouse",
                          entity_id=wh.id, before=before, after={"name": wh.name, "active": wh.active})
        else:
            body_in = WarehouseIn.model_validate({k: v for k, v in data.items() if v is not None})
            viewer.principal.check_store(body_in.store_id)
            wh = org.create_warehouse(session, code=body_in.code, name=body_in.name, store_id=body_in.store_id)
            record_change(session, viewer, request, action="warehouse.create", entity_type="warehouse",
                          entity_id=wh.id, before=None, after=body_in.model_dump())
    except (ValidationError, DomainError) as exc:
        session.rollback()
        return _warehouses_page(request, viewer, session,
                                {**data, "id": int(warehouse_id) if warehouse_id.isdigit() else None},
                                form_errors(viewer.locale, exc))
    return RedirectResponse("/admin/warehouses?saved=1", status_code=303)

