"""Receivable postings (credit sales, payments, credit notes) and the ageing report over them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from central.customers.models import Customer
from central.db import utcnow
from central.errors import Invalid, not_found
from central.finance.ageing import Ageing, age_entries
from central.finance.models import ReceivableAccount, ReceivableEntry
from central.syncing import feed
from sync.master import Entity

PAYMENT_METHODS = ("cash", "bank_transfer", "wechat", "alipay", "bank_card", "cheque")


def _move_balance(session: Session, customer_id: int, delta: int, now: datetime) -> int:
    """Atomically add `delta` to the customer's balance (row created at 0) and return the new one."""
    table: Table = ReceivableAccount.__table__  # type: ignore[assignment]
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(table).values(customer_id=customer_id, balance_fen=delta, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.customer_id],
        set_={"balance_fen": table.c.balance_fen + stmt.excluded.balance_fen,
              "updated_at": stmt.excluded.updated_at},
    ).returning(table.c.balance_fen)
    return int(session.execute(stmt).scalar_one())


def post_receivable(session: Session, *, customer: Customer, kind: str, amount_fen: int,
                    doc_type: str, doc_id: str, doc_no: str | None, doc_date: date,
                    occurred_at: datetime, method: str | None = None, user_id: int | None = None,
                    note: str | None = None, recorded_at: datetime | None = None,
                    due_date: date | None = None) -> ReceivableEntry:
    """Append one entry and move the customer's balance with it (caller's transaction).

    A charge is due `due_date`, by default its document date plus the customer's credit days.
    A charge that takes the balance over the credit limit is flagged, not refused: the sale
    already happened at a till that may have been offline. The customer's row in the change feed
    is rewritten at commit (a rep's tablet shows the balance and the open items).
    """
    now = recorded_at or utcnow()
    balance = _move_balance(session, customer.id, amount_fen, now)
    over = kind == "charge" and customer.credit_limit_fen > 0 and balance > customer.credit_limit_fen
    if kind == "charge" and due_date is None:
        due_date = doc_date + timedelta(days=customer.credit_days)
    entry = ReceivableEntry(
        customer_id=customer.id, kind=kind, amount_fen=amount_fen, balance_after_fen=balance,
        doc_type=doc_type, doc_id=doc_id, doc_no=doc_no, doc_date=doc_date,
        due_date=due_date if kind == "charge" else None,
        over_credit_limit=over, method=method, occurred_at=occurred_at, recorded_at=now,
        user_id=user_id, note=note)
    session.add(entry)
    feed.touch(session, Entity.CUSTOMER.value, [customer.id])
    return entry


def record_payment(session: Session, *, customer_id: int, amount_fen: int, method: str,
                   paid_on: date, reference: str | None = None, user_id: int | None = None,
                   note: str | None = None) -> ReceivableEntry:
    """A customer paid `amount_fen` against their account (finance clerk's entry).

    A payment never exceeds what it pays: the customer's balance owed, read under a row lock so two
    clerks cannot both take the same debt. More is refused (422 `payment_exceeds_balance`, nothing
    written); money paid before anything is owed comes in as a rep's collection, whose excess waits
    as an advance (预收, `central.field.collections`)."""
    if amount_fen <= 0:
        raise Invalid("收款金额必须大于零", "payment amount must be positive", code="amount",
                      field="amount_fen")
    if method not in PAYMENT_METHODS:
        raise Invalid(f"未知的收款方式 {method}", f"unknown payment method {method}", code="method",
                      field="method")
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise not_found("客户", "customer", "customer_id", customer_id)
    owed = max(0, int(session.scalar(select(ReceivableAccount.balance_fen).where(
        ReceivableAccount.customer_id == customer_id).with_for_update()) or 0))
    if amount_fen > owed:
        raise Invalid(f"收款 ¥{amount_fen / 100:,.2f} 超过客户 {customer.name} 的欠款 ¥{owed / 100:,.2f}，未入账",
                      f"the payment of ¥{amount_fen / 100:,.2f} exceeds what {customer.name} owes "
                      f"(¥{owed / 100:,.2f}); nothing was recorded", code="payment_exceeds_balance",
                      field="amount_fen")
    now = utcnow()
    entry = post_receivable(
        session, customer=customer, kind="payment", amount_fen=-amount_fen, doc_type="payment",
        doc_id=reference or f"PAY-{now:%Y%m%d%H%M%S%f}", doc_no=reference, doc_date=paid_on,
        occurred_at=now, method=method, user_id=user_id, note=note, recorded_at=now)
    session.flush()
    return entry


@dataclass(frozen=True)
class CustomerAgeing:
    customer_id: int
    code: str
    name: str
    rep_id: int | None
    credit_limit_fen: int
    ageing: Ageing


def ageing_report(session: Session, *, as_of: date, customer_ids: list[int] | None = None,
                  rep_id: int | None = None) -> list[CustomerAgeing]:
    """Ageing of every customer with entries (optionally only some customers, or one rep's)."""
    stmt = select(ReceivableEntry.customer_id, ReceivableEntry.doc_date, ReceivableEntry.amount_fen,
                  ReceivableEntry.due_date).where(ReceivableEntry.doc_date <= as_of)
    if customer_ids is not None:
        stmt = stmt.where(ReceivableEntry.customer_id.in_(customer_ids))
    if rep_id is not None:
        stmt = stmt.join(Customer, Customer.id == ReceivableEntry.customer_id).where(Customer.rep_id == rep_id)
    by_customer: dict[int, list[tuple[date, int, date | None]]] = defaultdict(list)
    for cid, doc_date, amount, due in session.execute(stmt):
        by_customer[cid].append((doc_date, amount, due))
    if not by_customer:
        return []
    customers = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(list(by_customer))))}
    return [
        CustomerAgeing(cid, customers[cid].code, customers[cid].name, customers[cid].rep_id,
                       customers[cid].credit_limit_fen, age_entries(entries, as_of))
        for cid, entries in sorted(by_customer.items(), key=lambda kv: customers[kv[0]].code)
    ]


@dataclass(frozen=True)
class OpenCharge:
    """A charge not yet settled in full: `open_fen` of its `entry.amount_fen` is still owed."""

    entry_id: int
    doc_no: str | None
    doc_date: date
    due_date: date | None
    open_fen: int


def open_charges(session: Session, customer_id: int) -> list[OpenCharge]:
    """The customer's charges still open, oldest first, settled as the ageing report settles them:
    every payment or credit note pays the oldest charges first (FIFO by document date)."""
    rows = session.execute(
        select(ReceivableEntry.id, ReceivableEntry.doc_no, ReceivableEntry.doc_date, ReceivableEntry.due_date,
               ReceivableEntry.amount_fen)
        .where(ReceivableEntry.customer_id == customer_id)
        .order_by(ReceivableEntry.doc_date, ReceivableEntry.id)).all()
    credit = -sum(r.amount_fen for r in rows if r.amount_fen < 0)
    out = []
    for r in rows:
        if r.amount_fen <= 0:
            continue
        settled = min(r.amount_fen, credit)
        credit -= settled
        if r.amount_fen > settled:
            out.append(OpenCharge(r.id, r.doc_no, r.doc_date, r.due_date, r.amount_fen - settled))
    return out


def balance_of(session: Session, customer_id: int) -> int:
    """The customer's receivable balance (0 when nothing was ever posted)."""
    value = session.scalar(select(ReceivableAccount.balance_fen).where(ReceivableAccount.customer_id == customer_id))
    return int(value or 0)
