"""Visits (拜访): check in, notes, the steps the customer's type requires, photos, follow-ups, check out.

A visit is a draft on the tablet from check-in to check-out (one open at a time; it survives a
restart); check-out writes it with its `visit.recorded` event in one transaction. Photos are kept
by content (`terminal.field.attachments`) and uploaded after the event, never holding it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sync.events import (
    AttachmentRef,
    CompetitorPrice,
    FollowUp,
    Location,
    StockCount,
    VisitRecorded,
    VisitStepDone,
    utcnow,
    uuid7,
)
from sync.field import VisitStep
from sync.master import Entity
from terminal.errors import NotFound, TerminalError
from terminal.field.attachments import keep_photo
from terminal.field.customers import Customers
from terminal.field.rep_session import RepSession
from terminal.store import Store
from terminal.store.field import VisitRow

STEP_NAMES: dict[str, tuple[str, str]] = {
    VisitStep.SHELF_CHECK: ("陈列检查", "shelf check"),
    VisitStep.STOCK_COUNT: ("库存盘点", "stock count"),
    VisitStep.COMPETITOR_PRICES: ("竞品价格", "competitor prices"),
    VisitStep.PHOTO: ("拍照", "photo"),
    VisitStep.ORDER: ("下单", "order"),
    VisitStep.COLLECTION: ("收款", "collection"),
}
MAX_PHOTOS = 30


class VisitError(TerminalError):
    code = "visit_error"


@dataclass(frozen=True)
class VisitState:
    """An open visit as the visit screen shows it."""

    visit_id: str
    customer_key: str
    checked_in_at: str
    notes: str | None
    required_steps: list[str]
    steps: dict[str, dict[str, Any]]
    photos: list[dict[str, Any]]
    order_ids: list[str]
    follow_up: dict[str, str] | None
    missing_steps: list[str]


class Visits:
    def __init__(self, store: Store, customers: Customers | None = None) -> None:
        self.store = store
        self.customers = customers or Customers(store)

    def required_steps(self, customer_key: str) -> list[str]:
        """Steps the customer's type requires (central's `customer_type` rows)."""
        info = self.customers.info(customer_key)
        ctype = info.customer_type if info is not None else next(
            (n.customer_type.value for n in self.store.field.new_customers() if n.customer_id == customer_key), "direct")
        row = self.store.master.get(Entity.CUSTOMER_TYPE.value, ctype)
        return [str(s) for s in (row or {}).get("required_steps") or []]

    def check_in(self, session: RepSession, customer_key: str, *, location: Location | None = None,
                 at: datetime | None = None) -> VisitState:
        session.user  # noqa: B018 - signed in, or AuthError
        if self.store.field.open_visit_row() is not None:
            raise VisitError("还有未签退的拜访，请先签退", "another visit is still open: check out first",
                             code="visit_open")
        if self.customers.info(customer_key) is None and not any(
                n.customer_id == customer_key for n in self.store.field.new_customers()):
            raise NotFound("客户不存在", f"no customer {customer_key}", code="no_customer")
        visit_id = uuid7()
        draft: dict[str, Any] = {"steps": {}, "photos": [], "order_ids": [], "notes": None, "follow_up": None,
                                 "location": location.model_dump() if location else None}
        self.store.field.open_visit(visit_id, str(customer_key), (at or utcnow()).isoformat(), draft)
        return self.state(visit_id)

    def current(self) -> VisitState | None:
        row = self.store.field.open_visit_row()
        return None if row is None else self._state(row)

    def state(self, visit_id: str) -> VisitState:
        return self._state(self._open(visit_id))

    def _open(self, visit_id: str) -> VisitRow:
        row = self.store.field.visit(visit_id)
        if row is None:
            raise NotFound("拜访不存在", f"no visit {visit_id}", code="no_visit")
        if row.status != "open":
            raise VisitError("该拜访已签退", "this visit is checked out already", code="visit_closed")
        return row

    def _state(self, row: VisitRow) -> VisitState:
        d = row.draft
        required = self.required_steps(row.customer_key)
        return VisitState(visit_id=row.id, customer_key=row.customer_key, checked_in_at=row.checked_in_at,
                          notes=d.get("notes"), required_steps=required, steps=dict(d.get("steps") or {}),
                          photos=list(d.get("photos") or []), order_ids=list(d.get("order_ids") or []),
                          follow_up=d.get("follow_up"), missing_steps=self._missing(required, d))

    @staticmethod
    def _missing(required: list[str], d: dict[str, Any]) -> list[str]:
        done = {k for k, v in (d.get("steps") or {}).items() if v.get("done")}
        if d.get("photos"):
            done.add(VisitStep.PHOTO.value)
        if d.get("order_ids"):
            done.add(VisitStep.ORDER.value)
        return [s for s in required if s not in done]

    def _update(self, visit_id: str, change: Any) -> VisitState:
        row = self._open(visit_id)
        draft = dict(row.draft)
        change(draft)
        self.store.field.save_visit_draft(visit_id, draft)
        return self.state(visit_id)

    def set_notes(self, visit_id: str, notes: str | None) -> VisitState:
        text = (notes or "").strip() or None
        if text is not None and len(text) > 2000:
            raise VisitError("备注最多 2000 字", "notes: at most 2000 characters", code="notes_too_long")
        return self._update(visit_id, lambda d: d.__setitem__("notes", text))

    def set_follow_up(self, visit_id: str, due_date: date | None, text: str | None = None) -> VisitState:
        """A promise to come back to (call back, bring samples): reminded on `due_date`; None clears it."""
        if due_date is None:
            return self._update(visit_id, lambda d: d.__setitem__("follow_up", None))
        fu = FollowUp(due_date=due_date, text=(text or "").strip() or "跟进")
        return self._update(visit_id, lambda d: d.__setitem__("follow_up", fu.model_dump(mode="json")))

    def record_step(self, visit_id: str, step: str, *, done: bool = True, note: str | None = None,
                    stock_counts: list[tuple[int, str, Decimal | int | str]] = (),  # type: ignore[assignment]
                    competitor_prices: list[tuple[str, int, str | None]] = ()  # type: ignore[assignment]
                    ) -> VisitState:
        """A step done (or declined, `done=False`) with what was seen: stock counted at the customer
        as (product id, unit, qty), competitor prices as (product seen, price fen, brand)."""
        try:
            item = VisitStepDone(step=step, done=done, note=note,
                                 stock_counts=[StockCount(product_id=p, unit_code=u, qty=Decimal(str(q)))
                                               for p, u, q in stock_counts],
                                 competitor_prices=[CompetitorPrice(product=n, price_fen=f, brand=b)
                                                    for n, f, b in competitor_prices])
        except ValueError as exc:
            raise VisitError("拜访步骤内容不正确", f"invalid visit step: {exc}", code="bad_step") from exc
        return self._update(visit_id, lambda d: d.setdefault("steps", {}).__setitem__(step, item.model_dump(mode="json")))

    def add_photo(self, visit_id: str, data: bytes, *, step: str | None = None) -> AttachmentRef:
        """Keep a photo (camera bytes or a picked file's) for the visit; the same photo twice counts once."""
        row = self._open(visit_id)
        if len(row.draft.get("photos") or []) >= MAX_PHOTOS:
            raise VisitError(f"每次拜访最多 {MAX_PHOTOS} 张照片", f"at most {MAX_PHOTOS} photos a visit",
                             code="too_many_photos")
        ref = keep_photo(self.store, data, step=step, taken_at=utcnow())

        def add(d: dict[str, Any]) -> None:
            photos = d.setdefault("photos", [])
            if all(p["sha256"] != ref.sha256 for p in photos):
                photos.append(ref.model_dump(mode="json"))

        self._update(visit_id, add)
        return ref

    def remove_photo(self, visit_id: str, sha256: str) -> VisitState:
        return self._update(visit_id, lambda d: d.__setitem__(
            "photos", [p for p in d.get("photos") or [] if p["sha256"] != sha256]))

    def link_order(self, visit_id: str, order_id: str) -> VisitState:
        """An order taken during the visit (the order screen passes `visit_id` in its draft too)."""
        return self._update(visit_id, lambda d: d.setdefault("order_ids", []).append(order_id)
                            if order_id not in d.get("order_ids", []) else None)

    def abandon(self, visit_id: str) -> None:
        """Drop an open visit that never happened (checked in by mistake): nothing is sent."""
        self._open(visit_id)
        with self.store.transaction() as store:
            store.field.delete_open_visit(visit_id)

    def check_out(self, session: RepSession, visit_id: str, *, at: datetime | None = None) -> VisitRecorded:
        """Close the visit and send it (`visit.recorded`); missing required steps do not stop it
        (central records them as `missing_steps`), the screen shows them before."""
        rep = session.user
        row = self._open(visit_id)
        d = row.draft
        info = self.customers.info(row.customer_key)
        visit = VisitRecorded(
            visit_id=row.id, customer_id=info.id if info is not None else None,
            new_customer_id=None if info is not None else row.customer_key, rep_id=rep.id,
            terminal_id=self.store.terminal_id(), checked_in_at=datetime.fromisoformat(row.checked_in_at),
            checked_out_at=at or utcnow(), location=d.get("location"), notes=d.get("notes"),
            steps=[VisitStepDone.model_validate(s) for s in (d.get("steps") or {}).values()],
            photos=[AttachmentRef.model_validate(p) for p in d.get("photos") or []],
            follow_up=FollowUp.model_validate(d["follow_up"]) if d.get("follow_up") else None,
            order_ids=list(d.get("order_ids") or []))
        with self.store.transaction():
            self.store.field.close_visit(visit)
        return visit
