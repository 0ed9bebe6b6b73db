"""Applying the terminals' sale and till events at central (called by the sync engine).

Each `apply_*` function takes the open session of the sync engine's transaction and never
commits: the event log row, the sale, its lines and payments, the stock movements, the points
ledger and the receivable entry all land together or not at all. Events that break central's
rules raise a `central.errors.DomainError` (see `central.sales.errors`), before anything is
written, so the engine can quarantine them; `OriginalSaleNotReceived` means "defer, try later".

The terminal's clocks (`sold_at`, `returned_at` ...) are kept as reported; `received_at` is
central's clock. Rows are written with Core inserts: this is the hot path of every push.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from central import references
from central.bulk import in_list, insert_tuples
from central.costing.average import round_div
from central.customers.models import Customer
from central.errors import DomainError, Invalid, WrongScope, not_found
from central.finance.receivables import post_receivable
from central.inventory.ledger import Movement, NegativeStock, back_to_batches, post, post_movements
from central.inventory.models import StockMovement
from central.members.models import Member
from central.members.points import PointsPosting, post_points, post_points_many
from central.org.models import Warehouse
from central.sales import scope_checks
from central.sales.claims import check_sale_claims, flag_overdrawn
from central.sales.errors import (
    DuplicateDocument,
    InconsistentDocument,
    OriginalSaleNotReceived,
    ReturnExceedsSale,
)
from central.sales.models import (
    CancelledCart,
    DrawerOpening,
    ReturnLine,
    ReturnRefund,
    Sale,
    SaleLine,
    SalePayment,
    SaleReturn,
    Shift,
)
from sync.events import (
    DrawerOpened,
    SaleCancelled,
    SaleCompleted,
    SaleReturned,
    ShiftClosed,
    ShiftOpened,
    Tender,
)
from sync.quantity import to_milli
from sync.store_time import business_date


def _t(model: type[Any]) -> Table:
    """A mapped class's Table, for Core statements on the hot path."""
    return cast(Table, model.__table__)


def _check_scope(ev_store: int, ev_terminal: int, *, store_id: int, terminal_id: int) -> None:
    if ev_store != store_id:
        raise WrongScope(f"事件属于门店 {ev_store}，不是本终端的门店 {store_id}",
                         f"event is for store {ev_store}, not this terminal's store {store_id}",
                         field="store_id")
    if ev_terminal != terminal_id:
        raise WrongScope(f"事件属于终端 {ev_terminal}，不是发送它的终端 {terminal_id}",
                         f"event is for terminal {ev_terminal}, not the sending terminal {terminal_id}",
                         field="terminal_id")


_WAREHOUSES = _t(Warehouse)
_STORE_WAREHOUSE = (select(_WAREHOUSES.c.id)
                    .where(_WAREHOUSES.c.store_id == bindparam("store_id"), _WAREHOUSES.c.active.is_(True))
                    .order_by(_WAREHOUSES.c.id).limit(1))


def store_warehouse(session: Session, store_id: int) -> int:
    """The store's selling warehouse (its first active one); cached for the session."""
    cache: dict[int, int] = session.info.setdefault("store_warehouse", {})
    if store_id not in cache:
        wid = session.scalar(_STORE_WAREHOUSE, {"store_id": store_id})
        if wid is None:
            raise Invalid(f"门店 {store_id} 没有仓库", f"store {store_id} has no warehouse",
                          code="store_without_warehouse", field="store_id")
        cache[store_id] = wid
    return cache[store_id]


def _shift(session: Session, shift_id: str, *, store_id: int, terminal_id: int,
           cashier_id: int | None) -> Shift:
    """The shift (ORM, refreshed); created as a placeholder when its `shift.opened` has not arrived."""
    _shift_status(session, shift_id, store_id=store_id, terminal_id=terminal_id, cashier_id=cashier_id)
    session.info.get("shift_rows", {}).pop(shift_id, None)  # its status is about to change
    shift = session.get(Shift, shift_id, populate_existing=True)
    assert shift is not None
    return shift


_SHIFTS = _t(Shift)
_SHIFT_ROW = select(_SHIFTS.c.store_id, _SHIFTS.c.terminal_id, _SHIFTS.c.status).where(
    _SHIFTS.c.id == bindparam("shift_id"))
_SHIFT_FIGURES = {name: _SHIFTS.c[name] + bindparam(f"d_{name}") for name in (
    "sales_count", "sales_total_fen", "returns_count", "returns_total_fen", "cash_in_fen", "cash_out_fen")}
_POST_TO_SHIFT = update(_SHIFTS).where(_SHIFTS.c.id == bindparam("shift_id")).values(**_SHIFT_FIGURES)
_POST_LATE_TO_SHIFT = update(_SHIFTS).where(_SHIFTS.c.id == bindparam("shift_id")).values(
    **_SHIFT_FIGURES, late_postings=_SHIFTS.c.late_postings + bindparam("d_late"),
    corrected_at=bindparam("corrected_at"))


