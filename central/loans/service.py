"""Loans of goods (借还货): lend, take back (in part, many times), settle what is not coming back,
and what is still out per party.

Lending posts `loan_out` (goods out at average cost, batches FEFO); each return posts `loan_return`
at the value the goods left at (its share of the line's value; the return that completes a line
takes exactly what is left of it), back into the batches they left from. Settling (the borrower
bought it, used it up, lost it) moves no stock — it left when it was lent — it closes the line
with a reason; a loan with nothing out is closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.audit.service import record
from central.auth.principal import Principal, UserPrincipal
from central.catalog.models import Product, Supplier
from central.costing.average import round_div
from central.customers.models import Customer
from central.db import utcnow
from central.errors import Conflict, Invalid, not_found
from central.inventory.ledger import Movement, NegativeStock, back_to_batches, post
from central.inventory.models import StockMovement
from central.inventory.quantities import from_milli
from central.loans.models import Loan, LoanEvent, LoanLine
from central.org.models import Warehouse
from central.users.models import User
from sync.quantity import to_milli

PARTY_TYPES = ("staff", "customer", "supplier", "other")


def _user(actor: Principal | None) -> int | None:
    return actor.user_id if isinstance(actor, UserPrincipal) else None


@dataclass(frozen=True)
class LineIn:
    product_id: int
    qty: Decimal


@dataclass(frozen=True)
class BackIn:
    line_no: int
    qty: Decimal


def _party_name(session: Session, party_type: str, party_id: int | None, name: str | None) -> str:
    if party_type not in PARTY_TYPES:
        raise Invalid(f"未知的借用方类型 {party_type}", f"unknown party type {party_type}", code="party_type",
                      field="party_type")
    if party_type == "other":
        if not name:
            raise Invalid("请填写借用方名称", "name the borrower", code="party_name", field="party_name")
        return name
    if party_id is None:
        raise Invalid("请选择借用方", "choose the borrower", code="party_id", field="party_id")
    model = {"staff": User, "customer": Customer, "supplier": Supplier}[party_type]
    row = session.get(model, party_id)
    if row is None:
        raise not_found("借用方", "party", "party_id", party_id)
    return str(getattr(row, "display_name", None) or getattr(row, "name", "")) or name or str(party_id)


def lend(session: Session, *, actor: Principal | None, warehouse_id: int, party_type: str, lines: Sequence[LineIn],
         party_id: int | None = None, party_name: str | None = None, due_date: date | None = None,
         note: str | None = None) -> tuple[Loan, list[NegativeStock]]:
    wh = session.get(Warehouse, warehouse_id)
    if wh is None:
        raise not_found("仓库", "warehouse", "warehouse_id", warehouse_id)
    name = _party_name(session, party_type, party_id, party_name)
    if not lines:
        raise Invalid("借出单没有明细行", "the loan has no lines", code="no_lines", field="lines")
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_({ln.product_id for ln in lines})))}
    for i, ln in enumerate(lines):
        if ln.product_id not in products:
            raise not_found("商品", "product", f"lines[{i}].product_id", ln.product_id)
        if ln.qty <= 0:
            raise Invalid("数量必须大于零", "quantity must be positive", code="qty", field=f"lines[{i}].qty")
        if not products[ln.product_id].weighed and ln.qty != ln.qty.to_integral_value():
            raise Invalid("按件计数的商品数量必须是整数", "pieces are counted in whole numbers", code="qty",
                          field=f"lines[{i}].qty")
    now = utcnow()
    loan = Loan(no=f"LN-{now.timestamp():.6f}", warehouse_id=warehouse_id, party_type=party_type, party_id=party_id,
                party_name=name[:100], status="open", lent_at=now, due_date=due_date, note=note,
                created_by=_user(actor))
    session.add(loan)
    session.flush()
    loan.no = f"LN{now:%Y%m%d}-{loan.id:05d}"
    loan_lines = [LoanLine(loan_id=loan.id, line_no=i, product_id=ln.product_id, qty_m=to_milli(ln.qty), returned_m=0,
                           returned_value_fen=0, settled_m=0) for i, ln in enumerate(lines, start=1)]
    posting = post(session, [Movement(warehouse_id=warehouse_id, product_id=ln.product_id, kind="loan_out",
                                      qty_m=-ln.qty_m, source_type="loan", source_id=loan.no, source_line=ln.line_no,
                                      occurred_at=now, user_id=_user(actor), note=f"借给 {name}"[:200])
                             for ln in loan_lines], recorded_at=now)
    for loan_line, value in zip(loan_lines, posting.values, strict=True):
        loan_line.value_fen = None if value is None else -value
    values = [loan_line.value_fen for loan_line in loan_lines]
    loan.value_fen = None if any(v is None for v in values) else sum(v or 0 for v in values)
    session.add_all(loan_lines)
    session.flush()
    record(session, actor=actor, action="loan.lend", entity_type="loan", entity_id=loan.no,
           after={"party": f"{party_type}:{party_id or name}", "warehouse_id": warehouse_id, "value_fen": loan.value_fen,
                  "lines": {str(x.product_id): str(from_milli(x.qty_m)) for x in loan_lines}})
    return loan, posting.warnings


def get_loan(session: Session, loan_id: int, *, lock: bool = False) -> Loan:
    loan = session.get(Loan, loan_id, with_for_update=lock, populate_existing=lock)
    if loan is None:
        raise not_found("借出单", "loan", "loan_id", loan_id)
    return loan


def lines_of(session: Session, loan_id: int) -> list[LoanLine]:
    return list(session.scalars(select(LoanLine).where(LoanLine.loan_id == loan_id).order_by(LoanLine.line_no)))


def _picked(loan: Loan, lines: list[LoanLine], picks: Sequence[BackIn]) -> list[tuple[LoanLine, int]]:
    if loan.status != "open":
        raise Conflict(f"借出单 {loan.no} 已结清", f"loan {loan.no} is closed", code="loan_closed", field="loan_id")
    if not picks:
        raise Invalid("没有明细行", "no lines", code="no_lines", field="lines")
    by_no = {ln.line_no: ln for ln in lines}
    taking: dict[int, int] = {}
    out = []
    for i, pick in enumerate(picks):
        ln = by_no.get(pick.line_no)
        if ln is None:
            raise not_found("借出行", "loan line", f"lines[{i}].line_no", pick.line_no)
        qty_m = to_milli(pick.qty)
        taking[ln.line_no] = taking.get(ln.line_no, 0) + qty_m
        if qty_m <= 0 or taking[ln.line_no] > ln.out_m:
            raise Invalid(f"第 {ln.line_no} 行超过未还数量（未还 {from_milli(ln.out_m):g}）",
                          f"line {ln.line_no}: more than is still out ({from_milli(ln.out_m):g})", code="qty",
                          field=f"lines[{i}].qty")
        out.append((ln, qty_m))
    return out


def take_back(session: Session, *, actor: Principal | None, loan_id: int, lines: Sequence[BackIn],
              note: str | None = None) -> tuple[LoanEvent, list[NegativeStock]]:
    """归还: goods back into the loan's warehouse at the value they left at."""
    loan = get_loan(session, loan_id, lock=True)
    loan_lines = lines_of(session, loan.id)
    picked = _picked(loan, loan_lines, lines)
    now = utcnow()
    event = LoanEvent(loan_id=loan.id, kind="return", at=now, doc_id="", reason=note, created_by=_user(actor))
    session.add(event)
    session.flush()
    event.doc_id = f"{loan.no}-R{event.id}"
    taken: dict[int, list[tuple[str, Any, int]]] = {}
    for m in session.execute(
            select(StockMovement.source_line, StockMovement.batch_no, StockMovement.expiry_date, StockMovement.qty_m)
            .where(StockMovement.source_type == "loan", StockMovement.source_id == loan.no,
                   StockMovement.batch_no.is_not(None)).order_by(StockMovement.id)):
        if m.source_line is not None and m.batch_no is not None:
            taken.setdefault(m.source_line, []).append((m.batch_no, m.expiry_date, -m.qty_m))
    moves: list[Movement] = []
    for ln, qty_m in picked:
        value = None
        if ln.value_fen is not None:
            done = ln.returned_m + qty_m >= ln.qty_m - ln.settled_m and ln.settled_m == 0
            value = ln.value_fen - ln.returned_value_fen if done else round_div(ln.value_fen * qty_m, ln.qty_m)
            ln.returned_value_fen += value
        ln.returned_m += qty_m
        back = Movement(warehouse_id=loan.warehouse_id, product_id=ln.product_id, kind="loan_return", qty_m=qty_m,
                        source_type="loan", source_id=event.doc_id, source_line=ln.line_no, occurred_at=now,
                        value_fen=value, user_id=_user(actor), note=f"{loan.party_name} 归还"[:200])
        moves.extend(back_to_batches(back, taken.get(ln.line_no, [])))
    posting = post(session, moves, recorded_at=now)
    _close_if_done(loan, loan_lines, now)
    session.flush()
    record(session, actor=actor, action="loan.return", entity_type="loan", entity_id=loan.no,
           after={"event": event.doc_id, "lines": {str(ln.line_no): str(from_milli(q)) for ln, q in picked},
                  "status": loan.status})
    return event, posting.warnings


