"""Collections (收款): money taken from a customer, allocated to the oldest open receivables.

Allocation is finance's rule (`central.finance.receivables.open_charges`: oldest document first)
and never goes beyond what is open: the part of a collection nothing is open for waits on the
collection as an advance (`unapplied_fen`, 预收) — it is neither lost nor booked against nothing —
and settles the customer's next deliveries as they are posted (`apply_advances`). Each settled
amount is a `payment` entry in the receivable ledger plus allocation rows saying which charges it paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.customers.models import Customer
from central.db import utcnow
from central.errors import Conflict, Invalid
from central.field.models import Collection, CollectionAllocation
from central.finance.receivables import balance_of, open_charges, post_receivable
from central.review.service import flag
from sync.field import CollectionMethod, OrderStatus
from sync.store_time import business_date


def record_collection(session: Session, *, collection_id: str, receipt_no: str, customer: Customer, amount_fen: int,
                      method: str, collected_at: datetime, received_at: datetime | None = None,
                      rep_id: int | None = None, terminal_id: int | None = None, user_id: int | None = None,
                      reference: str | None = None, note: str | None = None, order_id: str | None = None
                      ) -> Collection:
    """Record a collection and allocate it to the customer's oldest open receivables."""
    if amount_fen <= 0:
        raise Invalid("收款金额必须大于零", "the amount collected must be positive", code="amount", field="amount_fen")
    try:
        CollectionMethod(method)
    except ValueError:
        raise Invalid(f"未知的收款方式 {method}", f"unknown payment method {method}", code="method",
                      field="method") from None
    clash = session.execute(select(Collection.id).where(
        (Collection.id == collection_id) | (Collection.receipt_no == receipt_no))).first()
    if clash is not None:
        raise Conflict(f"收款单已存在：{receipt_no}", f"collection already recorded: {receipt_no}",
                       code="duplicate_document", field="collection_id")
    now = received_at or utcnow()
    collection = Collection(
        id=collection_id, receipt_no=receipt_no, customer_id=customer.id, rep_id=rep_id, terminal_id=terminal_id,
        user_id=user_id, collected_at=collected_at, received_at=now, business_date=business_date(collected_at),
        amount_fen=amount_fen, method=method, reference=reference, note=note, order_id=order_id, applied_fen=0,
        unapplied_fen=amount_fen)
    session.add(collection)
    session.flush()
    _allocate(session, customer, collection, at=now)
    return collection


@dataclass(frozen=True)
class Collectable:
    """What a collection may pay, as central knows it before the collection: the customer's debt, the
    undelivered value of their committed orders (and of the order the collection names, paid on
    delivery), less the advances already waiting."""

    owed_fen: int
    orders_fen: int
    advances_fen: int

    @property
    def total_fen(self) -> int:
        return max(0, self.owed_fen + self.orders_fen - self.advances_fen)


def collectable(session: Session, customer: Customer, *, order_id: str | None = None) -> Collectable:
    from central.orders.models import SalesOrder
    from central.orders.service import advances_of, open_orders_fen

    orders = open_orders_fen(session, customer.id, exclude=order_id)
    order = session.get(SalesOrder, order_id) if order_id else None
    if order is not None and order.customer_id == customer.id and order.status not in _FINISHED:
        orders += open_orders_fen(session, customer.id, only=order.id)
    return Collectable(owed_fen=max(0, balance_of(session, customer.id)), orders_fen=orders,
                       advances_fen=advances_of(session, customer.id))


_FINISHED = frozenset({OrderStatus.REJECTED.value, OrderStatus.CANCELLED.value, OrderStatus.CLOSED.value})


