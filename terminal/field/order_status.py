"""Where each order is: the tablet's own orders joined with what central sent back (`sales_order`):
submitted → held / approved → partly delivered → delivered (→ closed); rejected or cancelled.

An order central has not acknowledged yet is `unsynced` (its held flag is the tablet's own verdict);
acknowledged but not pulled back yet, `submitted`. Central's row wins as soon as it arrives: its
hold reasons (it checks again), quantities after head office's edits, delivered / returned /
cancelled per line and the delivery notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.field import hold_message
from sync.master import SalesOrderInfo
from terminal.store import Store

UNSYNCED = "unsynced"
SUBMITTED = "submitted"

STATUS_TEXT: dict[str, tuple[str, str]] = {
    UNSYNCED: ("未上传", "not synced yet"),
    SUBMITTED: ("已提交", "submitted"),
    "held": ("待审批", "held for approval"),
    "approved": ("已审批", "approved"),
    "partly_delivered": ("部分发货", "partly delivered"),
    "delivered": ("已发货", "delivered"),
    "closed": ("已关闭", "closed"),
    "rejected": ("已驳回", "rejected"),
    "cancelled": ("已取消", "cancelled"),
}


@dataclass(frozen=True)
class OrderView:
    order_id: str
    order_no: str
    customer_key: str
    ordered_at: str
    status: str
    total_fen: int
    original_total_fen: int
    held: bool
    hold_reasons: tuple[str, ...]
    """Central's reasons once it has the order, else the tablet's."""
    hold_message: tuple[str, str]
    mine: bool
    """Taken on this tablet (else entered at head office or on another tablet)."""
    delivered_fen: int = 0
    returned_fen: int = 0
    reject_reason: str | None = None
    cancel_reason: str | None = None
    central: SalesOrderInfo | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status_text(self) -> tuple[str, str]:
        return STATUS_TEXT.get(self.status, (self.status, self.status))


def orders_of_customer(store: Store, customer_id: int) -> list[dict[str, Any]]:
    """Central's rows of a customer's orders, newest first."""
    return store.field.central_orders(customer_id=customer_id)


def order_view(store: Store, order_id: str) -> OrderView | None:
    central = store.field.central_orders(order_ids=[order_id])
    mine = store.field.order(order_id)
    if not central and mine is None:
        return None
    info = SalesOrderInfo.model_validate(central[0]) if central else None
    return _view(store, mine, info)


def my_orders(store: Store, *, since: str | None = None, until: str | None = None,
              include_others: bool = True) -> list[OrderView]:
    """This tablet's orders (and, with `include_others`, the customers' orders central sent from
    elsewhere), newest first, with their status."""
    rows = store.field.orders(since=since, until=until)
    central = {d["id"]: SalesOrderInfo.model_validate(d) for d in store.field.central_orders()}
    views = [_view(store, r, central.pop(r.id, None)) for r in rows]
    if include_others:
        for info in central.values():
            if (since is None or info.ordered_at >= since) and (until is None or info.ordered_at < until):
                views.append(_view(store, None, info))
    views.sort(key=lambda v: v.ordered_at, reverse=True)
    return views


def _view(store: Store, mine: Any, info: SalesOrderInfo | None) -> OrderView:
    if info is not None:
        reasons = tuple(info.hold_reasons)
        return OrderView(
            order_id=info.id, order_no=info.order_no, customer_key=str(info.customer_id), ordered_at=info.ordered_at,
            status=info.status, total_fen=info.total_fen, original_total_fen=info.original_total_fen,
            held=info.status == "held", hold_reasons=reasons,
            hold_message=hold_message(reasons) if reasons else ("", ""), mine=mine is not None,
            delivered_fen=info.delivered_fen, returned_fen=info.returned_fen, reject_reason=info.reject_reason,
            cancel_reason=info.cancel_reason, central=info, lines=[ln.model_dump() for ln in info.lines])
    payload = store.field.order_payload(mine.id)
    status = SUBMITTED if mine.synced else UNSYNCED
    return OrderView(
        order_id=mine.id, order_no=mine.order_no, customer_key=mine.customer_key, ordered_at=mine.ordered_at,
        status=status, total_fen=mine.total_fen, original_total_fen=mine.total_fen, held=mine.held,
        hold_reasons=mine.hold_reasons, hold_message=hold_message(mine.hold_reasons) if mine.held else ("", ""),
        mine=True, lines=[ln.model_dump(mode="json") for ln in payload.lines] if payload else [])