def _shift_status(session: Session, shift_id: str, *, store_id: int, terminal_id: int,
                  cashier_id: int | None) -> str:
    """The status of the shift a document belongs to (Core: the hot path of every sale).

    A shift whose `shift.opened` has not arrived yet (events of a terminal can be deferred or
    quarantined and retried) is created as a placeholder with status `unknown`.
    """
    cache: dict[str, tuple[int, int, str]] = session.info.setdefault("shift_rows", {})
    row = cache.get(shift_id) or session.execute(_SHIFT_ROW, {"shift_id": shift_id}).first()
    if row is None:
        session.execute(insert(_SHIFTS), [{
            "id": shift_id, "store_id": store_id, "terminal_id": terminal_id, "cashier_id": cashier_id,
            "status": "unknown", "opening_float_fen": 0, "sales_count": 0, "sales_total_fen": 0,
            "returns_count": 0, "returns_total_fen": 0, "cash_in_fen": 0, "cash_out_fen": 0,
            "late_postings": 0}])
        return "unknown"
    if row[0] != store_id or row[1] != terminal_id:
        raise WrongScope(f"班次 {shift_id} 属于另一台终端", f"shift {shift_id} belongs to another terminal",
                         field="shift_id")
    # Only rows read from the database are remembered (an insert may still be rolled back with
    # its event's savepoint); opening and closing a shift forget it.
    cache[shift_id] = (row[0], row[1], str(row[2]))
    return str(row[2])


def _post_to_shift(session: Session, shift_id: str, status: str, *, received_at: datetime, sales: int = 0,
                   sales_fen: int = 0, returns: int = 0, returns_fen: int = 0, cash_in: int = 0,
                   cash_out: int = 0, postings: int = 1) -> bool:
    """Move the shift's figures by `postings` documents; True when central had it closed (late postings)."""
    late = status == "closed"
    params: dict[str, object] = {
        "shift_id": shift_id, "d_sales_count": sales, "d_sales_total_fen": sales_fen, "d_returns_count": returns,
        "d_returns_total_fen": returns_fen, "d_cash_in_fen": cash_in, "d_cash_out_fen": cash_out}
    if late:
        params["corrected_at"] = received_at
        params["d_late"] = postings
    session.execute(_POST_LATE_TO_SHIFT if late else _POST_TO_SHIFT, params)
    return late


def apply_sale_completed(session: Session, ev: SaleCompleted, *, terminal_id: int, store_id: int,
                         received_at: datetime) -> list[NegativeStock]:
    """Record a sale with its lines, payments, stock movements, points and receivable.

    Returns the negative-stock warnings it caused (stock may go negative; never refused).
    """
    return apply_sales_completed(session, [ev], terminal_id=terminal_id, store_id=store_id,
                                 received_at=received_at)


def apply_sales_completed(session: Session, events: Sequence[SaleCompleted], *, terminal_id: int,
                          store_id: int, received_at: datetime) -> list[NegativeStock]:
    """Record several sales of one terminal at once (a run of `sale.completed` in a push batch).

    All or nothing: every sale is checked before anything is written, and one invalid sale raises
    its DomainError for the whole run. Rows of all the sales go in with one statement per table,
    so a run costs about as many round trips as a single sale. `apply_sale_completed` is this with
    one sale. The sync engine calls `check_sales_completed` and `write_sales_completed` itself, so
    an invalid sale is refused alone and the rest of the run still goes in with one write.
    """
    if not events:
        return []
    for err in check_sales_completed(session, events, terminal_id=terminal_id, store_id=store_id):
        if err is not None:
            raise err
    return write_sales_completed(session, events, terminal_id=terminal_id, store_id=store_id,
                                 received_at=received_at)


@lru_cache(maxsize=4)
def _check_statements(dialect: str) -> tuple[Any, Any, Any, Any]:
    """The reads of `check_sales_completed`: clashing sales, customers, members, shifts."""
    sales = _t(Sale)
    return (
        select(sales.c.id, sales.c.receipt_no).where(or_(
            in_list(sales.c.id, "ids", dialect), in_list(sales.c.receipt_no, "receipts", dialect))),
        select(_t(Customer).c.id).where(in_list(_t(Customer).c.id, "ids", dialect)),
        select(_t(Member).c.id).where(in_list(_t(Member).c.id, "ids", dialect)),
        select(_SHIFTS.c.id, _SHIFTS.c.store_id, _SHIFTS.c.terminal_id, _SHIFTS.c.status).where(
            in_list(_SHIFTS.c.id, "ids", dialect)),
    )