def flag_excess(session: Session, collection: Collection, before: Collectable, *, store_id: int | None,
                terminal_id: int | None) -> None:
    """A collection beyond what it can pay (`before`): applied as far as it holds, the rest waiting as an
    advance (预收) like any collection; put on the review list so head office checks the excess."""
    excess = collection.amount_fen - before.total_fen
    if excess <= 0:
        return
    flag(session, kind="collection_exceeds", store_id=store_id, terminal_id=terminal_id, event_id=None,
         subject=collection.receipt_no,
         claimed={"collection_id": collection.id, "customer_id": collection.customer_id,
                  "amount_fen": collection.amount_fen, "order_id": collection.order_id},
         computed={"collectable_fen": before.total_fen, "owed_fen": before.owed_fen,
                   "open_orders_fen": before.orders_fen, "advances_fen": before.advances_fen,
                   "applied_fen": collection.applied_fen, "advance_fen": collection.unapplied_fen,
                   "excess_fen": excess},
         message_zh=f"收款单 {collection.receipt_no} 收了 ¥{collection.amount_fen / 100:,.2f}，超过客户应付的 "
                    f"¥{before.total_fen / 100:,.2f}（欠款 ¥{before.owed_fen / 100:,.2f} + 未送达订单 "
                    f"¥{before.orders_fen / 100:,.2f} − 已有预收 ¥{before.advances_fen / 100:,.2f}）。已冲抵欠款 "
                    f"¥{collection.applied_fen / 100:,.2f}，其余 ¥{collection.unapplied_fen / 100:,.2f} 作为预收款，"
                    "请核实",
         message_en=f"collection {collection.receipt_no} took ¥{collection.amount_fen / 100:,.2f}, more than the "
                    f"customer could pay (¥{before.total_fen / 100:,.2f}: owed ¥{before.owed_fen / 100:,.2f} + "
                    f"undelivered orders ¥{before.orders_fen / 100:,.2f} − advances ¥{before.advances_fen / 100:,.2f}). "
                    f"¥{collection.applied_fen / 100:,.2f} settled what was owed, ¥{collection.unapplied_fen / 100:,.2f} "
                    "waits as an advance; please check")


def _allocate(session: Session, customer: Customer, collection: Collection, *, at: datetime) -> int:
    """Settle open charges, oldest first, with what is still unapplied of `collection`; returns the amount."""
    if collection.unapplied_fen <= 0:
        return 0
    rows = []
    left = collection.unapplied_fen
    for charge in open_charges(session, customer.id):
        if left <= 0:
            break
        take = min(left, charge.open_fen)
        rows.append((charge.entry_id, take))
        left -= take
    applied = collection.unapplied_fen - left
    if applied <= 0:
        return 0
    entry = post_receivable(session, customer=customer, kind="payment", amount_fen=-applied, doc_type="collection",
                            doc_id=collection.id, doc_no=collection.receipt_no,
                            doc_date=business_date(collection.collected_at), occurred_at=collection.collected_at,
                            method=collection.method, user_id=collection.user_id, recorded_at=at,
                            note=(collection.reference or None))
    session.flush()
    session.add_all([CollectionAllocation(collection_id=collection.id, charge_entry_id=entry_id,
                                          payment_entry_id=entry.id, amount_fen=amount, allocated_at=at)
                     for entry_id, amount in rows])
    collection.applied_fen += applied
    collection.unapplied_fen -= applied
    session.flush()
    return applied


def apply_advances(session: Session, customer: Customer, *, at: datetime | None = None) -> int:
    """Settle newly posted charges with the customer's advances (oldest collection first)."""
    now = at or utcnow()
    applied = 0
    for collection in session.scalars(select(Collection).where(
            Collection.customer_id == customer.id, Collection.unapplied_fen > 0)
            .order_by(Collection.collected_at, Collection.id).with_for_update()):
        got = _allocate(session, customer, collection, at=now)
        if got == 0:
            break
        applied += got
    return applied


def allocations(session: Session, collection_id: str) -> list[CollectionAllocation]:
    return list(session.scalars(select(CollectionAllocation).where(CollectionAllocation.collection_id == collection_id)
                                .order_by(CollectionAllocation.id)))