def settle(session: Session, *, actor: Principal | None, loan_id: int, lines: Sequence[BackIn],
           reason: str) -> LoanEvent:
    """结清: what is not coming back (bought, used, lost) leaves the loan, with a reason; no stock moves."""
    if not reason.strip():
        raise Invalid("结清需要填写原因", "settling needs a reason", code="reason_required", field="reason")
    loan = get_loan(session, loan_id, lock=True)
    loan_lines = lines_of(session, loan.id)
    picked = _picked(loan, loan_lines, lines)
    now = utcnow()
    event = LoanEvent(loan_id=loan.id, kind="settle", at=now, doc_id="", reason=reason, created_by=_user(actor))
    session.add(event)
    session.flush()
    event.doc_id = f"{loan.no}-S{event.id}"
    for ln, qty_m in picked:
        ln.settled_m += qty_m
    _close_if_done(loan, loan_lines, now)
    session.flush()
    record(session, actor=actor, action="loan.settle", entity_type="loan", entity_id=loan.no,
           after={"lines": {str(ln.line_no): str(from_milli(q)) for ln, q in picked}, "status": loan.status},
           reason=reason)
    return event


def _close_if_done(loan: Loan, lines: list[LoanLine], now: object) -> None:
    if all(ln.out_m == 0 for ln in lines):
        loan.status = "closed"
        loan.closed_at = now  # type: ignore[assignment]