def check_sales_completed(session: Session, events: Sequence[SaleCompleted], *, terminal_id: int,
                          store_id: int, read_clashes: bool = True) -> list[DomainError | None]:
    """What applying each sale of a run one after another would refuse: one entry per sale, None
    for a sale that would go in. Reads only, with one query per kind of reference for the whole
    run (sales clashing by id or receipt number, products, cashiers, customers, members, shifts).

    A sale that repeats the id or receipt number of an earlier accepted sale of the same run is a
    duplicate, as it would be one by one; a refused sale does not claim its numbers.

    `read_clashes=False` (the push's bulk path) skips reading which ids and receipt numbers central
    holds already: the sales table's unique keys refuse such a sale when the run is written, and the
    push then replays the batch event by event, where this check with the read names the duplicate.
    A sale clashing with a stored one is not a thing tills do, so the common run is spared the read.
    """
    errors: list[DomainError | None] = [None] * len(events)
    for i, ev in enumerate(events):
        try:
            _check_scope(ev.store_id, ev.terminal_id, store_id=store_id, terminal_id=terminal_id)
            _check_sale_figures(ev)
        except DomainError as err:
            errors[i] = err
    live = [ev for ev, err in zip(events, errors, strict=True) if err is None]
    if not live:
        return errors
    clash_q, customers_q, members_q, shifts_q = _check_statements(session.get_bind().dialect.name)
    stored: dict[str, str] = {}  # sale id → receipt no, of sales central already holds
    stored_receipts: set[str] = set()
    if read_clashes:
        for sid, receipt in session.execute(clash_q, {
                "ids": sorted({ev.sale_id for ev in live}), "receipts": sorted({ev.receipt_no for ev in live})}):
            stored[sid] = receipt
            stored_receipts.add(receipt)
    # products and cashiers are checked here, once for the run (no FOREIGN KEY per row: see
    # central/sales/models.py); ids found are remembered for the session
    unknown_products = set(references.missing(session, "products", (ln.product_id for ev in live for ln in ev.lines)))
    unknown_users = set(references.missing(session, "users", (ev.cashier_id for ev in live)))
    customer_ids = sorted({ev.customer_id for ev in live if ev.customer_id is not None})
    customers = set(session.scalars(customers_q, {"ids": customer_ids})) if customer_ids else set()
    member_ids = sorted({ev.member_id for ev in live if ev.member_id is not None})
    members = set(session.scalars(members_q, {"ids": member_ids})) if member_ids else set()
    shifts = _shift_rows(session, shifts_q, {ev.shift_id for ev in live})
    try:
        store_warehouse(session, store_id)
        no_warehouse: DomainError | None = None
    except DomainError as err:
        no_warehouse = err
    claimed_ids: dict[str, str] = {}
    claimed_receipts: set[str] = set()
    for i, ev in enumerate(events):
        if errors[i] is not None:
            continue
        try:
            if ev.sale_id in stored or ev.sale_id in claimed_ids:
                receipt = stored.get(ev.sale_id) or claimed_ids[ev.sale_id]
                raise DuplicateDocument(f"销售单已存在：{receipt}", f"sale already recorded: {receipt}",
                                        field="sale_id")
            if ev.receipt_no in stored_receipts or ev.receipt_no in claimed_receipts:
                raise DuplicateDocument(f"销售单已存在：{ev.receipt_no}", f"sale already recorded: {ev.receipt_no}",
                                        field="receipt_no")
            missing = sorted({ln.product_id for ln in ev.lines} & unknown_products)
            if missing:
                raise not_found("商品", "product", "lines.product_id", missing[0])
            if ev.cashier_id in unknown_users:
                raise not_found("收银员", "cashier", "cashier_id", ev.cashier_id)
            if ev.customer_id is not None and ev.customer_id not in customers:
                raise not_found("客户", "customer", "customer_id", ev.customer_id)
            if ev.customer_id is None and any(p.tender == Tender.CREDIT for p in ev.payments):
                raise Invalid("赊账销售必须指定客户", "a sale on credit needs a customer",
                              code="credit_without_customer", field="customer_id")
            if ev.member_id is not None and ev.member_id not in members:
                raise not_found("会员", "member", "member_id", ev.member_id)
            if no_warehouse is not None:
                raise no_warehouse
            shift = shifts.get(ev.shift_id)
            if shift is not None and (shift[0] != store_id or shift[1] != terminal_id):
                raise WrongScope(f"班次 {ev.shift_id} 属于另一台终端",
                                 f"shift {ev.shift_id} belongs to another terminal", field="shift_id")
        except DomainError as err:
            errors[i] = err
            continue
        claimed_ids[ev.sale_id] = ev.receipt_no
        claimed_receipts.add(ev.receipt_no)
    return errors


def _shift_rows(session: Session, query: Any, shift_ids: Iterable[str]) -> dict[str, tuple[int, int, str]]:
    """(store, terminal, status) of the shifts central holds, read once and remembered like
    `_shift_status` does."""
    cache: dict[str, tuple[int, int, str]] = session.info.setdefault("shift_rows", {})
    wanted = sorted(set(shift_ids) - set(cache))
    if wanted:
        for sid, store, terminal, status in session.execute(query, {"ids": wanted}):
            cache[sid] = (int(store), int(terminal), str(status))
    return {sid: cache[sid] for sid in shift_ids if sid in cache}


