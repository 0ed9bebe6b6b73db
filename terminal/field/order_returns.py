"""Goods back from the customer against the original order: refused on delivery (拒收), returned
later (退货), or leftovers the driver brings back (剩货). Quantities only, per order line as central
numbers them (1, 2, … in the order's line order); central prices them from the order and leaves the
delivered quantities as they were.

The tablet refuses a return of more than was delivered less what already came back (central's
figures at the last pull, plus this tablet's returns it has not acknowledged yet); an order central
has not sent back yet cannot be returned against (nothing was delivered that the tablet knows of).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sync.events import OrderReturnLine, OrderReturnRecorded, utcnow, uuid7
from sync.field import ReturnKind
from sync.master import SalesOrderInfo
from terminal.errors import NotFound, ReturnError
from terminal.field.rep_session import RepSession
from terminal.receipt_numbers import receipt_prefix
from terminal.store import Store

RETURN_SEQ = "field_return"


@dataclass(frozen=True)
class ReturnableLine:
    line_no: int
    product_id: int
    name: str
    unit_code: str
    ordered_qty: Decimal
    delivered_qty: Decimal
    returned_qty: Decimal
    """Central's returned quantity plus this tablet's unsynced returns."""

    @property
    def returnable_qty(self) -> Decimal:
        return max(Decimal(0), self.delivered_qty - self.returned_qty)


class OrderReturns:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _central(self, order_id: str) -> SalesOrderInfo:
        rows = self.store.field.central_orders(order_ids=[order_id])
        if not rows:
            raise NotFound("订单尚未同步回平板，不能退货", "the order has not come back from central yet",
                           code="order_not_synced")
        return SalesOrderInfo.model_validate(rows[0])

    def returnable(self, order_id: str) -> list[ReturnableLine]:
        info = self._central(order_id)
        pending: dict[int, Decimal] = {}
        for ret in self.store.field.returns_of(order_id):
            if ret.return_id in self.store.field.unsynced_return_ids(order_id):
                for ln in ret.lines:
                    pending[ln.order_line_no] = pending.get(ln.order_line_no, Decimal(0)) + ln.qty
        return [ReturnableLine(line_no=ln.line_no, product_id=ln.product_id, name=ln.name, unit_code=ln.unit_code,
                               ordered_qty=Decimal(ln.qty), delivered_qty=Decimal(ln.delivered_qty),
                               returned_qty=Decimal(ln.returned_qty) + pending.get(ln.line_no, Decimal(0)))
                for ln in info.lines]

    def record(self, session: RepSession, order_id: str, lines: list[tuple[int, Decimal | int | str, bool]], *,
               kind: ReturnKind | str = ReturnKind.RETURNED, reason: str | None = None,
               at: datetime | None = None) -> OrderReturnRecorded:
        """Record goods back: `lines` are (order line no, qty in the line's unit, restock?)."""
        rep = session.user
        try:
            kind = ReturnKind(kind)
        except ValueError:
            raise ReturnError("退货类型不正确", f"unknown return kind {kind}", code="kind") from None
        by_no = {ln.line_no: ln for ln in self.returnable(order_id)}
        out: list[OrderReturnLine] = []
        for line_no, qty, restock in lines:
            ln = by_no.get(line_no)
            if ln is None:
                raise ReturnError(f"订单没有第 {line_no} 行", f"the order has no line {line_no}", code="line")
            q = Decimal(str(qty))
            if q <= 0:
                continue
            if q > ln.returnable_qty:
                raise ReturnError(f"{ln.name} 最多可退 {ln.returnable_qty}", f"{ln.name}: at most "
                                  f"{ln.returnable_qty} can come back (delivered less returned)",
                                  code="return_exceeds_sale")
            out.append(OrderReturnLine(order_line_no=line_no, product_id=ln.product_id, qty=q, restock=restock))
        if not out:
            raise ReturnError("没有要退的商品", "nothing to return", code="empty_return")
        store = self.store
        with store.transaction():
            ret = OrderReturnRecorded(
                return_id=uuid7(), return_no=f"{receipt_prefix(store)}-R{store.next_seq(RETURN_SEQ):06d}",
                order_id=order_id, rep_id=rep.id, terminal_id=store.terminal_id(), returned_at=at or utcnow(),
                kind=kind, reason=(reason or "").strip()[:200] or None, lines=out)
            store.field.add_return(ret)
        return ret
