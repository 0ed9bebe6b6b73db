"""Vouchers at head office: batches, issuing codes (one or many), voiding, looking one up.

Functions take an open session, flush, and never commit; every change is audited in the same
transaction. A batch is checked by building its wire form (`sync.vouchers.VoucherBatch`), so
head office cannot create what a till could not apply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.audit.service import record
from central.auth.principal import Principal, UserPrincipal
from central.catalog.models import ProductUnit
from central.db import utcnow
from central.errors import Conflict, Invalid, not_found
from central.members.models import Member
from central.org.models import Store
from central.vouchers.models import Voucher, VoucherBatch, VoucherRedemption
from sync.vouchers import VoucherBatch as WireBatch
from sync.vouchers import VoucherInfo, VoucherKind, VoucherStatus, new_code

BATCH_FIELDS = ("code", "name", "kind", "value_fen", "percent_off_bp", "max_off_fen", "min_spend_fen", "product_id",
                "unit_code", "qty", "sale_price_fen", "valid_from", "valid_to", "store_ids", "active", "note")
EDITABLE = frozenset({"name", "valid_from", "valid_to", "store_ids", "active", "note", "min_spend_fen"})
"""What may change after codes are out: not what a voucher is worth (a printed voucher says it)."""

MAX_ISSUE = 10_000
"""Codes issued in one call (a bigger campaign is several batches or several calls)."""


def batch_to_wire(batch: VoucherBatch) -> WireBatch:
    return WireBatch(id=batch.id, code=batch.code, name=batch.name, kind=VoucherKind(batch.kind),
                     value_fen=batch.value_fen, percent_off_bp=batch.percent_off_bp, max_off_fen=batch.max_off_fen,
                     min_spend_fen=batch.min_spend_fen, product_id=batch.product_id, unit_code=batch.unit_code,
                     qty=batch.qty, sale_price_fen=batch.sale_price_fen, valid_from=batch.valid_from,
                     valid_to=batch.valid_to, store_ids=tuple(batch.store_ids or ()), active=batch.active)


def voucher_to_wire(v: Voucher) -> VoucherInfo:
    return VoucherInfo(code=v.code, batch_id=v.batch_id, status=VoucherStatus(v.status), member_id=v.member_id,
                       redeemed_receipt_no=v.redeemed_receipt_no, redeemed_store_id=v.redeemed_store_id,
                       redeemed_at=v.redeemed_at)


def _check_batch(session: Session, values: dict[str, Any]) -> None:
    try:
        WireBatch(id=1, **{k: v for k, v in values.items() if k in BATCH_FIELDS and k != "note"})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or None
        raise Invalid(f"券批次无效：{err['msg']}", f"invalid voucher batch: {err['msg']}", code="bad_voucher_batch",
                      field=where) from None
    if values.get("kind") == VoucherKind.GOODS:
        unit = session.scalar(select(ProductUnit.id).where(ProductUnit.product_id == values["product_id"],
                                                           ProductUnit.code == values["unit_code"]))
        if unit is None:
            raise not_found("商品单位", "product unit", "unit_code", f"{values['product_id']}/{values['unit_code']}")
    stores = sorted(set(values.get("store_ids") or ()))
    if stores:
        known = set(session.scalars(select(Store.id).where(Store.id.in_(stores))))
        missing = [s for s in stores if s not in known]
        if missing:
            raise not_found("门店", "store", "store_ids", missing[0])


def create_batch(session: Session, *, actor: Principal | None, code: str, name: str, kind: str, value_fen: int = 0,
                 percent_off_bp: int = 0, max_off_fen: int | None = None, min_spend_fen: int = 0,
                 product_id: int | None = None, unit_code: str | None = None, qty: int = 1,
                 sale_price_fen: int | None = None, valid_from: datetime | None = None,
                 valid_to: datetime | None = None, store_ids: list[int] | None = None, note: str | None = None
                 ) -> VoucherBatch:
    values: dict[str, Any] = {
        "code": code, "name": name, "kind": kind, "value_fen": value_fen, "percent_off_bp": percent_off_bp,
        "max_off_fen": max_off_fen, "min_spend_fen": min_spend_fen, "product_id": product_id, "unit_code": unit_code,
        "qty": qty, "sale_price_fen": sale_price_fen, "valid_from": valid_from, "valid_to": valid_to,
        "store_ids": sorted(set(store_ids or ())), "active": True, "note": note}
    _check_batch(session, values)
    if session.scalar(select(VoucherBatch.id).where(VoucherBatch.code == code)) is not None:
        raise Conflict(f"券批次编号已存在：{code}", f"voucher batch code already used: {code}", code="duplicate",
                       field="code")
    batch = VoucherBatch(**values, created_by=actor.user_id if isinstance(actor, UserPrincipal) else None)
    session.add(batch)
    session.flush()
    if batch.id >= 100_000:
        raise Invalid("券批次编号超出范围", "too many voucher batches for the code format", code="batch_id_range")
    record(session, actor=actor, action="voucher_batch.create", entity_type="voucher_batch", entity_id=batch.id,
           after=values)
    return batch


def get_batch(session: Session, batch_id: int) -> VoucherBatch:
    batch = session.get(VoucherBatch, batch_id)
    if batch is None:
        raise not_found("券批次", "voucher batch", "id", batch_id)
    return batch


def update_batch(session: Session, batch: VoucherBatch, changes: dict[str, Any], *,
                 actor: Principal | None) -> VoucherBatch:
    fixed = sorted(set(changes) - EDITABLE)
    if fixed:
        raise Invalid(f"券发出后不能修改 {fixed[0]}，请新建批次", f"{fixed[0]} cannot change once vouchers are out: "
                      "make a new batch", code="voucher_batch_fixed", field=fixed[0])
    before = {k: getattr(batch, k) for k in BATCH_FIELDS}
    values = {**before, **changes}
    if "store_ids" in changes:
        values["store_ids"] = sorted(set(changes["store_ids"] or ()))
    _check_batch(session, values)
    for k in changes:
        setattr(batch, k, values[k])
    session.flush()
    if "store_ids" in changes:  # its vouchers go where the batch goes: their feed rows move with it
        from central.syncing.feed import touch
        from sync.master import Entity

        touch(session, Entity.VOUCHER, session.scalars(select(Voucher.code).where(Voucher.batch_id == batch.id)))
    record(session, actor=actor, action="voucher_batch.update", entity_type="voucher_batch", entity_id=batch.id,
           before={k: before[k] for k in changes}, after={k: values[k] for k in changes})
    return batch


def issue(session: Session, batch: VoucherBatch, *, count: int = 1, member_id: str | None = None,
          code: str | None = None, actor: Principal | None) -> list[Voucher]:
    """Issue `count` new codes of the batch (or one chosen `code`), optionally to one member.

    Pre-sold batches' codes start `unsold` (a till activates each when it sells it); others start
    `active`. Codes are random (`sync.vouchers.new_code`); the unique key on the code is the
    judge, and a rare clash is simply drawn again."""
    if not batch.active:
        raise Invalid("券批次已停用，不能再发券", "the batch is inactive: no more codes", code="voucher_batch_inactive")
    if not 1 <= count <= MAX_ISSUE:
        raise Invalid(f"一次发券 1–{MAX_ISSUE} 张", f"issue 1–{MAX_ISSUE} codes at a time", code="issue_count",
                      field="count")
    if code is not None and count != 1:
        raise Invalid("指定券号时只能发一张", "a chosen code issues one voucher", code="issue_count", field="count")
    if member_id is not None and session.get(Member, member_id) is None:
        raise not_found("会员", "member", "member_id", member_id)
    if code is not None and session.scalar(select(Voucher.id).where(Voucher.code == code)) is not None:
        raise Conflict(f"券号已存在：{code}", f"voucher code already used: {code}", code="duplicate", field="code")
    status = VoucherStatus.UNSOLD if batch.sale_price_fen is not None else VoucherStatus.ACTIVE
    codes: set[str] = {code} if code is not None else set()
    while len(codes) < count:
        codes |= {new_code(batch.id) for _ in range(count - len(codes))}
        taken = set(session.scalars(select(Voucher.code).where(Voucher.code.in_(sorted(codes)))))
        codes -= taken
    now = utcnow()
    vouchers = [Voucher(code=c, batch_id=batch.id, status=status.value, member_id=member_id, issued_at=now)
                for c in sorted(codes)]
    session.add_all(vouchers)
    batch.issued_count += len(vouchers)
    session.flush()
    record(session, actor=actor, action="voucher_batch.issue", entity_type="voucher_batch", entity_id=batch.id,
           after={"count": len(vouchers), "member_id": member_id, "status": status.value,
                  "codes": [v.code for v in vouchers[:20]]})
    return vouchers


def get_voucher(session: Session, code: str, *, for_update: bool = False) -> Voucher:
    v = session.scalar(select(Voucher).where(Voucher.code == code).with_for_update(of=Voucher) if for_update
                       else select(Voucher).where(Voucher.code == code))
    if v is None:
        raise not_found("券", "voucher", "code", code)
    return v


def redemptions(session: Session, voucher_code: str) -> list[VoucherRedemption]:
    return list(session.scalars(select(VoucherRedemption).where(VoucherRedemption.code == voucher_code)
                                .order_by(VoucherRedemption.received_at, VoucherRedemption.id)))


def void(session: Session, voucher: Voucher, *, reason: str, actor: Principal | None) -> Voucher:
    """Withdraw a voucher not used yet (lost, issued by mistake); the reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("作废券必须说明原因", "say why the voucher is withdrawn (reason)", code="reason_required",
                      field="reason")
    if voucher.status not in (VoucherStatus.ACTIVE, VoucherStatus.UNSOLD):
        raise Invalid(f"此券状态为 {voucher.status}，不能作废", f"a {voucher.status} voucher cannot be withdrawn",
                      code="voucher_not_voidable")
    before = voucher.status
    voucher.status = VoucherStatus.VOID.value
    voucher.void_reason = reason[:200]
    session.flush()
    record(session, actor=actor, action="voucher.void", entity_type="voucher", entity_id=voucher.code,
           before={"status": before}, after={"status": voucher.status}, reason=reason)
    return voucher