_SALE_COLUMNS = ("id", "receipt_no", "store_id", "terminal_id", "shift_id", "warehouse_id", "cashier_id", "rep_id",
                 "customer_id", "member_id", "member_level", "sold_at", "received_at", "business_date",
                 "subtotal_fen", "discount_fen", "rounding_fen", "total_fen", "change_fen", "tax_fen",
                 "points_earned", "points_redeemed", "price_version", "promotion_ids", "note", "late",
                 "refunded_fen")
_LINE_COLUMNS = ("sale_id", "line_no", "product_id", "sku", "name", "unit_code", "unit_factor", "qty_m",
                 "unit_price_fen", "price_source", "list_amount_fen", "line_discount_fen", "order_discount_fen",
                 "amount_fen", "tax_rate_bp", "tax_fen", "promotion_ids", "is_gift", "unit_cost_fen", "cost_fen",
                 "returned_qty_m", "returned_amount_fen", "returned_cost_fen")
_PAYMENT_COLUMNS = ("sale_id", "tender", "amount_fen", "tendered_fen", "reference", "points")


def write_sales_completed(session: Session, events: Sequence[SaleCompleted], *, terminal_id: int,
                          store_id: int, received_at: datetime) -> list[NegativeStock]:
    """Write a run of sales that `check_sales_completed` passed: shift figures, sales, payments,
    stock movements with on-hand (valued at moving average cost, batches taken FEFO), the lines
    with their cost (COPY on PostgreSQL), points, receivables.

    The order matters under concurrency: the on-hand rows (shared by every till of the store) are
    locked by the stock posting, after the run's sales and payments are in, so they are held only
    for the end of the transaction; members and customer balances come after on-hand, as in returns."""
    if not events:
        return []
    warehouse_id = store_warehouse(session, store_id)
    # the till's points, prices and cashier are claims: central checks them (flags what does not
    # hold) and credits its own points figures, which the sale rows keep
    points = check_sale_claims(session, events, store_id=store_id, terminal_id=terminal_id)
    status: dict[str, str] = {}
    figures: dict[str, list[int]] = {}  # shift → [sales, fen, cash]
    for ev in events:
        if ev.shift_id not in status:
            status[ev.shift_id] = _shift_status(session, ev.shift_id, store_id=store_id, terminal_id=terminal_id,
                                                cashier_id=ev.cashier_id)
        f = figures.setdefault(ev.shift_id, [0, 0, 0])
        f[0] += 1
        f[1] += ev.total_fen
        f[2] += sum(p.amount_fen for p in ev.payments if p.tender == Tender.CASH)
    for shift_id, (n, fen, cash) in figures.items():
        _post_to_shift(session, shift_id, status[shift_id], received_at=received_at, sales=n, sales_fen=fen,
                       cash_in=cash, postings=n)
    insert_tuples(session, _t(Sale), _SALE_COLUMNS, [(
        ev.sale_id, ev.receipt_no, store_id, terminal_id, ev.shift_id, warehouse_id, ev.cashier_id, ev.rep_id,
        ev.customer_id, ev.member_id, ev.member_level, ev.sold_at, received_at, business_date(ev.sold_at),
        ev.subtotal_fen, ev.discount_fen, ev.rounding_fen, ev.total_fen, ev.change_fen, ev.tax_fen,
        points[ev.sale_id].earned if ev.sale_id in points else 0,
        points[ev.sale_id].redeemed if ev.sale_id in points else 0, ev.price_version, ev.promotion_ids, ev.note,
        status[ev.shift_id] == "closed", 0,
    ) for ev in events])
    milli: dict[Any, int] = {}  # Decimal qty → thousandths, once per distinct quantity (mostly 1)
    for ev in events:
        for ln in ev.lines:
            if ln.qty not in milli:
                milli[ln.qty] = to_milli(ln.qty)
    insert_tuples(session, _t(SalePayment), _PAYMENT_COLUMNS, [
        (ev.sale_id, p.tender.value, p.amount_fen, p.tendered_fen, p.reference, p.points)
        for ev in events for p in ev.payments])
    # Stock first: the posting values each line at moving average cost (one read of the batch's
    # on-hand rows, locked), and the lines are written with that cost; the till's claimed cost is
    # not believed. Lines go in after the on-hand rows are locked, which holds those locks for the
    # lines' COPY too (measured: see central/README.md "Hot path").
    posting = post(session, [
        Movement(warehouse_id=warehouse_id, product_id=ln.product_id, kind="sale",
                 qty_m=-milli[ln.qty] * ln.unit_factor, source_type="sale", source_id=ev.sale_id,
                 source_line=ln.line_no, occurred_at=ev.sold_at, user_id=ev.cashier_id)
        for ev in events for ln in ev.lines], recorded_at=received_at)
    costs = iter(posting.values)
    rows = []
    for ev in events:
        for ln in ev.lines:
            value = next(costs)
            qty_m = milli[ln.qty]
            if value is None:
                cost = unit_cost = None
            else:  # the cost of one unit of sale, rounded half away from zero (round_div, inlined)
                cost = -value
                unit_cost = (2000 * cost + qty_m) // (2 * qty_m) if cost >= 0 else round_div(cost * 1000, qty_m)
            rows.append((
                ev.sale_id, ln.line_no, ln.product_id, ln.sku, ln.name, ln.unit_code, ln.unit_factor, qty_m,
                ln.unit_price_fen, ln.price_source, ln.list_amount_fen, ln.line_discount_fen, ln.order_discount_fen,
                ln.amount_fen, ln.tax_rate_bp, ln.tax_fen, ln.promotion_ids, ln.is_gift, unit_cost, cost, 0, 0, 0))
    insert_tuples(session, _t(SaleLine), _LINE_COLUMNS, rows)
    warnings = posting.warnings
    overdrawn = post_points_many(session, [
        PointsPosting(member_id=ev.member_id, points=n, kind=kind, source_type="sale", source_id=ev.sale_id,
                      occurred_at=ev.sold_at, store_id=store_id)
        for ev in events if ev.member_id is not None
        for kind, n in (("redeem", -points[ev.sale_id].redeemed), ("earn", points[ev.sale_id].earned))],
        recorded_at=received_at)
    if overdrawn:
        flag_overdrawn(session, [(p.source_id, p.member_id, -p.points, balance) for p, balance in overdrawn],
                       {ev.sale_id: ev.receipt_no for ev in events}, store_id=store_id, terminal_id=terminal_id)
    for ev in events:
        credit = sum(p.amount_fen for p in ev.payments if p.tender == Tender.CREDIT)
        if credit and ev.customer_id is not None:
            customer = session.get(Customer, ev.customer_id)
            if customer is None:
                raise not_found("客户", "customer", "customer_id", ev.customer_id)
            post_receivable(session, customer=customer, kind="charge", amount_fen=credit, doc_type="sale",
                            doc_id=ev.sale_id, doc_no=ev.receipt_no, doc_date=business_date(ev.sold_at),
                            occurred_at=ev.sold_at, user_id=ev.cashier_id, recorded_at=received_at)
    return warnings


