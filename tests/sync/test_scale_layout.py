"""A store whose scales print price-embedded labels (金额码): head office sets the store's scale layout,
the store's tills pull it and ring up the label's amount; another store's tills keep reading weights.
Through the real API, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from central.catalog.models import Product, ProductUnit
from central.db import session_scope
from central.sales.models import Sale
from central.users.models import User
from sync.barcodes import gtin_check_digit
from sync.events import Tender
from terminal import shift as shifts
from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.session import Session, hash_pin
from terminal.store import Store

from .test_store_settings import _admin_headers
from .world import Seeded, Till, enrol_till, seed

PIN = "4321"
PRICE_PER_KG = 1280  # ¥12.80/kg


def _scale_label(item: str, value: int) -> str:
    """A label as the scale prints it: flag 20, 5-digit PLU, 5-digit value, EAN-13 check digit."""
    body = f"20{item}{value:05d}"
    return body + str(gtin_check_digit(body))


def _weighed_product(engine: Engine) -> int:
    """Like the demo's fresh goods: sold by the kg, no barcode of its own, the scale's PLU is its SKU."""
    with session_scope(engine) as s:
        p = Product(sku="10001", name="富士苹果", pinyin="fspg", tax_rate_bp=900, weighed=True)
        p.units.append(ProductUnit(code="kg", name="千克", factor=1, price_fen=PRICE_PER_KG))
        s.add(p)
        s.flush()
        return p.id


def _cashier(engine: Engine, seeded: Seeded, store_id: int) -> str:
    with session_scope(engine) as s:
        user = s.get(User, seeded.cashier_ids[store_id])
        assert user is not None
        user.pin_hash = hash_pin(PIN)
        return str(user.staff_code)


def _checkout(till_store: Store, staff_code: str) -> Checkout:
    session = Session(till_store)
    session.sign_in(staff_code, PIN)
    if shifts.current_shift(till_store) is None:
        shifts.open_shift(till_store, session, 10000)
    return Checkout(till_store, session, Catalog(till_store))


def _ring(till: Till, staff_code: str, label: str) -> tuple[Decimal, int]:
    """Scan one label into a new cart: (the line's quantity, its amount in fen); the cart is then cancelled."""
    checkout = _checkout(till.store, staff_code)
    checkout.scan(label)
    line = checkout.priced.lines[0]
    checkout.cancel("test")
    return line.qty, line.amount_fen


def test_price_embedded_labels_after_head_office_sets_the_layout(
        central_engine: Engine, api: TestClient, tmp_path: Path) -> None:
    # given two stores, a weighed product (PLU 10001, ¥12.80/kg) and a till in each store
    seeded = seed(central_engine, products=2, members=0)
    s1, s2 = seeded.store_ids["S01"], seeded.store_ids["S02"]
    pid = _weighed_product(central_engine)
    staff = {sid: _cashier(central_engine, seeded, sid) for sid in (s1, s2)}
    headers = _admin_headers(api, central_engine)
    till1 = enrol_till(central_engine, tmp_path / "t1", s1, "http://central", api)
    till2 = enrol_till(central_engine, tmp_path / "t2", s2, "http://central", api, seed_=2)
    label = _scale_label("10001", 999)  # S01's scale printed ¥9.99 of apples
    # before: every till reads the label's value as grams (0.999 kg × ¥12.80)
    assert _ring(till1, staff[s1], label) == (Decimal("0.999"), 1279)

    # when head office sets S01's scales to price-embedded labels
    r = api.patch(f"/api/v1/stores/{s1}", json={"scale_layout": {"value": "price"}}, headers=headers)
    assert r.status_code == 200, r.text
    # and both tills pull
    assert till1.sync_client().pull() >= 1
    till2.sync_client().pull()

    # then S01's till has the layout and rings up the label's amount, the weight worked out from the price
    assert Catalog(till1.store).scale_layout().value == "price"
    checkout = _checkout(till1.store, staff[s1])
    checkout.scan(label)
    line = checkout.priced.lines[0]
    assert (line.product_id, line.amount_fen, line.qty, line.price_source) == (pid, 999, Decimal("0.780"), "scale")
    assert checkout.total_fen == 999
    # and the sale reaches central with that amount
    checkout.add_payment(Tender.CASH, tendered_fen=1000)
    done = checkout.complete()
    assert till1.sync_client().push().acked >= 1
    with session_scope(central_engine, write=False) as s:
        sale = s.get(Sale, done.sale_id)
        assert sale is not None
        assert sale.total_fen == 999
    # while S02's till keeps the weight layout
    assert Catalog(till2.store).scale_layout().value == "weight"
    assert _ring(till2, staff[s2], label) == (Decimal("0.999"), 1279)
