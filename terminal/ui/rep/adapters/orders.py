"""Field order area: the order being taken (a `terminal.field.orders.OrderDraft`), priced and checked by
`FieldOrders` after every change, submitted, its confirmation printed; and the order status list.

The draft's lines are what the rep picked (product, unit, quantity, gift); what they cost, the
promotions' gifts and whether the order would be held come from `FieldOrders.price`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from drivers.camera import decode_frame, open_camera
from sync.catalog import Product
from sync.events import FieldOrderLine
from terminal.catalog import Catalog
from terminal.errors import NotFound
from terminal.field.customers import CustomerCard as ServiceCard
from terminal.field.order_status import OrderView, my_orders
from terminal.field.orders import FieldOrders, OrderDraft, OrderLineInput, PricedOrder
from terminal.field.rep_session import RepSession
from terminal.store import Store
from terminal.ui import i18n
from terminal.ui.format import money, parse_qty
from terminal.ui.rep.adapters.customers import CustomersArea
from terminal.ui.rep.adapters.words import pick, when
from terminal.ui.rep.views import DraftLineView, DraftView, OrderSaved, OrderStatusRow, ProductPick
from terminal.ui.views import PrintOutcome

SEARCH_LIMIT = 30


class OrdersArea:
    def __init__(self, store: Store, catalog: Catalog, orders: FieldOrders, customers: CustomersArea,
                 session: RepSession, today: Callable[[], date], *, camera: str | None = None,
                 printer: Any = None) -> None:
        self._store = store
        self._catalog = catalog
        self._orders = orders
        self._customers = customers
        self._session = session
        self._today = today
        self._camera = camera
        self._printer = printer
        """`PrintingArea` (the rep's portable ESC/POS printer) or None when none is configured."""
        self._draft: OrderDraft | None = None
        self._card: ServiceCard | None = None
        self._priced: PricedOrder | None = None
        self.visit_id: str | None = None
        """The visit under way, if any: orders taken during it name it."""

    # ------------------------------------------------------------------ the draft

    def start(self, customer_key: str) -> DraftView:
        """A new, empty order for the customer the rep is with."""
        self._draft = OrderDraft(customer_key=customer_key)
        self._card = self._customers.service_card(customer_key)
        self._priced = None
        return self.draft()

    def draft(self) -> DraftView:
        draft, card = self._require()
        priced = self._priced
        lines: list[DraftLineView] = []
        if priced is not None:
            for index, line in zip(self._line_indexes(draft, priced), priced.lines, strict=True):
                lines.append(self._line_view(index, line, priced))
        hold = pick(priced.hold_message) if priced is not None and priced.held else ""
        return DraftView(customer=card.name, lines=tuple(lines), total_fen=priced.total_fen if priced else 0,
                         discount_fen=priced.discount_fen if priced else 0, available_fen=card.available_fen,
                         credit_text=(i18n.tr("available_short", amount=money(card.available_fen))
                                      if card.on_credit_allowed else i18n.tr("terms_cod")),
                         hold_text=(i18n.tr("would_block", reasons=hold) if priced is not None and priced.blocked
                                    else i18n.tr("would_hold", reasons=hold) if hold else ""),
                         blocked=bool(priced and priced.blocked))

    def _require(self) -> tuple[OrderDraft, ServiceCard]:
        if self._draft is None or self._card is None:
            raise NotFound("请先选择客户", "pick a customer first", code="no_customer")
        return self._draft, self._card

    @staticmethod
    def _line_indexes(draft: OrderDraft, priced: PricedOrder) -> list[int]:
        """The draft line each priced line came from (-1: a promotion's gift, not editable). Pricing
        returns the sold lines in the draft's order, the promotions' gifts, then the rep's gifts."""
        sold = iter(i for i, ln in enumerate(draft.lines) if not ln.gift)
        gifts = iter(i for i, ln in enumerate(draft.lines) if ln.gift)
        out: list[int] = []
        rep_gifts_from = len(priced.lines) - sum(1 for ln in draft.lines if ln.gift)
        for n, line in enumerate(priced.lines):
            if n >= rep_gifts_from:
                out.append(next(gifts))
            elif line.is_gift and line.amount_fen == 0 and line.promotion_ids:
                out.append(-1)
            else:
                out.append(next(sold, -1))
        return out

    def _line_view(self, index: int, line: FieldOrderLine, priced: PricedOrder) -> DraftLineView:
        notes: list[str] = []
        names = {p.promotion_id: p.name for p in priced.applied} if priced.applied else {}
        notes.extend(names.get(pid, "") for pid in line.promotion_ids if names.get(pid))
        if line.discount_fen and not line.is_gift:
            notes.append(i18n.tr("line_saving", amount=money(line.discount_fen)))
        return DraftLineView(index=index, name=line.name, unit_name=self._catalog.unit_name(line.product_id, line.unit_code),
                             qty=_qty_text(line.qty), unit_price_fen=line.unit_price_fen, amount_fen=line.amount_fen,
                             is_gift=line.is_gift, note=" · ".join(notes))

    def _reprice(self) -> DraftView:
        draft, card = self._require()
        self._priced = self._orders.price(draft, card=card) if draft.lines else None
        return self.draft()

    def add_line(self, product_id: int, unit_code: str, qty_text: str, gift: bool) -> DraftView:
        draft, _card = self._require()
        line = OrderLineInput(product_id=int(product_id), unit_code=unit_code, qty=parse_qty(qty_text), gift=bool(gift))
        draft.lines.append(line)
        try:
            return self._reprice()
        except Exception:
            draft.lines.pop()  # a line the pricing refused leaves the order as it was
            raise

    def change_line(self, index: int, unit_code: str, qty_text: str, gift: bool) -> DraftView:
        draft, _card = self._require()
        before = draft.lines[int(index)]
        draft.lines[int(index)] = OrderLineInput(before.product_id, unit_code, parse_qty(qty_text), bool(gift))
        try:
            return self._reprice()
        except Exception:
            draft.lines[int(index)] = before
            raise

    def remove_line(self, index: int) -> DraftView:
        draft, _card = self._require()
        del draft.lines[int(index)]
        return self._reprice()

    def line_for_edit(self, index: int) -> tuple[ProductPick, str, str, bool]:
        draft, _card = self._require()
        line = draft.lines[int(index)]
        return self._pick(self._catalog.product(line.product_id)), line.unit_code, _qty_text(line.qty), line.gift

    # ------------------------------------------------------------------ picking products

    def find_products(self, text: str, category_id: int | None = None) -> list[ProductPick]:
        self._require()
        picks: list[ProductPick] = []
        for hit in self._catalog.search(text.strip(), SEARCH_LIMIT):
            product = self._catalog.product(hit.product_id)
            if category_id is not None and product.category_id != category_id:
                continue
            picks.append(self._pick(product))
        return picks

    def categories(self) -> list[tuple[int, str]]:
        """Categories to browse by (none until central ships category names to tablets)."""
        return []

    def scan(self, code: str) -> ProductPick | None:
        """A barcode (piece or box) or SKU typed or scanned; None when it is no code (search instead)."""
        try:
            scanned = self._catalog.lookup(code)
        except NotFound:
            return None
        return replace(self._pick(scanned.product), scanned_unit=scanned.unit.code)

    def has_camera(self) -> bool:
        return bool(self._camera)

    def scan_camera(self) -> ProductPick | None:
        """One frame from the camera driver, decoded; the product of the first code in it."""
        if not self._camera:
            return None
        source = open_camera(self._camera)
        try:
            frame = source.read()
        finally:
            source.close()
        for result in decode_frame(frame) if frame is not None else ():
            found = self.scan(result.code)
            if found is not None:
                return found
        return None

    def _pick(self, product: Product) -> ProductPick:
        """The product with the customer's price of each unit (priced by `FieldOrders`, one line each)."""
        draft, card = self._require()
        prices: list[str] = []
        units = sorted(product.units, key=lambda u: u.factor)
        for unit in units:
            try:
                priced = self._orders.price(OrderDraft(customer_key=draft.customer_key,
                                                       lines=[OrderLineInput(product.id, unit.code, 1)]), card=card)
                fen = next(ln.amount_fen for ln in priced.lines if ln.product_id == product.id and not ln.is_gift)
            except Exception:  # a unit pricing refuses is still listed, at its list price
                fen = unit.price_fen
            prices.append(f"{money(fen)}/{unit.name or unit.code}")
        return ProductPick(product_id=product.id, sku=product.sku, name=product.name,
                           units=tuple((u.code, u.name or u.code, u.factor) for u in units),
                           price_text=" · ".join(prices))

    # ------------------------------------------------------------------ delivery and submit

    def default_delivery_date(self) -> str:
        return (self._today() + timedelta(days=1)).isoformat()

    def warehouses(self) -> list[tuple[int, str]]:
        return [(wid, i18n.tr("warehouse_n", id=wid)) for wid in self._orders.warehouses()]

    def submit(self, requested_date: str, warehouse_id: int | None, remarks: str) -> OrderSaved:
        draft, _card = self._require()
        try:
            draft.requested_date = date.fromisoformat(requested_date) if requested_date else None
        except ValueError:
            raise NotFound(f"送货日期不正确：{requested_date}（例如 2026-12-08）",
                           f"not a delivery date: {requested_date} (e.g. 2026-12-08)", code="bad_date") from None
        draft.warehouse_id = warehouse_id
        draft.remarks = remarks or None
        draft.visit_id = self.visit_id
        submitted = self._orders.submit(self._session, draft)
        return OrderSaved(order_id=submitted.order_id, order_no=submitted.order.order_no,
                          total_fen=submitted.order.total_fen, held=submitted.held,
                          hold_text=pick(submitted.priced.hold_message))

    # ------------------------------------------------------------------ printing

    def can_print(self) -> bool:
        return self._printer is not None and self._printer.configured()

    def print_confirmation(self, order_id: str) -> PrintOutcome:
        if self._printer is None:
            return PrintOutcome(ok=False, error=i18n.tr("no_printer"))
        return self._printer.print_order(order_id)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ status

    def statuses(self, customer_key: str | None) -> list[OrderStatusRow]:
        names: dict[str, str] = {}
        rows: list[OrderStatusRow] = []
        for view in my_orders(self._store):
            if customer_key is not None and view.customer_key != customer_key:
                continue
            if view.customer_key not in names:
                try:
                    names[view.customer_key] = self._customers.service_card(view.customer_key).name
                except NotFound:
                    names[view.customer_key] = view.customer_key
            rows.append(_status_row(view, names[view.customer_key]))
        return rows


def _status_row(view: OrderView, customer: str) -> OrderStatusRow:
    detail: list[str] = []
    if view.held and view.hold_message[0]:
        detail.append(pick(view.hold_message))
    if view.reject_reason:
        detail.append(i18n.tr("rejected_because", reason=view.reject_reason))
    if view.cancel_reason:
        detail.append(i18n.tr("cancelled_because", reason=view.cancel_reason))
    if view.delivered_fen:
        detail.append(i18n.tr("delivered_of", amount=money(view.delivered_fen)))
    if view.central is not None:
        for d in view.central.deliveries:
            detail.append(f"{d.delivery_no} {i18n.tr('delivery_' + d.status) if ('delivery_' + d.status) in i18n.MESSAGES else d.status}")
    if view.returned_fen:
        detail.append(i18n.tr("returned_of", amount=money(view.returned_fen)))
    return OrderStatusRow(order_id=view.order_id, order_no=view.order_no, customer=customer, when=when(view.ordered_at),
                          status=view.status, status_text=pick(view.status_text), total_fen=view.total_fen,
                          delivered_fen=view.delivered_fen, detail=" · ".join(detail), held=view.held)


def _qty_text(qty: Any) -> str:
    text = str(qty)
    return text.rstrip("0").rstrip(".") if "." in text else text
