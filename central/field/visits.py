"""Visits (拜访) at central: what the rep did at the customer, checked against the customer type's
required steps; the photos are referenced by hash and arrive on their own (`central.attachments`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from central.customers.models import Customer, CustomerType
from sync.events import VisitRecorded
from sync.field import VisitStep


def missing_steps(required: Iterable[str], ev: VisitRecorded) -> list[str]:
    """Required steps the visit did not do. A photo step counts as done when a photo came with the
    visit, an order step when an order was taken during it."""
    done = {s.step for s in ev.steps if s.done}
    if ev.photos:
        done.add(VisitStep.PHOTO.value)
    if ev.order_ids:
        done.add(VisitStep.ORDER.value)
    return [step for step in required if step not in done]


def required_steps(session: Session, customer: Customer) -> list[str]:
    kind = session.get(CustomerType, customer.customer_type)
    return list(kind.required_steps) if kind is not None else []
