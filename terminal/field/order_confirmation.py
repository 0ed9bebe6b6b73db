"""The order confirmation (订货确认单) a rep shows the customer and prints on a portable ESC/POS printer:
the order as it was saved on the tablet (its event payload), lines in pieces or boxes with the
customer's prices, gifts, the total, the delivery date and, for an order held for approval, why.
Printed in GB18030 through the terminal's printer driver, like the collection receipt."""

from __future__ import annotations

from drivers.document import Blank, Block, Columns, Cut, Document, Rule, Text
from sync.field import hold_message
from sync.money import format_fen
from sync.store_time import STORE_TZ
from terminal.catalog import Catalog
from terminal.errors import NotFound
from terminal.field.customers import Customers
from terminal.store import Store


def _qty(qty: object) -> str:
    text = str(qty)
    return text.rstrip("0").rstrip(".") if "." in text else text


def order_confirmation(store: Store, catalog: Catalog, customers: Customers, order_id: str, *,
                       lang: str = "zh") -> Document:
    """The confirmation of an order taken on this tablet, as a printable document."""
    order = store.field.order_payload(order_id)
    if order is None:
        raise NotFound("订单不存在", f"no order {order_id}", code="no_order")
    zh = lang == "zh"
    key = str(order.customer_id) if order.customer_id is not None else str(order.new_customer_id)
    info = customers.info(key)
    name = info.name if info is not None else next(
        (n.name for n in store.field.new_customers() if n.customer_id == key), key)
    settings = catalog.store_settings()
    rep = store.master.user(order.rep_id)
    when = order.ordered_at.astimezone(STORE_TZ).strftime("%Y-%m-%d %H:%M")
    blocks: list[Block] = [
        Text(settings.receipt_header or settings.name, align="center", bold=True, size="tall"),
        Text("订货确认单" if zh else "Order confirmation", align="center", bold=True),
        Rule(),
        Columns("单号" if zh else "No.", order.order_no),
        Columns("日期" if zh else "Date", when),
        Columns("客户" if zh else "Customer", name),
        Columns("业务员" if zh else "Rep", rep.name if rep else ""),
    ]
    if order.requested_date:
        blocks.append(Columns("送货日期" if zh else "Delivery", order.requested_date.isoformat()))
    blocks.append(Rule())
    for line in order.lines:
        unit = catalog.unit_name(line.product_id, line.unit_code)
        gift = ("【赠】" if zh else "[gift] ") if line.is_gift else ""
        blocks.append(Text(f"{gift}{line.name}"))
        blocks.append(Columns(f"  {_qty(line.qty)}{unit} × {format_fen(line.unit_price_fen)}",
                              format_fen(line.amount_fen)))
    blocks += [Rule(), Columns("合计" if zh else "Total", format_fen(order.total_fen), bold=True, size="tall"),
               Columns("付款" if zh else "Terms", ("月结" if zh else "on account") if order.on_credit
                       else ("货到付款" if zh else "cash on delivery"))]
    if order.note:
        blocks.append(Text(("备注：" if zh else "Remarks: ") + order.note))
    if order.held:
        words = hold_message(order.hold_reasons)[0 if zh else 1]
        blocks.append(Text(("待公司审批：" if zh else "Awaiting approval: ") + words, bold=True))
    blocks += [Rule(), Text("以公司审批和实际送货为准" if zh else "Subject to approval and delivery", align="center"),
               Blank(2), Text("客户签字：" if zh else "Customer signature:"), Blank(2), Cut()]
    return tuple(blocks)