@dataclass
class Outstanding:
    """What one party still has of one product, at the value it left at, and on which loans."""

    party_type: str
    party_id: int | None
    party_name: str
    product_id: int
    out_m: int = 0
    value_fen: int | None = 0
    loans: list[str] = field(default_factory=list)
    oldest_due: date | None = None


def outstanding(session: Session, *, party_type: str | None = None, party_id: int | None = None,
                warehouse_ids: list[int] | None = None) -> list[Outstanding]:
    """What is still out, per party and product, with the loans it is on."""
    stmt = (select(Loan, LoanLine).join(LoanLine, LoanLine.loan_id == Loan.id).where(Loan.status == "open")
            .order_by(Loan.party_type, Loan.party_name, LoanLine.product_id, Loan.id))
    if party_type is not None:
        stmt = stmt.where(Loan.party_type == party_type)
    if party_id is not None:
        stmt = stmt.where(Loan.party_id == party_id)
    if warehouse_ids is not None:
        stmt = stmt.where(Loan.warehouse_id.in_(warehouse_ids))
    acc: dict[tuple[str, int | None, str, int], Outstanding] = {}
    for loan, ln in session.execute(stmt):
        if ln.out_m <= 0:
            continue
        key = (loan.party_type, loan.party_id, loan.party_name, ln.product_id)
        row = acc.setdefault(key, Outstanding(*key))
        row.out_m += ln.out_m
        row.value_fen = None if ln.value_fen is None or row.value_fen is None else \
            row.value_fen + round_div(ln.value_fen * ln.out_m, ln.qty_m)
        if loan.no not in row.loans:
            row.loans.append(loan.no)
        if loan.due_date is not None and (row.oldest_due is None or loan.due_date < row.oldest_due):
            row.oldest_due = loan.due_date
    return list(acc.values())
