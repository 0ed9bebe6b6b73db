"""Store settings set at head office reach the till with the master data and decide the paper:
receipt language (zh-CN default, en) and 抹零 — whatever language the cashier's screen is in.
Through the real API, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.auth.passwords import hash_password
from central.db import session_scope
from central.users.models import User
from drivers.sim.printer import MemoryPrinter
from sync.events import Tender
from terminal import printing
from terminal import shift as shifts
from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.session import Session, hash_pin
from terminal.store import Store
from tests.drivers.escpos_reader import read_escpos

from .world import Seeded, enrol_till, seed

PIN = "4321"


def _admin_headers(api: TestClient, engine: Engine) -> dict[str, str]:
    with session_scope(engine) as s:
        s.add(User(username="hq", display_name="总部", role="admin", password_hash=hash_password("pw-hq-123456")))
    r = api.post("/api/v1/auth/login", json={"username": "hq", "password": "pw-hq-123456"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _cashier_with_known_pin(engine: Engine, seeded: Seeded, store_id: int) -> str:
    with session_scope(engine) as s:
        user = s.get(User, seeded.cashier_ids[store_id])
        assert user is not None
        user.pin_hash = hash_pin(PIN)
        return str(user.staff_code)


def _sell_and_print(till_store: Store, code: str, barcodes: list[str]) -> tuple[int, list[str]]:
    """Ring up and pay a sale at the till as a cashier would, print it; (rounding, printed text lines)."""
    session = Session(till_store)
    session.sign_in(code, PIN)
    if shifts.current_shift(till_store) is None:
        shifts.open_shift(till_store, session, 10000)
    checkout = Checkout(till_store, session, Catalog(till_store))
    for barcode in barcodes:
        checkout.scan(barcode)
    rounding = checkout.priced.rounding_fen
    checkout.add_payment(Tender.CASH, tendered_fen=checkout.total_fen + 1000)
    done = checkout.complete()
    printer = MemoryPrinter()
    result = printing.print_sale(till_store, printer, done.sale_id)
    assert result.ok, result.error
    return rounding, read_escpos(printer.sent[0]).texts()


def test_head_office_sets_receipt_language_and_rounding_the_till_prints_in_it(
        central_engine: Engine, api: TestClient, tmp_path: Path) -> None:
    from central.catalog.models import Barcode

    # given a store with default settings and an enrolled till that bootstrapped them
    seeded = seed(central_engine, products=6, members=1)
    store_id = seeded.store_ids["S01"]
    code = _cashier_with_known_pin(central_engine, seeded, store_id)
    headers = _admin_headers(api, central_engine)
    got = api.get(f"/api/v1/stores/{store_id}", headers=headers).json()
    assert (got["receipt_language"], got["rounding_mode"]) == ("zh-CN", "none")
    till = enrol_till(central_engine, tmp_path / "t1", store_id, "http://central", api)
    assert Catalog(till.store).store_settings().receipt_language == "zh-CN"
    with session_scope(central_engine, write=False) as s:
        barcodes = list(s.execute(select(Barcode.barcode).where(
            Barcode.product_id.in_(seeded.product_ids[:3]), Barcode.barcode.like("69%"))).scalars())
    assert len(barcodes) == 3  # 101 + 102 + 103 fen
    rounding, lines = _sell_and_print(till.store, code, barcodes)
    assert rounding == 0
    assert any("应付" in ln for ln in lines), lines
    assert not any("TOTAL" in ln for ln in lines)

    # when head office switches the store to English receipts and 抹零 to the yuan
    r = api.patch(f"/api/v1/stores/{store_id}", json={"receipt_language": "en", "rounding_mode": "yuan_down"},
                  headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["receipt_language"] == "en"
    # and the till pulls its master data
    assert till.sync_client().pull() >= 1

    # then the till has the settings and its next receipt is in English, rounded down to the yuan
    settings = Catalog(till.store).store_settings()
    assert (settings.receipt_language, settings.rounding_mode) == ("en", "yuan_down")
    rounding, lines = _sell_and_print(till.store, code, barcodes)
    assert rounding == -6  # ¥3.06 → ¥3.00
    text = "\n".join(lines)
    for label in ("TOTAL", "Cashier", "Change", "Rounding"):
        assert label in text, text
    for label in ("应付", "单号", "找零", "抹零", "收银："):
        assert label not in text, text
    assert "3.00" in text


def test_receipt_language_is_validated_and_not_nullable(central_engine: Engine, api: TestClient) -> None:
    seeded = seed(central_engine, products=1, members=0, stores=("S01",))
    headers = _admin_headers(api, central_engine)
    store_id = seeded.store_ids["S01"]
    for bad in ("fr", None, "ZH"):
        r = api.patch(f"/api/v1/stores/{store_id}", json={"receipt_language": bad}, headers=headers)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"]["field"] == "receipt_language"
    r = api.post("/api/v1/stores", json={"code": "S09", "name": "英文店", "receipt_language": "en"}, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["receipt_language"] == "en"
    assert api.get(f"/api/v1/stores/{store_id}", headers=headers).json()["receipt_language"] == "zh-CN"
