"""Test helpers: enrol a store and fill the master tables (in the shape H6's pull writes them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sync.barcodes import with_check_digit
from sync.catalog import Product, SaleUnit
from sync.master import Entity
from sync.promotions import Promotion
from terminal.session import hash_pin
from terminal.store import Store
from terminal.store.seed import put_master, put_products

CASHIER_PIN = "1111"
MANAGER_PIN = "999999"
_PIN_HASHES: dict[str, str] = {}


def _pin_hash(pin: str) -> str:
    # argon2 hashing is slow on purpose: hash each test PIN once per test run
    if pin not in _PIN_HASHES:
        _PIN_HASHES[pin] = hash_pin(pin)
    return _PIN_HASHES[pin]


def enrol(store: Store, *, terminal_id: int = 3, store_id: int = 1, store_code: str = "S01",
          terminal_code: str = "T03", rounding_mode: str = "none") -> None:
    with store.transaction():
        store.set_setting("terminal_id", str(terminal_id))
        store.set_setting("store_id", str(store_id))
        store.set_setting("store_code", store_code)
        store.set_setting("terminal_code", terminal_code)
    set_store(store, store_id=store_id, store_code=store_code, rounding_mode=rounding_mode)
    put_master(store, Entity.TERMINAL, terminal_id, {
        "id": terminal_id, "code": terminal_code, "kind": "pos", "store_id": store_id,
        "receipt_prefix": f"{store_code}-{terminal_code}",
    })
    add_user(store, 11, "1001", "张三", "cashier", CASHIER_PIN, store_id=store_id)
    add_user(store, 12, "1002", "李四", "cashier", "2222", store_id=store_id)
    add_user(store, 21, "9001", "王店长", "store_manager", MANAGER_PIN, store_id=store_id)


def set_store(store: Store, *, store_id: int = 1, store_code: str = "S01", rounding_mode: str = "none",
              version: int = 1, **extra: Any) -> None:
    put_master(store, Entity.STORE, store_id, {
        "id": store_id, "code": store_code, "name": "一号店", "rounding_mode": rounding_mode,
        "receipt_header": "欢迎光临", "receipt_footer": "谢谢惠顾", "address": "北京市朝阳区",
        "phone": "010-12345678", "points_per_yuan": 1, "extra": extra,
    }, version=version)


def add_user(store: Store, id_: int, code: str, name: str, role: str, pin: str, *, store_id: int = 1,
             active: bool = True) -> None:
    put_master(store, Entity.USER, id_, {
        "id": id_, "code": code, "name": name, "role": role, "pin_hash": _pin_hash(pin),
        "store_id": store_id, "active": active,
    })


COLA = with_check_digit("690100000001")
COLA_BOX = with_check_digit("690100000002")
CHIPS = with_check_digit("690100000003")
WATER = with_check_digit("690100000004")
RICE = with_check_digit("690100000005")
SOAP = with_check_digit("690100000006")


def small_catalog(store: Store) -> None:
    """Six products: cola (piece 300 fen, box of 24 at 6600), chips, water, rice, soap, and apples by weight."""
    put_products(store, [
        Product(id=1, sku="1001", name="可口可乐 330ml", tax_rate_bp=1300, weighed=False, category_id=10,
                units=(SaleUnit("pc", 1, 300, (COLA,)), SaleUnit("box", 24, 6600, (COLA_BOX,)))),
        Product(id=2, sku="1002", name="乐事薯片 原味", tax_rate_bp=1300, weighed=False, category_id=11,
                units=(SaleUnit("pc", 1, 850, (CHIPS,)),)),
        Product(id=3, sku="1003", name="农夫山泉 550ml", tax_rate_bp=1300, weighed=False, category_id=10,
                units=(SaleUnit("pc", 1, 200, (WATER,)),)),
        Product(id=4, sku="1004", name="五常大米 5kg", tax_rate_bp=900, weighed=False, category_id=12,
                units=(SaleUnit("bag", 1, 5990, (RICE,)),)),
        Product(id=5, sku="1005", name="舒肤佳香皂", tax_rate_bp=1300, weighed=False, category_id=13,
                units=(SaleUnit("pc", 1, 450, (SOAP,)),)),
        Product(id=6, sku="00001", name="红富士苹果", tax_rate_bp=900, weighed=True, category_id=14,
                units=(SaleUnit("kg", 1, 1280),)),
    ])


def add_promotion(store: Store, id_: int, kind: str, *, name: str = "", days: int = 30, version: int = 1,
                  **params: Any) -> Promotion:
    now = datetime.now(UTC)
    promo = Promotion(id=id_, name=name or f"促销{id_}", kind=kind,  # type: ignore[arg-type]
                      starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=days), **params)
    put_master(store, Entity.PROMOTION, id_, promo.to_dict(), version=version)
    return promo


def add_member(store: Store, id_: str, card_no: str, *, phone: str | None = None, level: str = "normal",
               points: int = 0, name: str = "会员") -> None:
    put_master(store, Entity.MEMBER, id_, {
        "id": id_, "card_no": card_no, "phone": phone, "name": name, "level": level,
        "points_balance": points, "active": True,
    })


def add_levels(store: Store) -> None:
    put_master(store, Entity.MEMBER_LEVEL, "normal", {"code": "normal", "name": "普通会员", "points_per_yuan": 1})
    put_master(store, Entity.MEMBER_LEVEL, "gold", {"code": "gold", "name": "金卡", "points_per_yuan": 2,
                                                    "discount_bp": 500})
