"""One rep tablet as the rep app sees it: its open database, the field services (`FieldApp`), and one
adapter per area. Used only from the UI thread (print jobs open their own connections)."""

from __future__ import annotations

import os
from pathlib import Path

from terminal.field.app import FieldApp
from terminal.session import Session
from terminal.store import Store, open_store
from terminal.ui.adapters.sync_status import SyncArea
from terminal.ui.rep.adapters.collections import CollectionsArea
from terminal.ui.rep.adapters.customers import CustomersArea
from terminal.ui.rep.adapters.orders import OrdersArea
from terminal.ui.rep.adapters.printing import PrintingArea
from terminal.ui.rep.adapters.signin import RepSignIn
from terminal.ui.rep.adapters.today import TodayArea
from terminal.ui.rep.adapters.visits import VisitsArea

CAMERA_ENV = "POS_CAMERA"
CAMERA_SETTING = "camera"
"""The camera (`drivers.camera.open_camera`): `/dev/video0`, or `files:///path/*.jpg` to play images."""


class Tablet:
    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.store: Store = open_store(self.data_dir)
        self.field = FieldApp(self.store)
        camera = os.environ.get(CAMERA_ENV) or self.store.get_setting(CAMERA_SETTING) or None
        self.sync = SyncArea(self.data_dir, self.store, Session(self.store))
        self.printing = PrintingArea(self.data_dir, self.store)
        self.signin = RepSignIn(self.field.session)
        self.customers = CustomersArea(self.field.customers, self.field.session, self.field.today_date)
        self.orders = OrdersArea(self.store, self.field.catalog, self.field.orders, self.customers,
                                 self.field.session, self.field.today_date, camera=camera, printer=self.printing)
        self.visits = VisitsArea(self.field.visits, self.field.session, self.customers, self.orders, camera=camera)
        self.collections = CollectionsArea(self.field.collections, self.field.session, self.printing)
        self.today = TodayArea(self.field.today, self.customers, self.field.today_date)

    def close(self) -> None:
        self.sync.close()
        self.store.close()
