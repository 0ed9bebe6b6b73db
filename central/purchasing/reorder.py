"""Suggested reorder (补货建议) per warehouse, with every input shown, and drafting the purchase
orders from it in one go.

For each product the warehouse holds, sells, expects or has a stock level for:

- estimated stock = on hand − to ship + to receive. *To receive*: the open quantities of approved
  purchase orders into this warehouse. *To ship*: goods promised but not yet gone, from the
  providers in `TO_SHIP`: open delivery notes of approved sales orders (`open_deliveries`; a
  held order is not promised until it is approved), and whatever else registers there;
- average daily sales over a window (default 28 days): what left by sales and deliveries less
  what came back, from the stock ledger;
- lead time: the preferred supplier's (`supplier_products`), else `DEFAULT_LEAD_DAYS`;
- minimum, maximum and days of cover from the warehouse's stock levels (`stock_levels`), else
  `default_cover_days` of cover.

Reorder point = max(minimum, daily × lead time). Below it (or below the minimum), order up to the
maximum, or to daily × (lead time + days of cover), whichever the stock level says; rounded up to
whole purchase units (boxes) and the supplier's minimum order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.auth.principal import Principal
from central.catalog.models import Product, Supplier
from central.db import utcnow
from central.errors import Invalid, NotFound
from central.inventory.models import StockLevel, StockMovement, StockOnHand
from central.inventory.quantities import MILLI, from_milli
from central.orders.models import DeliveryNote, DeliveryNoteLine
from central.org.models import Warehouse
from central.purchasing.models import OPEN_STATUSES, PurchaseOrder, PurchaseOrderLine, SupplierProduct
from central.purchasing.service import OrderLineIn, create_order

DEFAULT_WINDOW_DAYS = 28
DEFAULT_COVER_DAYS = 14
DEFAULT_LEAD_DAYS = 3

ToShip = Callable[[Session, int], dict[int, int]]
"""(session, warehouse id) → product id → base thousandths promised out of it and not yet gone."""


def open_deliveries(session: Session, warehouse_id: int) -> dict[int, int]:
    """What the open delivery notes (发货单) of approved sales orders will take out of the warehouse."""
    return {int(pid): int(qty) for pid, qty in session.execute(
        select(DeliveryNoteLine.product_id, func.sum(DeliveryNoteLine.qty_m * DeliveryNoteLine.unit_factor))
        .join(DeliveryNote, DeliveryNote.id == DeliveryNoteLine.note_id)
        .where(DeliveryNote.warehouse_id == warehouse_id, DeliveryNote.status == "open")
        .group_by(DeliveryNoteLine.product_id))}


TO_SHIP: list[ToShip] = [open_deliveries]
"""Providers of "to ship" quantities; reorder and available stock add up whatever is registered."""


@dataclass
class Suggestion:
    product_id: int
    sku: str
    name: str
    on_hand_m: int
    to_ship_m: int
    to_receive_m: int
    estimated_m: int
    sold_m: int
    """Net sold over the window."""
    daily_m: int
    """Average a day over the window (thousandths, rounded)."""
    lead_time_days: int
    min_m: int
    max_m: int | None
    cover_days: int | None
    reorder_point_m: int
    target_m: int
    suggest_m: int
    """Base thousandths to order (whole purchase units); 0 = nothing to order."""
    suggest_units: int
    unit_code: str
    unit_factor: int
    supplier_id: int | None
    supplier_name: str | None
    price_fen: int | None
    amount_fen: int | None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for name in ("on_hand_m", "to_ship_m", "to_receive_m", "estimated_m", "sold_m", "daily_m", "min_m", "max_m",
                     "reorder_point_m", "target_m", "suggest_m"):
            value = out.pop(name)
            out[name[:-2]] = None if value is None else str(from_milli(value))
        return out


@dataclass
class Reorder:
    warehouse_id: int
    warehouse: str
    window_days: int
    to_ship_known: bool
    suggestions: list[Suggestion]
    """Products to order first (by supplier, then SKU)."""
    considered: int

    def to_json(self) -> dict[str, Any]:
        return {"warehouse": self.warehouse, "warehouse_id": self.warehouse_id, "window_days": self.window_days,
                "to_ship_known": self.to_ship_known, "considered": self.considered,
                "suggested": len(self.suggestions),
                "amount_fen": sum(s.amount_fen or 0 for s in self.suggestions),
                "suggestions": [s.to_json() for s in self.suggestions]}


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def reorder(session: Session, *, warehouse_id: int | None = None, warehouse_code: str | None = None,
            window_days: int = DEFAULT_WINDOW_DAYS, default_cover_days: int = DEFAULT_COVER_DAYS,
            include_all: bool = False, product_ids: list[int] | None = None) -> Reorder:
    """The suggestions for one warehouse (by id or code); `include_all` also lists products that
    need nothing (with their inputs)."""
    if not 1 <= window_days <= 365:
        raise Invalid("统计天数应在 1 到 365 之间", "the window must be 1 to 365 days", code="window_days",
                      field="window_days")
    wh = session.get(Warehouse, warehouse_id) if warehouse_id is not None else session.scalar(
        select(Warehouse).where(Warehouse.code == warehouse_code))
    if wh is None:
        raise NotFound(f"仓库不存在：{warehouse_code or warehouse_id}",
                       f"no such warehouse: {warehouse_code or warehouse_id}", code="warehouse_not_found",
                       field="warehouse")
    wid = wh.id
    since = utcnow() - timedelta(days=window_days)

    def only(stmt: Any, column: Any) -> Any:
        return stmt if product_ids is None else stmt.where(column.in_(product_ids))

    on_hand = dict(session.execute(only(select(StockOnHand.product_id, StockOnHand.qty_m).where(
        StockOnHand.warehouse_id == wid), StockOnHand.product_id)).all())
    m = StockMovement
    sold = dict(session.execute(only(
        select(m.product_id, -func.sum(m.qty_m))  # sales out (−) less returns in (+)
        .where(m.warehouse_id == wid, m.occurred_at >= since,
               m.kind.in_(("sale", "delivery", "return", "delivery_return")))
        .group_by(m.product_id), m.product_id)).all())
    to_receive = dict(session.execute(only(
        select(PurchaseOrderLine.product_id,
               func.sum(PurchaseOrderLine.ordered_m - PurchaseOrderLine.received_m - PurchaseOrderLine.cancelled_m))
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrder.warehouse_id == wid, PurchaseOrder.status.in_(OPEN_STATUSES),
               PurchaseOrderLine.ordered_m > PurchaseOrderLine.received_m + PurchaseOrderLine.cancelled_m)
        .group_by(PurchaseOrderLine.product_id), PurchaseOrderLine.product_id)).all())
    to_ship: dict[int, int] = defaultdict(int)
    for provider in TO_SHIP:
        for pid, qty in provider(session, wid).items():
            if product_ids is None or pid in product_ids:
                to_ship[pid] += qty
    levels = {lv.product_id: lv for lv in session.scalars(only(
        select(StockLevel).where(StockLevel.warehouse_id == wid), StockLevel.product_id))}
    wanted = set(on_hand) | set(sold) | set(to_receive) | set(to_ship) | set(levels)
    suppliers = dict(session.execute(select(Supplier.id, Supplier.name)).all())
    quotes: dict[int, tuple[int, str, int, int, int, int]] = {}
    for sp in session.execute(only(
            select(SupplierProduct.product_id, SupplierProduct.supplier_id, SupplierProduct.unit_code,
                   SupplierProduct.unit_factor, SupplierProduct.price_fen, SupplierProduct.lead_time_days,
                   SupplierProduct.min_order_units, SupplierProduct.preferred)
            .order_by(SupplierProduct.preferred, SupplierProduct.id), SupplierProduct.product_id)):
        quotes[sp[0]] = (sp[1], sp[2], sp[3], sp[4], sp[5], sp[6])  # the preferred one is read last and wins
    products = {pid: (sku, name, weighed) for pid, sku, name, weighed in session.execute(only(
        select(Product.id, Product.sku, Product.name, Product.weighed).where(Product.active.is_(True)), Product.id))
        if pid in wanted}
    out = []
    for pid in sorted(products):
        sku, name, _weighed = products[pid]
        hand, ship, receive = int(on_hand.get(pid, 0)), int(to_ship.get(pid, 0)), int(to_receive.get(pid, 0))
        estimated = hand - ship + receive
        net_sold = max(0, int(sold.get(pid, 0)))
        daily = (2 * net_sold + window_days) // (2 * window_days)
        quote = quotes.get(pid)
        lead = quote[4] if quote else DEFAULT_LEAD_DAYS
        level = levels.get(pid)
        min_m = level.min_m if level else 0
        max_m = level.max_m if level else None
        cover = level.cover_days if level and level.cover_days else (None if max_m is not None else default_cover_days)
        point = max(min_m, daily * lead)
        target = max_m if max_m is not None else daily * (lead + (cover or 0))
        target = max(target, min_m)
        need = target - estimated if (estimated <= point and (daily > 0 or min_m > 0)) or estimated < min_m else 0
        unit_code, factor, price, supplier_id, min_units = "pc", 1, None, None, 1
        if quote:
            supplier_id, unit_code, factor, price, _lead, min_units = quote
        units = 0
        if need > 0:
            units = max(_ceil_div(need, factor * MILLI), min_units)
        if units == 0 and not include_all:
            continue
        out.append(Suggestion(
            product_id=pid, sku=sku, name=name, on_hand_m=hand, to_ship_m=ship, to_receive_m=receive,
            estimated_m=estimated, sold_m=net_sold, daily_m=daily, lead_time_days=lead, min_m=min_m, max_m=max_m,
            cover_days=cover, reorder_point_m=point, target_m=target, suggest_m=units * factor * MILLI,
            suggest_units=units, unit_code=unit_code, unit_factor=factor, supplier_id=supplier_id,
            supplier_name=suppliers.get(supplier_id) if supplier_id else None, price_fen=price,
            amount_fen=units * price if price is not None else None))
    out.sort(key=lambda s: (s.supplier_id is None, s.supplier_id or 0, s.sku))
    return Reorder(wid, wh.code, window_days, bool(TO_SHIP), out, len(products))


@dataclass(frozen=True)
class Drafted:
    order_ids: list[int]
    skipped: list[int]
    """Products with no supplier price: nobody to order them from."""


def draft_orders(session: Session, *, actor: Principal | None, warehouse_id: int,
                 product_ids: list[int] | None = None, window_days: int = DEFAULT_WINDOW_DAYS,
                 quantities: dict[int, Decimal] | None = None) -> Drafted:
    """One draft purchase order per supplier from the suggestions (all, or the products named;
    `quantities` overrides a suggestion, in its purchase unit), for a buyer to check and submit."""
    plan = reorder(session, warehouse_id=warehouse_id, window_days=window_days, product_ids=product_ids)
    by_supplier: dict[int, list[OrderLineIn]] = defaultdict(list)
    skipped = []
    for s in plan.suggestions:
        units = (quantities or {}).get(s.product_id, Decimal(s.suggest_units))
        if units <= 0:
            continue
        if s.supplier_id is None:
            skipped.append(s.product_id)
            continue
        by_supplier[s.supplier_id].append(OrderLineIn(product_id=s.product_id, qty=units, unit_code=s.unit_code))
    if not by_supplier:
        raise Invalid("没有可下单的补货建议（或商品没有供应商报价）", "no suggestion to order (or no supplier price)",
                      code="nothing_to_order", field="product_ids")
    ids = [create_order(session, actor=actor, supplier_id=sup, warehouse_id=warehouse_id, lines=lines,
                        source="reorder", note="由补货建议生成 / drafted from the reorder suggestions").id
           for sup, lines in sorted(by_supplier.items())]
    return Drafted(ids, skipped)