def _check_sale_figures(ev: SaleCompleted) -> None:
    """The sale must add up: lines to the total, payments to the total, numbered lines."""
    line_nos = [ln.line_no for ln in ev.lines]
    if len(set(line_nos)) != len(line_nos):
        raise InconsistentDocument("销售行号重复", "duplicate line numbers", field="lines.line_no")
    for ln in ev.lines:
        if ln.amount_fen != ln.list_amount_fen - ln.line_discount_fen - ln.order_discount_fen:
            raise InconsistentDocument(
                f"第 {ln.line_no} 行金额不等于原价减折扣",
                f"line {ln.line_no}: amount is not list amount less discounts", field="lines.amount_fen")
        if ln.qty <= 0:
            raise InconsistentDocument(f"第 {ln.line_no} 行数量必须大于零",
                                       f"line {ln.line_no}: quantity must be positive", field="lines.qty")
    if sum(ln.amount_fen for ln in ev.lines) + ev.rounding_fen != ev.total_fen:
        raise InconsistentDocument("各行金额加抹零不等于应收合计",
                                   "line amounts plus rounding do not equal the total", field="total_fen")
    paid = sum(p.amount_fen for p in ev.payments)
    if paid != ev.total_fen:
        raise InconsistentDocument(f"付款合计 {paid} 分不等于应收 {ev.total_fen} 分",
                                   f"payments {paid} fen do not equal the total {ev.total_fen} fen",
                                   field="payments")


