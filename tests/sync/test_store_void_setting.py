"""#15 删除商品: head office decides per store whether voiding a line at the till needs a manager
(loss prevention). The setting is changed through the API (audited), reaches the till with the
store's master row, and the till then asks for a manager's PIN; every void is in the till's audit
log and counted on the X report. Real central app and API, real till store, SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from central.audit.service import history
from central.auth.passwords import hash_password
from central.db import session_scope
from central.users.models import User
from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.errors import ApprovalRequired
from terminal.session import Action, Session
from terminal.shift import open_shift, shift_report
from tests.terminal.helpers import CASHIER_PIN, MANAGER_PIN, _pin_hash

from .world import enrol_till, seed

SERVER = "http://central"


def test_void_needs_a_manager_once_head_office_says_so(central_engine: Engine, api: TestClient,
                                                       tmp_path: Path) -> None:
    engine = central_engine
    seeded = seed(engine, products=3, members=0)
    s01 = seeded.store_ids["S01"]
    with session_scope(engine) as s:
        s.add(User(username="hq", display_name="总部", role="admin", password_hash=hash_password("pw-hq-123456")))
        s.add(User(username="c7001", display_name="收银员", role="cashier", store_id=s01, staff_code="7001",
                   pin_hash=_pin_hash(CASHIER_PIN)))
        manager = User(username="m9001", display_name="店长", role="store_manager", store_id=s01,
                       staff_code="9001", pin_hash=_pin_hash(MANAGER_PIN))
        s.add(manager)
        s.flush()
        manager_id = manager.id
    token = api.post("/api/v1/auth/login", json={"username": "hq", "password": "pw-hq-123456"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    till = enrol_till(engine, tmp_path / "till", s01, SERVER, api)
    assert Catalog(till.store).store_settings().void_needs_manager is False
    session = Session(till.store)
    session.sign_in("7001", CASHIER_PIN)
    shift = open_shift(till.store, session, 10_000)
    sale = Checkout(till.store, session)
    for pid in seeded.product_ids[:2]:
        sale.add_product(pid)
    # given the default: a cashier voids a line alone (still audited)
    sale.void_line(1)
    assert len(sale.items) == 1

    # when head office turns the setting on (not nullable; audited) and the till pulls it
    assert api.patch(f"/api/v1/stores/{s01}", json={"void_needs_manager": None}, headers=headers).status_code == 422
    r = api.patch(f"/api/v1/stores/{s01}", json={"void_needs_manager": True}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["void_needs_manager"] is True
    with session_scope(engine, write=False) as s:
        trail = history(s, entity_type="store", entity_id=s01)
        assert [(e.action, e.before, e.after) for e in trail[:1]] == [
            ("store.update", {"void_needs_manager": False}, {"void_needs_manager": True})]
    assert till.sync_client().pull() >= 1
    assert Catalog(till.store).store_settings().void_needs_manager is True

    # then the cashier alone cannot void; with the manager's PIN the line goes
    sale.add_product(seeded.product_ids[2])
    with pytest.raises(ApprovalRequired):
        sale.void_line(1)
    assert len(sale.items) == 2
    sale.void_line(1, session.approve(Action.VOID_LINE, "9001", MANAGER_PIN))
    assert len(sale.items) == 1
    voids = till.store.all("SELECT approved_by FROM audit_log WHERE action='void_line' ORDER BY id")
    assert [r[0] for r in voids] == [None, manager_id]
    assert shift_report(till.store, shift.id, "X").voided_lines == 2
