"""Which domain service applies each kind of terminal event: the push's routing table.

Written as imports of the functions themselves (not module-name strings) so that a reader, and
jump-to-definition, can follow an event from `/sync/push` (central/syncing/api.py → ingest.push)
into the domain that applies it. A new event type adds one line to HANDLERS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from central.customers import ingest as customers
from central.field import ingest as field
from central.members import ingest as members
from central.orders import ingest as orders
from central.sales import ingest as sales
from central.stored_value import ingest as stored_value
from central.vouchers import ingest as vouchers
from sync.events import EventType

Handler = Callable[..., Any]
"""`handler(session, event_payload, *, terminal_id, store_id, ...)`: applies one event (see ingest._call)."""

HANDLERS: dict[EventType, Handler] = {
    EventType.SALE_COMPLETED: sales.apply_sale_completed,
    EventType.SALE_RETURNED: sales.apply_sale_returned,
    EventType.SALE_CANCELLED: sales.apply_sale_cancelled,
    EventType.SHIFT_OPENED: sales.apply_shift_opened,
    EventType.SHIFT_CLOSED: sales.apply_shift_closed,
    EventType.DRAWER_OPENED: sales.apply_drawer_opened,
    EventType.MEMBER_CREATED: members.apply_member_created,
    EventType.FIELD_ORDER_CREATED: orders.apply_field_order_created,
    EventType.VISIT_NOTE_CREATED: customers.apply_visit_note_created,
    EventType.CUSTOMER_UPDATED: customers.apply_customer_updated,
    EventType.STORED_VALUE_TOPPED_UP: stored_value.apply_stored_value_topped_up,
    EventType.STORED_VALUE_PAID: stored_value.apply_stored_value_paid,
    EventType.STORED_VALUE_REFUNDED: stored_value.apply_stored_value_refunded,
    EventType.VOUCHER_REDEEMED: vouchers.apply_voucher_redeemed,
    EventType.VOUCHER_SOLD: vouchers.apply_voucher_sold,
    EventType.VOUCHER_RESTORED: vouchers.apply_voucher_restored,
    EventType.CUSTOMER_CREATED: customers.apply_customer_created,
    EventType.VISIT_RECORDED: field.apply_visit_recorded,
    EventType.COLLECTION_RECORDED: field.apply_collection_recorded,
    EventType.ORDER_RETURN_RECORDED: orders.apply_order_return_recorded,
}
"""Event type → the domain service that applies one such event."""

STORE_STOCK_HANDLERS: frozenset[Handler] = frozenset({
    sales.apply_sale_completed, sales.apply_sale_returned, sales.apply_sale_cancelled})
"""Handlers that move stock in the till's store warehouse (a batch of several takes their row locks
first); a test that swaps in its own handler takes no such lock."""

@dataclass(frozen=True)
class BatchHandler:
    """A bulk path: a run of such events in a batch is checked event by event (what one-by-one
    application would refuse, `check`) and the accepted ones written with one statement per table
    (`write`). `single` is the one-event handler it stands for."""

    single: Handler
    check: Callable[..., list[Any]]
    write: Callable[..., Any]


BATCH_HANDLERS: dict[EventType, BatchHandler] = {
    EventType.SALE_COMPLETED: BatchHandler(single=sales.apply_sale_completed, check=sales.check_sales_completed,
                                           write=sales.write_sales_completed),
}
"""Event type → its bulk path (sales: the push's hot path)."""