def apply_sale_returned(session: Session, ev: SaleReturned, *, terminal_id: int, store_id: int,
                        received_at: datetime) -> list[NegativeStock]:
    """Record a return against its original sale: restock, refund, points back, credit note.

    Raises `OriginalSaleNotReceived` (defer) when the original sale is not at central yet, and
    `ReturnExceedsSale` when it would return more than was sold, counting earlier returns.
    """
    _check_scope(ev.store_id, ev.terminal_id, store_id=store_id, terminal_id=terminal_id)
    # populate_existing: earlier returns in the same session moved these rows by Core UPDATEs
    original = session.get(Sale, ev.original_sale_id, populate_existing=True, with_for_update=True)
    if original is None:
        raise OriginalSaleNotReceived(
            f"原销售单 {ev.original_receipt_no} 尚未到达总部", f"original sale {ev.original_receipt_no} "
            "has not reached central yet", field="original_sale_id")
    clash = session.execute(select(SaleReturn.id).where(
        or_(SaleReturn.id == ev.return_id, SaleReturn.receipt_no == ev.receipt_no))).first()
    if clash is not None:
        raise DuplicateDocument(f"退货单已存在：{ev.receipt_no}", f"return already recorded: {ev.receipt_no}",
                                field="return_id")
    if sum(ln.amount_fen for ln in ev.lines) != ev.total_fen:
        raise InconsistentDocument("退货行金额合计不等于退款合计", "return lines do not add up to the total",
                                   field="total_fen")
    refunded = sum(r.amount_fen for r in ev.refunds)
    if refunded != ev.total_fen:
        raise InconsistentDocument(f"退款合计 {refunded} 分不等于退货金额 {ev.total_fen} 分",
                                   f"refunds {refunded} fen do not equal the return total {ev.total_fen} fen",
                                   field="refunds")
    lines = {ln.line_no: ln for ln in session.scalars(
        select(SaleLine).where(SaleLine.sale_id == original.id).with_for_update()
        .execution_options(populate_existing=True))}
    returned_m: dict[int, int] = defaultdict(int)
    returned_fen: dict[int, int] = defaultdict(int)
    for rl in ev.lines:
        orig = lines.get(rl.original_line_no)
        if orig is None or orig.product_id != rl.product_id:
            raise Invalid(f"原销售单没有第 {rl.original_line_no} 行这个商品",
                          f"the original sale has no line {rl.original_line_no} with product {rl.product_id}",
                          code="return_line_unknown", field="lines.original_line_no")
        if rl.unit_factor != orig.unit_factor or rl.qty <= 0:
            raise InconsistentDocument(f"第 {rl.original_line_no} 行的单位或数量不对",
                                       f"line {rl.original_line_no}: wrong unit or quantity", field="lines.qty")
        returned_m[rl.original_line_no] += to_milli(rl.qty)
        returned_fen[rl.original_line_no] += rl.amount_fen
    for no, qty_m in returned_m.items():
        orig = lines[no]
        # 抹零 rounded up is given back on the last return's lines, so a line may refund that much more
        slack = max(0, original.rounding_fen)
        if orig.returned_qty_m + qty_m > orig.qty_m or \
                orig.returned_amount_fen + returned_fen[no] > orig.amount_fen + slack:
            raise ReturnExceedsSale(
                f"第 {no} 行退货超过原销售（已退 {orig.returned_qty_m / 1000:g}，本次 {qty_m / 1000:g}，"
                f"原售 {orig.qty_m / 1000:g}）",
                f"line {no}: returns exceed the sale (already {orig.returned_qty_m / 1000:g}, now "
                f"{qty_m / 1000:g}, sold {orig.qty_m / 1000:g})", field="lines.qty")
    if original.refunded_fen + ev.total_fen > original.total_fen:
        raise ReturnExceedsSale(
            f"退款合计超过原销售实收（已退 {original.refunded_fen} 分，本次 {ev.total_fen} 分，实收 {original.total_fen} 分）",
            f"refunds exceed what the sale took (already {original.refunded_fen}, now {ev.total_fen}, "
            f"paid {original.total_fen} fen)", field="total_fen")
    member_id = ev.member_id or original.member_id
    if member_id is not None and session.get(Member, member_id) is None:
        raise not_found("会员", "member", "member_id", member_id)
    credit_fen = sum(r.amount_fen for r in ev.refunds if r.tender == Tender.CREDIT)
    customer = session.get(Customer, original.customer_id) if original.customer_id is not None else None
    if credit_fen and customer is None:
        raise Invalid("原销售单没有客户，不能退回赊账", "the original sale has no customer to credit",
                      code="credit_without_customer", field="refunds")

    warehouse_id = store_warehouse(session, store_id)
    status = _shift_status(session, ev.shift_id, store_id=store_id, terminal_id=terminal_id,
                           cashier_id=ev.cashier_id)
    cash_out = sum(r.amount_fen for r in ev.refunds if r.tender == Tender.CASH)
    late = _post_to_shift(session, ev.shift_id, status, received_at=received_at, returns=1,
                          returns_fen=ev.total_fen, cash_out=cash_out)
    return_costs = _return_costs(ev, lines)
    returned_cost: dict[int, int] = defaultdict(int)
    for rl, cost in zip(ev.lines, return_costs, strict=True):
        returned_cost[rl.original_line_no] += cost or 0
    sale_batches = _sale_batches(session, original.id)
    for no, qty_m in returned_m.items():
        session.execute(update(SaleLine).where(SaleLine.sale_id == original.id, SaleLine.line_no == no).values(
            returned_qty_m=SaleLine.returned_qty_m + qty_m,
            returned_amount_fen=SaleLine.returned_amount_fen + returned_fen[no],
            returned_cost_fen=SaleLine.returned_cost_fen + returned_cost[no],
        ).execution_options(synchronize_session=False))
    session.execute(update(Sale).where(Sale.id == original.id).values(
        refunded_fen=Sale.refunded_fen + ev.total_fen).execution_options(synchronize_session=False))
    day = business_date(ev.returned_at)
    session.execute(insert(_t(SaleReturn)), [{
        "id": ev.return_id, "receipt_no": ev.receipt_no, "original_sale_id": original.id,
        "store_id": store_id, "terminal_id": terminal_id, "shift_id": ev.shift_id,
        "warehouse_id": warehouse_id, "cashier_id": ev.cashier_id, "approved_by": ev.approved_by,
        "member_id": member_id, "returned_at": ev.returned_at, "received_at": received_at,
        "business_date": day, "total_fen": ev.total_fen, "tax_fen": ev.tax_fen,
        "points_reversed": ev.points_reversed, "points_refunded": ev.points_refunded,
        "reason": ev.reason, "late": late,
    }])
    session.execute(insert(_t(ReturnLine)), [{
        "return_id": ev.return_id, "line_no": i, "original_line_no": rl.original_line_no,
        "product_id": rl.product_id, "sku": rl.sku, "unit_code": rl.unit_code,
        "unit_factor": rl.unit_factor, "qty_m": to_milli(rl.qty), "amount_fen": rl.amount_fen,
        "tax_fen": rl.tax_fen, "restock": rl.restock, "cost_fen": return_costs[i - 1],
    } for i, rl in enumerate(ev.lines, start=1)])
    session.execute(insert(_t(ReturnRefund)), [{
        "return_id": ev.return_id, "tender": r.tender.value, "amount_fen": r.amount_fen,
        "reference": r.reference, "points": r.points,
    } for r in ev.refunds])
    movements = []
    for i, rl in enumerate(ev.lines, start=1):
        base_m = to_milli(rl.qty) * rl.unit_factor
        back = Movement(warehouse_id=warehouse_id, product_id=rl.product_id, kind="return", qty_m=base_m,
                        source_type="return", source_id=ev.return_id, source_line=i, occurred_at=ev.returned_at,
                        user_id=ev.cashier_id, value_fen=return_costs[i - 1])
        movements.extend(back_to_batches(back, sale_batches.get((rl.original_line_no, rl.product_id), [])))
        if not rl.restock:  # damaged goods come back and are written off at once, visibly
            movements.append(back._replace(kind="loss", qty_m=-base_m, value_fen=None,
                                           note="退货不可再售 / returned damaged"))
    warnings = post_movements(session, movements, recorded_at=received_at)
    if member_id is not None:
        for kind, points in (("reverse", -ev.points_reversed), ("refund", ev.points_refunded)):
            post_points(session, member_id=member_id, points=points, kind=kind, source_type="return",
                        source_id=ev.return_id, occurred_at=ev.returned_at, store_id=store_id,
                        recorded_at=received_at)
    if credit_fen and customer is not None:
        post_receivable(session, customer=customer, kind="credit_note", amount_fen=-credit_fen,
                        doc_type="return", doc_id=ev.return_id, doc_no=ev.receipt_no, doc_date=day,
                        occurred_at=ev.returned_at, user_id=ev.cashier_id, recorded_at=received_at)
    scope_checks.check_return(session, ev, sold_in_store_id=original.store_id, store_id=store_id,
                              terminal_id=terminal_id)
    return warnings


