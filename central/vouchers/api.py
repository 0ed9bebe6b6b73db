"""Vouchers API: batches, issuing codes, looking a code up (tills too), voiding."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from sqlalchemy import select

from central.api.deps import IdPath, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import changes_of
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.errors import Forbidden
from central.vouchers import service
from central.vouchers.models import Voucher, VoucherBatch
from central.vouchers.schemas import (
    BatchIn,
    BatchOut,
    BatchPatch,
    IssueIn,
    IssueOut,
    RedemptionOut,
    VoidIn,
    VoucherDetailOut,
    VoucherOut,
)

router = APIRouter(tags=["vouchers 券"])

Reader = Annotated[Principal, require(P.VOUCHERS_READ)]
Writer = Annotated[Principal, require(P.VOUCHERS_WRITE, devices=False)]
CodePath = Annotated[str, Path(min_length=4, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]


def _check_batch_store(who: Principal, batch: VoucherBatch) -> None:
    """A store-confined caller sees only batches usable at its store."""
    if who.store_id is not None and batch.store_ids and who.store_id not in batch.store_ids:
        raise Forbidden("此券不能在本店使用", "this voucher is not for this store", code="other_store")


@router.get("/voucher-batches", response_model=Page[BatchOut], summary="券批次 / voucher batches")
def list_batches(session: SessionDep, _who: Reader, page: PageDep,
                 active: Annotated[bool | None, Query()] = None,
                 kind: Annotated[Literal["value", "percent", "goods"] | None, Query()] = None) -> object:
    stmt = select(VoucherBatch).order_by(VoucherBatch.id.desc())
    if active is not None:
        stmt = stmt.where(VoucherBatch.active.is_(active))
    if kind is not None:
        stmt = stmt.where(VoucherBatch.kind == kind)
    return paginate(session, stmt, page, BatchOut.model_validate)


@router.post("/voucher-batches", response_model=BatchOut, status_code=201, summary="新券批次 / new batch")
def create_batch(body: BatchIn, session: SessionDep, who: Writer) -> object:
    return service.create_batch(session, actor=who, **body.model_dump())


@router.get("/voucher-batches/{batch_id}", response_model=BatchOut, summary="券批次详情")
def get_batch(batch_id: IdPath, session: SessionDep, who: Reader) -> object:
    batch = service.get_batch(session, batch_id)
    _check_batch_store(who, batch)
    return batch


@router.patch("/voucher-batches/{batch_id}", response_model=BatchOut, summary="修改券批次（名称、有效期、门店、停用）")
def patch_batch(batch_id: IdPath, body: BatchPatch, session: SessionDep, who: Writer) -> object:
    batch = service.get_batch(session, batch_id)
    return service.update_batch(session, batch, changes_of(body, required=("name", "store_ids", "active",
                                                                            "min_spend_fen")), actor=who)


@router.post("/voucher-batches/{batch_id}/issue", response_model=IssueOut, status_code=201,
             summary="发券 / issue codes (one or many)")
def issue(batch_id: IdPath, body: IssueIn, session: SessionDep, who: Writer) -> IssueOut:
    batch = service.get_batch(session, batch_id)
    vouchers = service.issue(session, batch, count=body.count, member_id=body.member_id, code=body.code, actor=who)
    return IssueOut(batch_id=batch.id, count=len(vouchers), codes=[v.code for v in vouchers])


@router.get("/voucher-batches/{batch_id}/vouchers", response_model=Page[VoucherOut], summary="批次的券 / codes")
def batch_vouchers(batch_id: IdPath, session: SessionDep, who: Reader, page: PageDep,
                   status: Annotated[Literal["unsold", "active", "redeemed", "void"] | None, Query()] = None) -> object:
    _check_batch_store(who, service.get_batch(session, batch_id))
    stmt = select(Voucher).where(Voucher.batch_id == batch_id).order_by(Voucher.id)
    if status is not None:
        stmt = stmt.where(Voucher.status == status)
    return paginate(session, stmt, page, VoucherOut.model_validate)


@router.get("/vouchers/{code}", response_model=VoucherDetailOut, summary="查券 / a voucher, its batch and its uses")
def get_voucher(code: CodePath, session: SessionDep, who: Reader) -> VoucherDetailOut:
    voucher = service.get_voucher(session, code)
    batch = service.get_batch(session, voucher.batch_id)
    _check_batch_store(who, batch)
    return VoucherDetailOut(voucher=VoucherOut.model_validate(voucher), batch=BatchOut.model_validate(batch),
                            redemptions=[RedemptionOut.model_validate(r) for r in service.redemptions(session, code)])


@router.post("/vouchers/{code}/void", response_model=VoucherOut, summary="作废券 / withdraw a voucher")
def void_voucher(code: CodePath, body: VoidIn, session: SessionDep, who: Writer) -> object:
    voucher = service.get_voucher(session, code, for_update=True)
    return service.void(session, voucher, reason=body.reason, actor=who)
