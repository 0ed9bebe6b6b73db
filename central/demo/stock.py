"""The demo's buying side and stock history (进销存), so every stock, cost and purchase report and
console page has something real to show:

- supplier prices for every product (bought in boxes where there are boxes), lead times;
- purchase orders in every state: received in full last month (then a late invoice corrected its
  cost, and damaged goods went back to the supplier), fresh goods arriving in two arrivals with
  batches and expiry dates (the second still open), one waiting for approval, one cancelled short,
  drafts made from the reorder suggestions;
- batch-tracked fresh goods with near-expiry and expired batches; near-expiry rules by category;
- two kit templates: a gift box assembled in a store, and a 25 kg sack re-packed into 5 kg bags;
- stock levels (minimum / maximum) in the central warehouse, a posted count and an open blind one,
  goods lent to a customer (partly back) and to a rep.

Runs after the bulk seed and the field seed, through the same services the API uses. Deterministic
(a seeded RNG); times relative to the demo's `today`. The tills' trading (`pos-central demo
--history-days N`, central/demo/history.py) comes through the push ingest afterwards, so each of
its sale lines carries its moving average cost and fresh goods leave first-expiry-first-out.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from central.catalog.models import Category, Product, ProductUnit, Supplier
from central.catalog.service import create_product
from central.counts import service as counts
from central.customers.models import Customer
from central.inventory import service as stock
from central.inventory.models import ExpiryRule, StockLevel, StockOnHand
from central.kits import service as kits
from central.loans import service as loans
from central.org.models import Warehouse
from central.purchasing import reorder, service
from central.purchasing.models import SupplierProduct
from central.users.models import User
from sync.barcodes import with_check_digit


def seed_stock(session: Session, *, today: date) -> dict[str, int]:
    """Seed the buying side and the stock history; returns counts for the demo's summary."""
    rng = random.Random(1414)
    now = datetime.now(UTC)
    warehouses = {code: wid for wid, code in session.execute(select(Warehouse.id, Warehouse.code))}
    central = warehouses["CW01"]
    products = list(session.execute(
        select(Product.id, Product.sku, Product.name, Product.supplier_id, Product.weighed, Product.tax_rate_bp,
               Product.shelf_life_tracked, Category.code)
        .join(Category, Category.id == Product.category_id).order_by(Product.id)))
    units = defaultdict(list)
    for pid, code, factor, price in session.execute(
            select(ProductUnit.product_id, ProductUnit.code, ProductUnit.factor, ProductUnit.price_fen)
            .order_by(ProductUnit.product_id, ProductUnit.factor)):
        units[pid].append((code, factor, price))
    costs = {pid: avg // 1000 for pid, avg in session.execute(
        select(StockOnHand.product_id, StockOnHand.avg_cost_mfen).where(StockOnHand.warehouse_id == central))
        if avg is not None}
    _supplier_prices(session, rng, products, units, costs)
    _rules_and_levels(session, rng, products, central)
    orders = _purchase_orders(session, rng, products, units, warehouses, today, now)
    _kits(session, products, warehouses, today)
    _counts_and_loans(session, rng, products, warehouses, today)
    drafted = reorder.draft_orders(session, actor=None, warehouse_id=central)
    session.flush()
    return {"purchase_orders": orders + len(drafted.order_ids)}


def _supplier_prices(session: Session, rng: random.Random, products: list[Any], units: dict[int, list[Any]],
                     costs: dict[int, int]) -> None:
    rows = []
    for pid, _sku, _name, supplier_id, _weighed, _tax, _tracked, _cat in products:
        if supplier_id is None or pid not in costs:
            continue
        code, factor, _price = max(units[pid], key=lambda u: u[1])  # the box where there is one
        rows.append({"supplier_id": supplier_id, "product_id": pid, "unit_code": code, "unit_factor": factor,
                     "price_fen": costs[pid] * factor, "lead_time_days": rng.choice([1, 2, 2, 3, 3, 5]),
                     "min_order_units": 1, "supplier_sku": None, "preferred": True, "updated_at": datetime.now(UTC)})
    session.execute(insert(SupplierProduct), rows)


