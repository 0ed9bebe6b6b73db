"""Receipt lookup for returns at another till: `GET /api/v1/sales/by-receipt/{receipt_no}`.

A till can return offline only what it sold itself; a receipt from another till of the same store
is fetched here (read-only) and the till runs its usual return rules on it. Devices only, and only
their own store's receipts unless head office lets the store take back other stores' receipts
(`stores.chain_returns`, 跨店退货): otherwise another store's receipt is refused with 403
`return_other_store` saying just that (no sale content), so the cashier can send the customer to
the store that sold it.

Over-refunding across tills is refused by central, not here: `central.sales.ingest.
apply_sale_returned` rejects (→ quarantine) a `sale.returned` whose quantities exceed what was sold
minus what every till already returned, or whose money exceeds what the sale took. The lookup
only lets a till see what central knew at that moment.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.api.deps import SessionDep
from central.auth.deps import CurrentDevice
from central.catalog.models import Product
from central.errors import Forbidden, NotFound
from central.org.models import Store
from central.sales.models import ReturnLine, ReturnRefund, Sale, SaleLine, SalePayment, SaleReturn
from sync.events import PaymentPayload, SaleCompleted, SaleLinePayload, Tender, points_value_from_discounts
from sync.protocol import MIN_PROTOCOL_VERSION, PROTOCOL_HEADER, SALE_FACTS_PROTOCOL
from sync.quantity import from_milli

router = APIRouter(tags=["sales 销售"])

ReceiptNo = Annotated[str, Path(min_length=1, max_length=40)]

OTHER_STORE_ZH = "小票 {receipt} 是其他门店的小票，本店未开通跨店退货，请到原门店办理退货"
OTHER_STORE_EN = ("receipt {receipt} was sold by another store and this store does not take back other stores' "
                  "receipts (chain-wide returns are off): return it at the store that sold it")


class LineReturned(BaseModel):
    """How much of one original line has been returned so far (every till)."""

    line_no: int
    qty: Decimal
    amount_fen: int


class ReturnedLine(BaseModel):
    original_line_no: int
    qty: Decimal
    amount_fen: int


class ReturnedRefund(BaseModel):
    tender: str
    amount_fen: int


class PastReturn(BaseModel):
    """A return central already recorded against the sale (the till merges these by return_id)."""

    return_id: str
    receipt_no: str
    terminal_id: int
    returned_at: datetime
    total_fen: int
    points_reversed: int
    points_refunded: int
    lines: list[ReturnedLine]
    refunds: list[ReturnedRefund]


class ReceiptLookup(BaseModel):
    sale: SaleCompleted
    """The sale as central stored it, in the wire form of `sale.completed`."""
    returned: list[LineReturned]
    returns: list[PastReturn]


def _unknown(receipt_no: str) -> NotFound:
    return NotFound(f"小票不存在：{receipt_no}", f"no receipt {receipt_no}", code="receipt_not_found",
                    field="receipt_no")


def _qty(qty_m: int, weighed: bool) -> Decimal:
    """Pieces as whole numbers ("2"), weights with 3 places ("2.000"), as the tills write them."""
    return from_milli(qty_m, weighed=weighed)


PROTOCOL_4_FIELDS: dict[str, Any] = {"sale": {"points_value_fen": True, "lines": {"__all__": {"weighed"}}}}
"""What a till older than `SALE_FACTS_PROTOCOL` does not know: its `SaleCompleted` refuses unknown fields."""


def _speaks(request: Request) -> int:
    """The protocol the calling till says it speaks (`X-POS-Protocol`); a till that says nothing is
    taken as the oldest, so it is never sent a field it could refuse."""
    value = request.headers.get(PROTOCOL_HEADER, "")
    return int(value) if value.isdigit() else MIN_PROTOCOL_VERSION


@router.get("/sales/by-receipt/{receipt_no}", response_model=ReceiptLookup)
def sale_by_receipt(receipt_no: ReceiptNo, device: CurrentDevice, session: SessionDep,
                    request: Request) -> ReceiptLookup | JSONResponse:
    """The sale with this receipt number, if it belongs to the calling terminal's store (or to any
    store, when head office allows chain-wide returns at the terminal's store), in the form the
    calling till's protocol reads."""
    found = _lookup(receipt_no, device.store_id, session)
    if _speaks(request) < SALE_FACTS_PROTOCOL:
        return JSONResponse(found.model_dump(mode="json", exclude=PROTOCOL_4_FIELDS))
    return found


