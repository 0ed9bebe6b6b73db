"""Applying a rep tablet's field events at central: visits (`visit.recorded`) and collections
(`collection.recorded`). Called by the sync engine inside its transaction; never commits.

A visit's photos are only referenced here (`central.attachments.models.AttachmentRef`): the event
never waits for them, and the tablet may upload a file only after its event named it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from central.attachments.models import AttachmentRef
from central.customers.ingest import rep_customer
from central.errors import Conflict
from central.field.collections import collectable, flag_excess, record_collection
from central.field.models import Collection, Visit
from central.field.visits import missing_steps, required_steps
from central.syncing import feed
from sync.events import CollectionRecorded, VisitRecorded
from sync.master import Entity
from sync.store_time import business_date


def apply_visit_recorded(session: Session, ev: VisitRecorded, *, terminal_id: int, received_at: datetime,
                         rep_id: int | None = None, store_id: int | None = None) -> Visit:
    customer = rep_customer(session, customer_id=ev.customer_id, new_customer_id=ev.new_customer_id,
                            ev_rep_id=ev.rep_id, ev_terminal_id=ev.terminal_id, terminal_id=terminal_id, rep_id=rep_id)
    if session.get(Visit, ev.visit_id) is not None:
        raise Conflict(f"拜访记录已存在：{ev.visit_id}", f"visit already recorded: {ev.visit_id}",
                       code="duplicate_document", field="visit_id")
    visit = Visit(
        id=ev.visit_id, customer_id=customer.id, rep_id=ev.rep_id, terminal_id=terminal_id,
        checked_in_at=ev.checked_in_at, checked_out_at=ev.checked_out_at, received_at=received_at,
        business_date=business_date(ev.checked_in_at),
        latitude=ev.location.latitude if ev.location else None, longitude=ev.location.longitude if ev.location else None,
        accuracy_m=ev.location.accuracy_m if ev.location else None, notes=ev.notes,
        steps=[s.model_dump(mode="json") for s in ev.steps], missing_steps=missing_steps(
            required_steps(session, customer), ev),
        photos=[p.model_dump(mode="json") for p in ev.photos],
        follow_up_date=ev.follow_up.due_date if ev.follow_up else None,
        follow_up=ev.follow_up.text if ev.follow_up else None, order_ids=list(ev.order_ids))
    session.add(visit)
    seen = set()
    for photo in ev.photos:
        if photo.sha256 in seen:
            continue
        seen.add(photo.sha256)
        session.add(AttachmentRef(sha256=photo.sha256, owner_type="visit", owner_id=visit.id, terminal_id=terminal_id,
                                  customer_id=customer.id, size=photo.size, content_type=photo.content_type,
                                  step=photo.step, taken_at=photo.taken_at, created_at=received_at))
    session.flush()
    feed.touch(session, Entity.CUSTOMER.value, [customer.id])  # its last visits
    return visit


def apply_collection_recorded(session: Session, ev: CollectionRecorded, *, terminal_id: int,
                              received_at: datetime, rep_id: int | None = None,
                              store_id: int | None = None) -> Collection:
    customer = rep_customer(session, customer_id=ev.customer_id, new_customer_id=ev.new_customer_id,
                            ev_rep_id=ev.rep_id, ev_terminal_id=ev.terminal_id, terminal_id=terminal_id, rep_id=rep_id)
    before = collectable(session, customer, order_id=ev.order_id)
    collection = record_collection(
        session, collection_id=ev.collection_id, receipt_no=ev.receipt_no, customer=customer,
        amount_fen=ev.amount_fen, method=ev.method.value, collected_at=ev.collected_at, received_at=received_at,
        rep_id=ev.rep_id, terminal_id=terminal_id, reference=ev.reference, note=ev.note, order_id=ev.order_id)
    # the money was taken: it is applied as far as it holds (the rest an advance) and an excess flagged
    flag_excess(session, collection, before, store_id=store_id, terminal_id=terminal_id)
    return collection
