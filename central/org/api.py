"""Organisation API: organisation, stores, warehouses, terminals, enrolment codes, `POST /enroll`."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from central.api.deps import IdPath, IdQuery, SessionDep
from central.api.gate import body_limit
from central.api.pagination import Page, PageDep, paginate
from central.api.types import changes_of
from central.audit import service as audit
from central.auth.deps import CurrentDevice, require
from central.auth.guesses import GuessGuard
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.db import session_scope
from central.errors import Invalid
from central.org import service
from central.org.models import Store, Terminal, Warehouse
from central.org.schemas import (
    EnrollIn,
    EnrollOut,
    EnrolmentCodeIn,
    EnrolmentCodeOut,
    OrganisationIn,
    OrganisationOut,
    RevokeIn,
    StoreIn,
    StoreOut,
    StorePatch,
    TerminalOut,
    WarehouseIn,
    WarehouseOut,
    WarehousePatch,
)
from central.settings import KiB

router = APIRouter(tags=["organisation 组织"])

Reader = Annotated[Principal, require(P.ORG_READ)]
Writer = Annotated[Principal, require(P.ORG_WRITE, devices=False)]
TerminalAdmin = Annotated[Principal, require(P.TERMINALS_MANAGE, devices=False)]


@router.get("/organisation", response_model=OrganisationOut, summary="公司信息 / the organisation")
def get_organisation(session: SessionDep, _who: Reader) -> object:
    return service.get_organisation(session)


@router.patch("/organisation", response_model=OrganisationOut, summary="修改公司信息")
def patch_organisation(body: OrganisationIn, session: SessionDep, _who: Writer) -> object:
    return service.update_organisation(session, **changes_of(body, required=("name",)))


@router.get("/stores", response_model=Page[StoreOut], summary="门店列表 / stores")
def list_stores(session: SessionDep, who: Reader, page: PageDep,
                active: Annotated[bool | None, Query()] = None) -> object:
    stmt = who.scope(select(Store), Store.id).order_by(Store.code)
    if active is not None:
        stmt = stmt.where(Store.active == active)
    return paginate(session, stmt, page, StoreOut.model_validate)


@router.post("/stores", response_model=StoreOut, status_code=201, summary="新建门店 (含默认仓库)")
def create_store(body: StoreIn, session: SessionDep, who: Writer) -> object:
    store = service.create_store(session, **body.model_dump())
    audit.record(session, actor=who, action="store.create", entity_type="store", entity_id=store.id,
                 after=service.store_settings_image(store))
    return store


@router.get("/stores/{store_id}", response_model=StoreOut, summary="门店详情")
def get_store(store_id: IdPath, session: SessionDep, who: Reader) -> object:
    return service.get_store(session, store_id, who)


@router.patch("/stores/{store_id}", response_model=StoreOut, summary="修改门店")
def patch_store(store_id: IdPath, body: StorePatch, session: SessionDep, who: Writer) -> object:
    """Changes only the fields the body names; audited (who, before, after), e.g. turning on
    `chain_returns` (跨店退货) for the store's tills."""
    store = service.get_store(session, store_id, who)
    before = service.store_settings_image(store)
    service.update_store(session, store, **changes_of(
        body, required=("code", "name", "rounding_mode", "receipt_language", "active", "credit_policy",
                        "allowed_overdue_days", "chain_returns", "void_needs_manager")))
    old, new = audit.changed_fields(before, service.store_settings_image(store))
    if new:
        audit.record(session, actor=who, action="store.update", entity_type="store", entity_id=store.id,
                     before=old, after=new)
    return store


@router.get("/warehouses", response_model=Page[WarehouseOut], summary="仓库列表 / warehouses")
def list_warehouses(session: SessionDep, who: Reader, page: PageDep, store_id: IdQuery = None) -> object:
    stmt = who.scope(select(Warehouse), Warehouse.store_id).order_by(Warehouse.code)
    if store_id is not None:
        stmt = stmt.where(Warehouse.store_id == store_id)
    return paginate(session, stmt, page, WarehouseOut.model_validate)


@router.post("/warehouses", response_model=WarehouseOut, status_code=201, summary="新建仓库")
def create_warehouse(body: WarehouseIn, session: SessionDep, _who: Writer) -> object:
    return service.create_warehouse(session, code=body.code, name=body.name, store_id=body.store_id)


