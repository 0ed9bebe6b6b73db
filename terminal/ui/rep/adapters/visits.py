"""Visit area: check in and out, notes, the customer type's steps, photos from the camera driver or a
file, a follow-up (`terminal.field.visits`). One visit is open at a time and survives a restart."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from drivers.camera import open_camera
from terminal.errors import TerminalError
from terminal.field.attachments import attachment_path
from terminal.field.rep_session import RepSession
from terminal.field.visits import STEP_NAMES, Visits, VisitState
from terminal.ui.rep.adapters.customers import CustomersArea
from terminal.ui.rep.adapters.orders import OrdersArea
from terminal.ui.rep.adapters.words import pick, when
from terminal.ui.rep.views import VisitDone, VisitStepView, VisitView

SHOWN_STEPS = ("shelf_check", "stock_count", "competitor_prices", "photo", "order", "collection")
"""The steps offered on every visit, in this order (the customer's type marks which are required)."""
AUTOMATIC_STEPS = frozenset({"photo", "order"})
"""Done by what happened (a photo taken, an order taken), not by a tap."""


class VisitError(TerminalError):
    code = "visit_error"


class VisitsArea:
    def __init__(self, visits: Visits, session: RepSession, customers: CustomersArea, orders: OrdersArea, *,
                 camera: str | None = None) -> None:
        self._customers = customers
        self._visits = visits
        self._session = session
        self._orders = orders
        self._camera = camera
        self._photo_paths: list[Path] = []

    def has_camera(self) -> bool:
        return bool(self._camera)

    def photo_folder(self) -> Path:
        """Where the file picker opens: the tablet's pictures, else the home folder."""
        for candidate in (Path.home() / "Pictures", Path.home() / "图片", Path.home()):
            if candidate.is_dir():
                return candidate
        return Path.home()

    def current(self, customer_key: str) -> VisitView | None:
        """The open visit (at this customer or another: only one can be open)."""
        state = self._visits.current()
        self._orders.visit_id = state.visit_id if state is not None else None
        return None if state is None else self._view(state)

    def _view(self, state: VisitState) -> VisitView:
        required = set(state.required_steps)
        missing = set(state.missing_steps)
        done = {k for k, v in state.steps.items() if v.get("done")}
        codes = [s for s in SHOWN_STEPS if s in required or s not in AUTOMATIC_STEPS] + \
            [s for s in state.required_steps if s not in SHOWN_STEPS]
        steps = tuple(VisitStepView(code=s, name=pick(STEP_NAMES.get(s, (s, s))), required=s in required,
                                    done=(s in done) or (s in required and s not in missing)) for s in codes)
        self._photo_paths = [attachment_path(self._visits.store, p["sha256"]) for p in state.photos]
        name = self._customers.service_card(state.customer_key).name
        return VisitView(visit_id=state.visit_id, customer=name, checked_in_text=when(state.checked_in_at),
                         notes=state.notes or "", steps=steps, photos=len(state.photos))

    def _open(self) -> VisitState:
        state = self._visits.current()
        if state is None:
            raise VisitError("请先签到", "check in first", code="not_checked_in")
        return state

    def check_in(self, customer_key: str) -> VisitView:
        state = self._visits.check_in(self._session, customer_key)
        self._orders.visit_id = state.visit_id
        return self._view(state)

    def save_notes(self, notes: str) -> VisitView:
        return self._view(self._visits.set_notes(self._open().visit_id, notes))

    def set_step(self, code: str, done: bool) -> VisitView:
        return self._view(self._visits.record_step(self._open().visit_id, code, done=done))

    def add_photo_file(self, path: str) -> VisitView:
        file = Path(path)
        if not file.is_file():
            raise VisitError(f"找不到照片：{path}", f"no photo at {path}", code="no_photo")
        state = self._open()
        self._visits.add_photo(state.visit_id, file.read_bytes())
        return self._view(self._visits.state(state.visit_id))

    def take_photo(self) -> VisitView:
        """One frame from the camera driver, kept as a JPEG."""
        if not self._camera:
            raise VisitError("没有摄像头", "no camera", code="no_camera")
        state = self._open()
        source = open_camera(self._camera)
        try:
            frame = source.read()
        finally:
            source.close()
        if frame is None:
            raise VisitError("摄像头没有画面", "the camera gave no picture", code="no_frame")
        buffer = io.BytesIO()
        frame.convert("RGB").save(buffer, format="JPEG", quality=85)
        self._visits.add_photo(state.visit_id, buffer.getvalue())
        return self._view(self._visits.state(state.visit_id))

    def photo_paths(self) -> list[Path]:
        return list(self._photo_paths)

    def check_out(self, notes: str, follow_up: str, follow_up_date: str) -> VisitDone:
        state = self._open()
        self._visits.set_notes(state.visit_id, notes)
        if follow_up_date:
            try:
                due = date.fromisoformat(follow_up_date)
            except ValueError:
                raise VisitError(f"跟进日期不正确：{follow_up_date}（例如 2026-12-08）",
                                 f"not a date: {follow_up_date} (e.g. 2026-12-08)", code="bad_date") from None
            self._visits.set_follow_up(state.visit_id, due, follow_up or None)
        missing = self._visits.state(state.visit_id).missing_steps
        self._visits.check_out(self._session, state.visit_id)
        self._orders.visit_id = None
        return VisitDone(visit_id=state.visit_id,
                         missing_steps="、".join(pick(STEP_NAMES.get(s, (s, s))) for s in missing))
