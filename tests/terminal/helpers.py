"""Test helpers: enrol a store and fill the master tables by hand, in the shape H6's sync writes
(`master`, `barcode_index`, `product_search` as in INTERFACES.md), until the real pull fills them."""

from __future__ import annotations

import json
from typing import Any

from sync.master import Entity
from terminal.session import hash_pin
from terminal.store import Store

MASTER_DDL = """
CREATE TABLE IF NOT EXISTS master (entity TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
    data TEXT NOT NULL, PRIMARY KEY (entity, id));
CREATE TABLE IF NOT EXISTS barcode_index (barcode TEXT PRIMARY KEY, product_id TEXT NOT NULL,
    unit_code TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS product_search (product_id TEXT PRIMARY KEY, sku TEXT NOT NULL,
    name TEXT NOT NULL, pinyin TEXT NOT NULL);
"""

CASHIER_PIN = "1111"
MANAGER_PIN = "9999"
_PIN_HASHES: dict[str, str] = {}


def _pin_hash(pin: str) -> str:
    # argon2 hashing is slow on purpose: hash each test PIN once per test run
    if pin not in _PIN_HASHES:
        _PIN_HASHES[pin] = hash_pin(pin)
    return _PIN_HASHES[pin]


def ensure_master_tables(store: Store) -> None:
    with store.transaction():
        for stmt in MASTER_DDL.split(";"):
            if stmt.strip():
                store.execute(stmt)


def put_master(store: Store, entity: str, id_: str | int, data: dict[str, Any], version: int = 1) -> None:
    ensure_master_tables(store)
    with store.transaction():
        store.execute(
            "INSERT INTO master(entity, id, version, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(entity, id) DO UPDATE SET version=excluded.version, data=excluded.data",
            (entity, str(id_), version, json.dumps(data, ensure_ascii=False)),
        )


def enrol(store: Store, *, terminal_id: int = 3, store_id: int = 1, store_code: str = "S01",
          terminal_code: str = "T03", rounding_mode: str = "none") -> None:
    ensure_master_tables(store)
    with store.transaction():
        store.set_setting("terminal_id", str(terminal_id))
        store.set_setting("store_id", str(store_id))
        store.set_setting("store_code", store_code)
        store.set_setting("terminal_code", terminal_code)
    put_master(store, Entity.STORE, store_id, {
        "id": store_id, "code": store_code, "name": "一号店", "rounding_mode": rounding_mode,
        "receipt_header": "欢迎光临", "receipt_footer": "谢谢惠顾", "address": "北京市朝阳区",
        "phone": "010-12345678", "points_per_yuan": 1,
    })
    put_master(store, Entity.TERMINAL, terminal_id, {
        "id": terminal_id, "code": terminal_code, "kind": "pos", "store_id": store_id,
        "receipt_prefix": f"{store_code}-{terminal_code}",
    })
    add_user(store, 11, "1001", "张三", "cashier", CASHIER_PIN, store_id=store_id)
    add_user(store, 12, "1002", "李四", "cashier", "2222", store_id=store_id)
    add_user(store, 21, "9001", "王店长", "store_manager", MANAGER_PIN, store_id=store_id)


def add_user(store: Store, id_: int, code: str, name: str, role: str, pin: str, *, store_id: int = 1,
             active: bool = True) -> None:
    put_master(store, Entity.USER, id_, {
        "id": id_, "code": code, "name": name, "role": role, "pin_hash": _pin_hash(pin),
        "store_id": store_id, "active": active,
    })