def _lookup(receipt_no: str, store_id: int | None, session: Session) -> ReceiptLookup:
    sale = session.scalar(select(Sale).where(Sale.receipt_no == receipt_no.strip()))
    if sale is None or store_id is None:
        raise _unknown(receipt_no)
    if sale.store_id != store_id and not session.scalar(
            select(Store.chain_returns).where(Store.id == store_id)):
        raise Forbidden(OTHER_STORE_ZH.format(receipt=sale.receipt_no),
                        OTHER_STORE_EN.format(receipt=sale.receipt_no), code="return_other_store",
                        field="receipt_no")
    rows = session.execute(
        select(SaleLine, Product.weighed).join(Product, Product.id == SaleLine.product_id)
        .where(SaleLine.sale_id == sale.id).order_by(SaleLine.line_no)).all()
    weighed = {ln.line_no: bool(w) for ln, w in rows}
    lines = [SaleLinePayload(
        line_no=ln.line_no, product_id=ln.product_id, sku=ln.sku, name=ln.name, unit_code=ln.unit_code,
        unit_factor=ln.unit_factor, qty=_qty(ln.qty_m, weighed[ln.line_no]), unit_price_fen=ln.unit_price_fen,
        price_source=ln.price_source, list_amount_fen=ln.list_amount_fen, line_discount_fen=ln.line_discount_fen,
        order_discount_fen=ln.order_discount_fen, amount_fen=ln.amount_fen, tax_rate_bp=ln.tax_rate_bp,
        tax_fen=ln.tax_fen, promotion_ids=list(ln.promotion_ids or []), is_gift=ln.is_gift,
        unit_cost_fen=ln.unit_cost_fen, weighed=weighed[ln.line_no]) for ln, _ in rows]
    payments = [PaymentPayload(tender=Tender(p.tender), amount_fen=p.amount_fen, tendered_fen=p.tendered_fen,
                               reference=p.reference, points=p.points)
                for p in session.scalars(select(SalePayment).where(SalePayment.sale_id == sale.id)
                                         .order_by(SalePayment.id))]
    wire = SaleCompleted(
        sale_id=sale.id, receipt_no=sale.receipt_no, store_id=sale.store_id, terminal_id=sale.terminal_id,
        shift_id=sale.shift_id, cashier_id=sale.cashier_id, rep_id=sale.rep_id, customer_id=sale.customer_id,
        member_id=sale.member_id, member_level=sale.member_level, sold_at=_utc(sale.sold_at), lines=lines,
        payments=payments, subtotal_fen=sale.subtotal_fen, discount_fen=sale.discount_fen,
        rounding_fen=sale.rounding_fen, total_fen=sale.total_fen, change_fen=sale.change_fen,
        tax_fen=sale.tax_fen, points_earned=sale.points_earned, points_redeemed=sale.points_redeemed,
        points_value_fen=points_value_from_discounts(sum(ln.line_discount_fen for ln, _ in rows),
                                                     sum(ln.order_discount_fen for ln, _ in rows), sale.discount_fen),
        price_version=sale.price_version, promotion_ids=list(sale.promotion_ids or []), note=sale.note)
    past: list[PastReturn] = []
    for ret in session.scalars(select(SaleReturn).where(SaleReturn.original_sale_id == sale.id)
                               .order_by(SaleReturn.returned_at, SaleReturn.id)):
        rlines = session.scalars(select(ReturnLine).where(ReturnLine.return_id == ret.id)
                                 .order_by(ReturnLine.line_no)).all()
        refunds = session.scalars(select(ReturnRefund).where(ReturnRefund.return_id == ret.id)
                                  .order_by(ReturnRefund.id)).all()
        past.append(PastReturn(
            return_id=ret.id, receipt_no=ret.receipt_no, terminal_id=ret.terminal_id,
            returned_at=_utc(ret.returned_at), total_fen=ret.total_fen, points_reversed=ret.points_reversed,
            points_refunded=ret.points_refunded,
            lines=[ReturnedLine(original_line_no=rl.original_line_no,
                                qty=_qty(rl.qty_m, weighed.get(rl.original_line_no, True)),
                                amount_fen=rl.amount_fen) for rl in rlines],
            refunds=[ReturnedRefund(tender=rf.tender, amount_fen=rf.amount_fen) for rf in refunds]))
    returned = [LineReturned(line_no=ln.line_no, qty=_qty(ln.returned_qty_m, weighed[ln.line_no]),
                             amount_fen=ln.returned_amount_fen) for ln, _ in rows]
    return ReceiptLookup(sale=wire, returned=returned, returns=past)


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones."""
    from datetime import UTC

    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