def _return_costs(ev: SaleReturned, lines: dict[int, SaleLine]) -> list[int | None]:
    """The cost each return line gives back: its share of the sale line's cost (what the sale took
    from stock), rounded half away from zero; the return that completes a line takes exactly what is
    left of its cost, so a line sold and wholly returned nets to zero. None where the sale's was unknown."""
    taken: dict[int, tuple[int, int]] = {}  # line → (qty, cost) returned so far, this return included
    out: list[int | None] = []
    for rl in ev.lines:
        orig = lines[rl.original_line_no]
        if orig.cost_fen is None:
            out.append(None)
            continue
        qty0, cost0 = taken.get(rl.original_line_no, (orig.returned_qty_m, orig.returned_cost_fen))
        qty1 = qty0 + to_milli(rl.qty)
        cost = orig.cost_fen - cost0 if qty1 >= orig.qty_m else round_div(orig.cost_fen * to_milli(rl.qty), orig.qty_m)
        taken[rl.original_line_no] = (qty1, cost0 + cost)
        out.append(cost)
    return out


def _sale_batches(session: Session, sale_id: str) -> dict[tuple[int, int], list[tuple[str, Any, int]]]:
    """The batches each line of a sale took stock from: (line, product) → [(batch, expiry, qty taken)]
    (a kit sold as its components took its components' batches, not its own)."""
    found: dict[tuple[int, int], list[tuple[str, Any, int]]] = defaultdict(list)
    for m in session.execute(
            select(StockMovement.source_line, StockMovement.product_id, StockMovement.batch_no,
                   StockMovement.expiry_date, StockMovement.qty_m)
            .where(StockMovement.source_type == "sale", StockMovement.source_id == sale_id,
                   StockMovement.batch_no.is_not(None)).order_by(StockMovement.id)):
        if m.source_line is not None and m.batch_no is not None:
            found[(m.source_line, m.product_id)].append((m.batch_no, m.expiry_date, -m.qty_m))
    return found


