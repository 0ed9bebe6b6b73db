"""Applying a rep tablet's customer events at central: new customers, edits, (older) visit notes.

Called by the sync engine inside its transaction; never commits. A rep may only act on their
own customers: an event for another rep's customer is refused with `WrongScope`. Orders are
applied by `central.orders.ingest`, visits and collections by `central.field.ingest`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.customers.history import apply_field_changes
from central.customers.models import (
    REP_EDITABLE_FIELDS,
    Customer,
    CustomerFieldChange,
    CustomerType,
    VisitNote,
)
from central.errors import Conflict, DomainError, Invalid, NotYetAtCentral, WrongScope, not_found
from sync.events import CustomerCreated, CustomerUpdated, VisitNoteCreated
from sync.field import CustomerStatus

FIELD_MAX_LENGTH = {"contact_name": 50, "contact_phone": 20, "address": 200, "notes": 2000}


def _check_sender(*, ev_rep_id: int, ev_terminal_id: int, terminal_id: int, rep_id: int | None) -> None:
    if ev_terminal_id != terminal_id:
        raise WrongScope(f"事件属于终端 {ev_terminal_id}，不是发送它的终端 {terminal_id}",
                         f"event is for terminal {ev_terminal_id}, not the sending terminal {terminal_id}",
                         field="terminal_id")
    if rep_id is not None and ev_rep_id != rep_id:
        raise WrongScope(f"事件属于业务员 {ev_rep_id}，不是本平板的业务员 {rep_id}",
                         f"event is for rep {ev_rep_id}, not this tablet's rep {rep_id}", field="rep_id")


def rep_customer(session: Session, *, customer_id: int | None, ev_rep_id: int, ev_terminal_id: int,
                 terminal_id: int, rep_id: int | None, new_customer_id: str | None = None) -> Customer:
    """The customer (by central's id, or by the tablet's id of one it created offline), checked to
    belong to the rep who sent the event from their own tablet.

    A `new_customer_id` central has not heard of is `dependency_missing` (deferred): its
    `customer.created` has not arrived, or is in quarantine until head office retries it."""
    _check_sender(ev_rep_id=ev_rep_id, ev_terminal_id=ev_terminal_id, terminal_id=terminal_id, rep_id=rep_id)
    if customer_id is not None:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise not_found("客户", "customer", "customer_id", customer_id)
    else:
        customer = session.scalar(select(Customer).where(Customer.client_id == new_customer_id))
        if customer is None:
            raise DomainError(f"新客户 {new_customer_id} 尚未到达总部", f"new customer {new_customer_id} has not "
                              "reached central yet", code=NotYetAtCentral.DEPENDENCY_MISSING, field="new_customer_id")
    if customer.rep_id != ev_rep_id:
        raise WrongScope(f"客户 {customer.code} 不属于业务员 {ev_rep_id}",
                         f"customer {customer.code} is not rep {ev_rep_id}'s", field="customer_id")
    return customer


def apply_visit_note_created(session: Session, ev: VisitNoteCreated, *, terminal_id: int,
                             received_at: datetime, rep_id: int | None = None,
                             store_id: int | None = None) -> VisitNote:
    """Record a visit note on the rep's customer."""
    rep_customer(session, customer_id=ev.customer_id, ev_rep_id=ev.rep_id, ev_terminal_id=ev.terminal_id,
                  terminal_id=terminal_id, rep_id=rep_id)
    if session.get(VisitNote, ev.note_id) is not None:
        raise Conflict(f"拜访记录已存在：{ev.note_id}", f"visit note already recorded: {ev.note_id}",
                       code="duplicate_document", field="note_id")
    note = VisitNote(id=ev.note_id, customer_id=ev.customer_id, rep_id=ev.rep_id, terminal_id=terminal_id,
                     visited_at=ev.visited_at, received_at=received_at, text=ev.text)
    session.add(note)
    session.flush()
    return note


def apply_customer_updated(session: Session, ev: CustomerUpdated, *, terminal_id: int,
                           received_at: datetime, rep_id: int | None = None,
                           store_id: int | None = None) -> list[CustomerFieldChange]:
    """Merge a rep's offline edits field by field: this receipt wins, the old value goes to history."""
    customer = rep_customer(session, customer_id=ev.customer_id, ev_rep_id=ev.rep_id,
                             ev_terminal_id=ev.terminal_id, terminal_id=terminal_id, rep_id=rep_id)
    for field, value in ev.fields.items():
        if field not in REP_EDITABLE_FIELDS:
            raise Invalid(f"业务员不能修改字段 {field}", f"a rep may not edit field {field}",
                          code="field_not_editable", field=f"fields.{field}")
        if value is not None and len(value) > FIELD_MAX_LENGTH[field]:
            raise Invalid(f"{field} 太长（最多 {FIELD_MAX_LENGTH[field]} 字）",
                          f"{field} is too long (max {FIELD_MAX_LENGTH[field]})", code="too_long",
                          field=f"fields.{field}")
    return apply_field_changes(session, customer, dict(ev.fields), source="rep", edited_at=ev.edited_at,
                               user_id=ev.rep_id, terminal_id=terminal_id, recorded_at=received_at)


def apply_customer_created(session: Session, ev: CustomerCreated, *, terminal_id: int, received_at: datetime,
                           rep_id: int | None = None, store_id: int | None = None) -> Customer:
    """A customer a rep created offline: the rep's, *pending* (cash on delivery) until head office
    reviews it; numbered by central (`NC00001` …), found by later events through its `client_id`."""
    from central.syncing import feed

    _check_sender(ev_rep_id=ev.rep_id, ev_terminal_id=ev.terminal_id, terminal_id=terminal_id, rep_id=rep_id)
    if session.scalar(select(Customer.id).where(Customer.client_id == ev.customer_id)) is not None:
        raise Conflict(f"客户已存在：{ev.customer_id}", f"customer already recorded: {ev.customer_id}",
                       code="duplicate_document", field="customer_id")
    if session.get(CustomerType, ev.customer_type.value) is None:
        raise not_found("客户类型", "customer type", "customer_type", ev.customer_type.value)
    if ev.parent_customer_id is not None:
        rep_customer(session, customer_id=ev.parent_customer_id, ev_rep_id=ev.rep_id, ev_terminal_id=ev.terminal_id,
                     terminal_id=terminal_id, rep_id=rep_id)
    code = f"NC{feed.allocate(session, 1, 'customer_code'):05d}"
    while session.scalar(select(Customer.id).where(Customer.code == code)) is not None:
        code = f"NC{feed.allocate(session, 1, 'customer_code'):05d}"
    customer = Customer(
        code=code, name=ev.name, contact_name=ev.contact_name, contact_phone=ev.contact_phone, address=ev.address,
        region=ev.region, notes=ev.notes, tags=["新客户"], rep_id=ev.rep_id, credit_limit_fen=0, credit_days=0,
        active=True, customer_type=ev.customer_type.value, status=CustomerStatus.PENDING.value,
        client_id=ev.customer_id, created_by_terminal_id=terminal_id, parent_id=ev.parent_customer_id,
        discount_bp=0, contacts=[], latitude=ev.latitude, longitude=ev.longitude, created_at=received_at,
        updated_at=received_at)
    session.add(customer)
    session.flush()
    return customer
