"""Write master rows directly, in the shape the sync client's pull writes them.

For tests, benchmarks and the offline demo catalog of `pos-terminal simulate --demo`: the till reads
these rows exactly as it reads synced ones (`master`, `barcode_index`, `product_search`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pypinyin import Style, lazy_pinyin

from sync.catalog import Product
from sync.master import Entity
from terminal.store.db import Store


def pinyin_initials(name: str) -> str:
    """Lower-case pinyin initials of a name (可口可乐 → kkkl); other characters kept as they are."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()


def put_master(store: Store, entity: str, id_: str | int, data: dict[str, Any], version: int = 1) -> None:
    """Upsert one master row (joins the caller's transaction)."""
    with store.transaction():
        store.execute(
            "INSERT INTO master(entity, id, version, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(entity, id) DO UPDATE SET version=excluded.version, data=excluded.data",
            (entity, str(id_), version, json.dumps(data, ensure_ascii=False)),
        )


def put_products(store: Store, products: Iterable[Product], version: int = 1) -> int:
    """Upsert products with their barcode and search index rows; returns how many."""
    master_rows: list[tuple[str, str, int, str]] = []
    barcode_rows: list[tuple[str, str, str]] = []
    search_rows: list[tuple[str, str, str, str]] = []
    for p in products:
        pid = str(p.id)
        master_rows.append((Entity.PRODUCT.value, pid, version, json.dumps(p.to_dict(), ensure_ascii=False)))
        for u in p.units:
            barcode_rows.extend((b, pid, u.code) for b in u.barcodes)
        search_rows.append((pid, p.sku, p.name, pinyin_initials(p.name)))
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO master(entity, id, version, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(entity, id) DO UPDATE SET version=excluded.version, data=excluded.data", master_rows)
        store.conn.executemany(
            "INSERT INTO barcode_index(barcode, product_id, unit_code) VALUES (?, ?, ?) "
            "ON CONFLICT(barcode) DO UPDATE SET product_id=excluded.product_id, unit_code=excluded.unit_code",
            barcode_rows)
        store.conn.executemany(
            "INSERT INTO product_search(product_id, sku, name, pinyin) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(product_id) DO UPDATE SET sku=excluded.sku, name=excluded.name, pinyin=excluded.pinyin",
            search_rows)
    return len(master_rows)