def apply_sale_cancelled(session: Session, ev: SaleCancelled, *, terminal_id: int, store_id: int,
                         received_at: datetime) -> None:
    """Record an abandoned cart (audit only: nothing was sold, nothing moves)."""
    _check_scope(ev.store_id, ev.terminal_id, store_id=store_id, terminal_id=terminal_id)
    if session.get(CancelledCart, ev.cart_id) is not None:
        raise DuplicateDocument(f"作废购物车已记录：{ev.cart_id}", f"cancelled cart already recorded: {ev.cart_id}",
                                field="cart_id")
    session.add(CancelledCart(
        id=ev.cart_id, store_id=store_id, terminal_id=terminal_id, shift_id=ev.shift_id,
        cashier_id=ev.cashier_id, cancelled_at=ev.cancelled_at, received_at=received_at,
        line_count=ev.line_count, amount_fen=ev.amount_fen, reason=ev.reason))
    session.flush()


def apply_shift_opened(session: Session, ev: ShiftOpened, *, terminal_id: int, store_id: int,
                       received_at: datetime) -> Shift:
    """Open a shift (or complete the placeholder its early sales made)."""
    _check_scope(ev.store_id, ev.terminal_id, store_id=store_id, terminal_id=terminal_id)
    shift = _shift(session, ev.shift_id, store_id=store_id, terminal_id=terminal_id, cashier_id=ev.cashier_id)
    if shift.opened_at is not None:
        raise DuplicateDocument(f"班次已开：{ev.shift_id}", f"shift already opened: {ev.shift_id}",
                                field="shift_id")
    shift.cashier_id = ev.cashier_id
    shift.opened_at = ev.opened_at
    shift.opening_float_fen = ev.opening_float_fen
    shift.opened_received_at = received_at
    if shift.status == "unknown":
        shift.status = "open"
    session.flush()
    scope_checks.check_shift_opened(session, ev, store_id=store_id, terminal_id=terminal_id)
    return shift


def apply_shift_closed(session: Session, ev: ShiftClosed, *, terminal_id: int, store_id: int,
                       received_at: datetime) -> Shift:
    """Close a shift with the till's count; central's own figures stay beside the till's."""
    _check_scope(ev.store_id, ev.terminal_id, store_id=store_id, terminal_id=terminal_id)
    shift = _shift(session, ev.shift_id, store_id=store_id, terminal_id=terminal_id, cashier_id=ev.cashier_id)
    if shift.status == "closed":
        raise DuplicateDocument(f"班次已结：{ev.shift_id}", f"shift already closed: {ev.shift_id}",
                                field="shift_id")
    shift.status = "closed"
    shift.closed_at = ev.closed_at
    shift.counted_cash_fen = ev.counted_cash_fen
    shift.denominations = dict(ev.denominations)
    shift.reported_expected_cash_fen = ev.expected_cash_fen
    shift.reported_sales_count = ev.sales_count
    shift.reported_returns_count = ev.returns_count
    shift.reported_totals_by_tender = dict(ev.totals_by_tender)
    shift.closed_received_at = received_at
    session.flush()
    return shift


def apply_drawer_opened(session: Session, ev: DrawerOpened, *, terminal_id: int, store_id: int,
                        received_at: datetime) -> None:
    """Record a no-sale drawer opening (audit)."""
    _check_scope(ev.store_id, ev.terminal_id, store_id=store_id, terminal_id=terminal_id)
    session.add(DrawerOpening(
        store_id=store_id, terminal_id=terminal_id, shift_id=ev.shift_id, cashier_id=ev.cashier_id,
        approved_by=ev.approved_by, opened_at=ev.opened_at, received_at=received_at, reason=ev.reason))
    session.flush()


def shift_tender_totals(session: Session, shift_id: str) -> dict[str, int]:
    """Net takings of a shift by tender (sales payments less return refunds), from the rows."""
    totals: dict[str, int] = defaultdict(int)
    for tender, amount in session.execute(
            select(SalePayment.tender, func.sum(SalePayment.amount_fen))
            .join(Sale, Sale.id == SalePayment.sale_id).where(Sale.shift_id == shift_id)
            .group_by(SalePayment.tender)):
        totals[tender] += int(amount)
    for tender, amount in session.execute(
            select(ReturnRefund.tender, func.sum(ReturnRefund.amount_fen))
            .join(SaleReturn, SaleReturn.id == ReturnRefund.return_id).where(SaleReturn.shift_id == shift_id)
            .group_by(ReturnRefund.tender)):
        totals[tender] -= int(amount)
    return dict(totals)


def post_takings(session: Session, *, shift_id: str, store_id: int, terminal_id: int, cashier_id: int | None,
                 cash_in_fen: int, received_at: datetime) -> bool:
    """Money a till took outside its sales (a stored-value top-up, a voucher sale) posted to the
    shift it was taken in: the drawer's cash figure moves, the sales figures do not. Like a sale,
    it goes to that shift even when central has it closed (counted as a late posting); True then."""
    status = _shift_status(session, shift_id, store_id=store_id, terminal_id=terminal_id, cashier_id=cashier_id)
    return _post_to_shift(session, shift_id, status, received_at=received_at, cash_in=cash_in_fen)