def _rules_and_levels(session: Session, rng: random.Random, products: list[Any], central: int) -> None:
    categories = dict(session.execute(select(Category.code, Category.id)).all())
    session.execute(insert(ExpiryRule), [{"category_id": categories["FRS"], "warn_days": 2},
                                         {"category_id": categories["DAI"], "warn_days": 15},
                                         {"category_id": categories["DRK"], "warn_days": 30}])
    held = dict(session.execute(select(StockOnHand.product_id, StockOnHand.qty_m).where(
        StockOnHand.warehouse_id == central)).all())
    levels = []
    for pid, *_rest in rng.sample(products, 160):
        qty = int(held.get(pid, 0))
        # a quarter of them are running low: below their minimum, to be reordered
        low = rng.random() < 0.25
        minimum = (qty * rng.choice([12, 15, 20]) // 10 if low else qty // rng.choice([3, 4])) // 1000 * 1000
        levels.append({"warehouse_id": central, "product_id": pid, "min_m": minimum, "max_m": minimum * 3 or None,
                       "cover_days": None})
    session.execute(insert(StockLevel), levels)


def _purchase_orders(session: Session, rng: random.Random, products: list[Any], units: dict[int, list[Any]],
                     warehouses: dict[str, int], today: date, now: datetime) -> int:
    suppliers = {code: sid for sid, code in session.execute(select(Supplier.id, Supplier.code))}
    quoted = {pid: (sid, unit) for pid, sid, unit in session.execute(
        select(SupplierProduct.product_id, SupplierProduct.supplier_id, SupplierProduct.unit_code))}

    def of_supplier(code: str, n: int, category: str | None = None) -> list[Any]:
        picked = [p for p in products if quoted.get(p[0], (None,))[0] == suppliers[code]
                  and (category is None or p[7].startswith(category))]
        return rng.sample(picked, min(n, len(picked)))

    def lines(picked: list[Any], qty: tuple[int, int]) -> list[service.OrderLineIn]:
        return [service.OrderLineIn(p[0], Decimal(rng.randint(*qty))) for p in picked]

    central = warehouses["CW01"]

    def ago(days: int) -> datetime:
        return datetime.combine(today - timedelta(days=days), time(2, 0), tzinfo=UTC)

    made = 0
    # 1. drinks for the central warehouse, received in full 20 days ago; then a late invoice and a return
    drinks = service.create_order(session, actor=None, supplier_id=suppliers["SUP003"], warehouse_id=central,
                                  lines=lines(of_supplier("SUP003", 8, "DRK"), (5, 20)),
                                  expected_date=today - timedelta(days=20), note="月初饮料补货")
    service.submit_order(session, actor=None, order_id=drinks.id)
    if drinks.status == "pending_approval":
        service.approve_order(session, actor=None, order_id=drinks.id)
    got = service.receive(session, actor=None, order_id=drinks.id, landed_cost_fen=8_000, supplier_doc_no="SC-2231",
                          received_at=ago(20), lines=[
                              service.ReceiptLineIn(ln.line_no, Decimal(ln.ordered_m // ln.unit_factor) / 1000,
                                                    batch_no=f"D{today - timedelta(days=22):%Y%m%d}",
                                                    production_date=today - timedelta(days=22),
                                                    expiry_date=today + timedelta(days=340))
                              for ln in service.order_lines(session, drinks.id)])
    first = got.lines[0]
    service.correct_cost(session, actor=None, receipt_id=got.receipt.id, reason="供应商发票单价上调 3%",
                         prices={first.line_no: first.price_fen * 103 // 100})
    service.return_to_supplier(session, actor=None, supplier_id=suppliers["SUP003"], warehouse_id=central,
                               receipt_id=got.receipt.id, reason="外箱破损 / damaged cartons", lines=[
                                   service.ReturnLineIn(first.product_id, Decimal(1), unit_code=first.unit_code)])
    made += 1
    # 2. fresh goods for S01: two arrivals planned, the first came yesterday with batches, the rest is due
    fresh_goods = of_supplier("SUP005", 40)
    fresh_goods = [p for p in fresh_goods if p[6]][:3] + [p for p in fresh_goods if not p[6]][:3]  # meat, eggs too
    fresh = service.create_order(session, actor=None, supplier_id=suppliers["SUP005"], warehouse_id=warehouses["S01-W1"],
                                 lines=lines(fresh_goods, (10, 30)), expected_date=today + timedelta(days=1),
                                 note="生鲜分两批到货")
    service.submit_order(session, actor=None, order_id=fresh.id)
    if fresh.status == "pending_approval":
        service.approve_order(session, actor=None, order_id=fresh.id)
    tracked = {p[0] for p in products if p[6]}
    arrivals = []
    for i, ln in enumerate(service.order_lines(session, fresh.id)):
        half = Decimal(ln.ordered_m // ln.unit_factor // 2) / 1000
        if ln.product_id in tracked:  # one batch expires tomorrow: near expiry at once
            arrivals.append(service.ReceiptLineIn(
                ln.line_no, half or Decimal(1), batch_no=f"F{today - timedelta(days=1):%m%d}-{i + 1}",
                production_date=today - timedelta(days=2), expiry_date=today + timedelta(days=1 if i == 0 else 6)))
        else:
            arrivals.append(service.ReceiptLineIn(ln.line_no, half or Decimal(1)))
    service.receive(session, actor=None, order_id=fresh.id, lines=arrivals, landed_cost_fen=1_500, received_at=ago(1))
    made += 1
    # 3. a large grain order waiting for approval
    grain = service.create_order(session, actor=None, supplier_id=suppliers["SUP002"], warehouse_id=central,
                                 lines=lines(of_supplier("SUP002", 10), (30, 80)), expected_date=today + timedelta(days=4),
                                 note="季度粮油备货")
    service.submit_order(session, actor=None, order_id=grain.id)
    made += 1
    # 4. snacks for S02, approved, nothing arrived yet
    snacks = service.create_order(session, actor=None, supplier_id=suppliers["SUP006"],
                                  warehouse_id=warehouses["S02-W1"], lines=lines(of_supplier("SUP006", 5), (2, 6)),
                                  expected_date=today + timedelta(days=2))
    service.submit_order(session, actor=None, order_id=snacks.id)
    if snacks.status == "pending_approval":
        service.approve_order(session, actor=None, order_id=snacks.id)
    made += 1
    # 5. household goods: part arrived last month, the rest cancelled (the supplier had none)
    home = service.create_order(session, actor=None, supplier_id=suppliers["SUP004"], warehouse_id=central,
                                lines=lines(of_supplier("SUP004", 4), (4, 10)), expected_date=today - timedelta(days=12))
    service.submit_order(session, actor=None, order_id=home.id)
    if home.status == "pending_approval":
        service.approve_order(session, actor=None, order_id=home.id)
    home_lines = service.order_lines(session, home.id)
    service.receive(session, actor=None, order_id=home.id, received_at=ago(11), lines=[
        service.ReceiptLineIn(ln.line_no, Decimal(ln.ordered_m // ln.unit_factor // 2000 or 1)) for ln in home_lines])
    service.cancel_order(session, actor=None, order_id=home.id, reason="供应商缺货 / out of stock at the supplier")
    made += 1
    return made


def _kits(session: Session, products: list[Any], warehouses: dict[str, int], today: date) -> None:
    drinks = [p for p in products if p[7].startswith("DRK") and not p[4]][:3]
    gift = create_product(session, sku="KIT-GIFT6", name="新春饮料礼盒（6 瓶装）", name_en="New Year drinks gift box (6)",
                          units=[{"code": "pc", "name": "盒", "factor": 1, "price_fen": 5990,
                                  "barcodes": [with_check_digit("697000999001")]}], tax_rate_bp=1300)
    template = kits.create_template(session, actor=None, code="GIFT6", name="新春饮料礼盒", product_id=gift.id,
                                    components=[kits.ComponentIn(p[0], Decimal(2)) for p in drinks],
                                    note="三款饮料各 2 瓶")
    kits.assemble(session, actor=None, template_id=template.id, warehouse_id=warehouses["S01-W1"], qty=Decimal(6),
                  note="节前组装礼盒")
    rice = next(p for p in products if p[7] == "GRN-RICE" and not p[4])
    sack = create_product(session, sku="BULK-RICE25", name="散装大米 25kg/袋", name_en="Rice, 25 kg sack",
                          units=[{"code": "pc", "name": "袋", "factor": 1, "price_fen": 19900}], tax_rate_bp=900)
    repack = kits.create_template(session, actor=None, code="RICE25", name="25kg 大米拆 5kg 小袋", kind="repack",
                                  product_id=sack.id, components=[kits.ComponentIn(rice[0], Decimal(5))])
    service.receive_without_order(session, actor=None, supplier_id=_supplier_of(session, rice[0]),
                                  warehouse_id=warehouses["CW01"], supplier_doc_no="HD-25KG", lines=[
                                      service.ReceiptLineIn(None, Decimal(4), product_id=sack.id, price_fen=15_500)])
    kits.disassemble(session, actor=None, template_id=repack.id, warehouse_id=warehouses["CW01"], qty=Decimal(2),
                     note="拆袋分装")


def _supplier_of(session: Session, product_id: int) -> int:
    sid = session.scalar(select(Product.supplier_id).where(Product.id == product_id))
    assert sid is not None
    return sid


def _counts_and_loans(session: Session, rng: random.Random, products: list[Any], warehouses: dict[str, int],
                      today: date) -> None:
    categories = dict(session.execute(select(Category.code, Category.id)).all())
    water = counts.open_sheet(session, actor=None, warehouse_id=warehouses["S03-W1"], category_id=categories["DRK-WTR"],
                              note="饮用水月度盘点")
    lines = counts.counts_of(session, water)
    counts.enter(session, actor=None, sheet_id=water.id, source="tablet", entries=[
        counts.Entry(qty=Decimal(max(0, expected + rng.choice([0, 0, 0, -1000, 1000]))) / 1000, product_id=pid)
        for pid, (expected, _c, _a) in lines.items()])
    counts.post_sheet(session, actor=None, sheet_id=water.id)
    snacks = counts.open_sheet(session, actor=None, warehouse_id=warehouses["S02-W1"], category_id=categories["SNK"],
                               blind=True, note="零食盲盘（进行中）")
    half = list(counts.counts_of(session, snacks).items())[::2]
    counts.enter(session, actor=None, sheet_id=snacks.id, source="scanner", entries=[
        counts.Entry(qty=Decimal(max(0, expected)) / 1000, product_id=pid) for pid, (expected, _c, _a) in half])
    buyer = session.scalar(select(Customer.id).order_by(Customer.id).limit(1))
    rep = session.scalar(select(User.id).where(User.role == "sales_rep").order_by(User.id).limit(1))
    shelf = [p for p in products if not p[4]]
    loan, _w = loans.lend(session, actor=None, warehouse_id=warehouses["CW01"], party_type="customer", party_id=buyer,
                          due_date=today + timedelta(days=7), note="新品试销样品",
                          lines=[loans.LineIn(p[0], Decimal(6)) for p in shelf[10:12]])
    loans.take_back(session, actor=None, loan_id=loan.id, lines=[loans.BackIn(1, Decimal(4))], note="试销结束退回")
    loans.lend(session, actor=None, warehouse_id=warehouses["S01-W1"], party_type="staff", party_id=rep,
               due_date=today + timedelta(days=3), note="拜访客户样品", lines=[loans.LineIn(shelf[20][0], Decimal(2))])
    stock.adjust(session, warehouse_id=warehouses["S01-W1"], kind="loss", reason="过期报损 / expired",
                 lines=[stock.DocLine(p[0], Decimal(1)) for p in shelf[30:32]])