@router.get("/warehouses/{warehouse_id}", response_model=WarehouseOut, summary="仓库详情")
def get_warehouse(warehouse_id: IdPath, session: SessionDep, who: Reader) -> object:
    return service.get_warehouse(session, warehouse_id, who)


@router.patch("/warehouses/{warehouse_id}", response_model=WarehouseOut, summary="修改仓库")
def patch_warehouse(warehouse_id: IdPath, body: WarehousePatch, session: SessionDep, who: Writer) -> object:
    wh = service.get_warehouse(session, warehouse_id, who)
    for key, value in changes_of(body, required=("name", "active")).items():
        setattr(wh, key, value)
    session.flush()
    return wh


@router.get("/terminals", response_model=Page[TerminalOut], summary="终端列表 / terminals")
def list_terminals(session: SessionDep, who: TerminalAdmin, page: PageDep, store_id: IdQuery = None,
                   revoked: Annotated[bool | None, Query()] = None) -> object:
    stmt = who.scope(select(Terminal), Terminal.store_id).order_by(Terminal.id)
    if store_id is not None:
        stmt = stmt.where(Terminal.store_id == store_id)
    if revoked is not None:
        stmt = stmt.where(Terminal.revoked_at.is_not(None) if revoked else Terminal.revoked_at.is_(None))
    return paginate(session, stmt, page, TerminalOut.model_validate)


@router.get("/terminals/{terminal_id}", response_model=TerminalOut, summary="终端详情")
def get_terminal(terminal_id: IdPath, session: SessionDep, who: TerminalAdmin) -> object:
    return service.get_terminal(session, terminal_id, who)


@router.post("/terminals/{terminal_id}/revoke", response_model=TerminalOut, summary="吊销终端凭证 / revoke")
def revoke_terminal(terminal_id: IdPath, body: RevokeIn, session: SessionDep, who: TerminalAdmin) -> object:
    return service.revoke_terminal(session, service.get_terminal(session, terminal_id, who), reason=body.reason)


@router.post("/enrolment-codes", response_model=EnrolmentCodeOut, status_code=201,
             summary="生成终端注册码 / make a one-time enrolment code")
def make_enrolment_code(body: EnrolmentCodeIn, session: SessionDep, who: TerminalAdmin) -> EnrolmentCodeOut:
    code, row = service.make_enrolment_code(session, store_id=body.store_id, kind=body.kind,
                                            rep_user_id=body.rep_user_id, ttl=timedelta(hours=body.ttl_hours),
                                            who=who)
    return EnrolmentCodeOut(code=code, store_id=row.store_id, kind=row.kind, rep_user_id=row.rep_user_id,
                            expires_at=row.expires_at)


@router.post("/enroll", response_model=EnrollOut, status_code=201, openapi_extra=body_limit("enroll", 4 * KiB),
             summary="终端注册 / exchange an enrolment code for a device credential")
def enroll(body: EnrollIn, request: Request) -> EnrollOut:
    """Safe to retry with the same `code` and `nonce` until the code expires and until the terminal first
    uses its credential: the same terminal again, with a new secret (the previous one stops working).
    Wrong, used or spent codes are audited, and an address trying many of them backs off (429)."""
    engine = request.app.state.engine
    address = request.client.host if request.client else None
    guesses: GuessGuard = request.app.state.enrolment_guesses
    guesses.check(address)
    try:
        # a transaction of its own, so that a refusal can be audited in another after it is rolled back
        with session_scope(engine) as session:
            terminal, secret = service.enroll(session, code=body.code, name=body.name, nonce=body.nonce)
            store = service.get_store(session, terminal.store_id)
            return EnrollOut(terminal_id=terminal.id, terminal_code=terminal.code, secret=secret,
                             credential=f"{terminal.id}:{secret}", store_id=store.id, store_code=store.code,
                             store_name=store.name, kind=terminal.kind, rep_id=terminal.rep_user_id)
    except Invalid as exc:
        if exc.code in service.REFUSED_CODES:
            guesses.failed(engine, address=address, secret=body.code, reason=exc.code, entity_type="client",
                           entity_id=address or "?")
        raise


@router.get("/devices/me", response_model=TerminalOut, summary="本终端信息 / the calling terminal")
def device_me(session: SessionDep, device: CurrentDevice) -> object:
    return service.get_terminal(session, device.terminal_id)
