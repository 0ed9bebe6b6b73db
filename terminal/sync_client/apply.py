"""Write master-data changes into the terminal's tables (`master`, `barcode_index`, `product_search`).

A row is only replaced by a higher version (the central feed position), so a page applied twice
or late never goes back in time. Products also refresh their barcodes and search entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sync.master import Entity
from terminal.store.db import Store

PRODUCT = Entity.PRODUCT.value


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _pinyin(data: dict[str, Any]) -> str:
    value = data.get("pinyin")
    if isinstance(value, str) and value:
        return value.lower()
    name = str(data.get("name", ""))
    try:
        from pypinyin import Style, lazy_pinyin
    except ImportError:  # pragma: no cover - pypinyin is a dependency
        return ""
    return "".join(p[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()


def _barcodes(data: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for unit in data.get("units") or []:
        for code in unit.get("barcodes") or []:
            out.append((str(code), str(unit.get("code", ""))))
    return out


def _index_product(store: Store, pid: str, data: dict[str, Any]) -> None:
    store.execute("DELETE FROM barcode_index WHERE product_id=?", (pid,))
    store.conn.executemany("INSERT OR REPLACE INTO barcode_index(barcode, product_id, unit_code) VALUES (?, ?, ?)",
                           [(code, pid, unit) for code, unit in _barcodes(data)])
    store.execute("INSERT OR REPLACE INTO product_search(product_id, sku, name, pinyin) VALUES (?, ?, ?, ?)",
                  (pid, str(data.get("sku", "")), str(data.get("name", "")), _pinyin(data)))


def _unindex_product(store: Store, pid: str) -> None:
    store.execute("DELETE FROM barcode_index WHERE product_id=?", (pid,))
    store.execute("DELETE FROM product_search WHERE product_id=?", (pid,))


def apply_changes(store: Store, changes: Iterable[dict[str, Any]]) -> int:
    """Apply feed rows (dicts of `sync.master.Change`) inside the caller's transaction; returns how
    many changed something."""
    store.require_transaction("apply_changes")
    applied = 0
    for ch in changes:
        entity, eid, seq = str(ch["entity"]), str(ch["id"]), int(ch["seq"])
        if ch["op"] == "delete":
            cur = store.execute("DELETE FROM master WHERE entity=? AND id=? AND version < ?", (entity, eid, seq))
            if cur.rowcount and entity == PRODUCT:
                _unindex_product(store, eid)
        else:
            data = ch["data"] or {}
            cur = store.execute(
                "INSERT INTO master(entity, id, version, data) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(entity, id) DO UPDATE SET version=excluded.version, data=excluded.data "
                "WHERE excluded.version > master.version", (entity, eid, seq, _dumps(data)))
            if cur.rowcount and entity == PRODUCT:
                _index_product(store, eid, data)
        applied += 1 if cur.rowcount else 0
    return applied


def load_snapshot_page(store: Store, changes: list[dict[str, Any]], *, clean: bool) -> None:
    """Fast path of a bootstrap page: bulk inserts (no per-row version check when the master
    tables started empty); otherwise the ordinary version-checked apply."""
    store.require_transaction("load_snapshot_page")
    if not clean:
        apply_changes(store, changes)
        store.conn.executemany("INSERT OR IGNORE INTO temp.boot_seen(entity, id) VALUES (?, ?)",
                               [(str(c["entity"]), str(c["id"])) for c in changes])
        return
    store.conn.executemany(
        "INSERT OR REPLACE INTO master(entity, id, version, data) VALUES (?, ?, ?, ?)",
        [(c["entity"], str(c["id"]), c["seq"], _dumps(c["data"])) for c in changes])
    products = [c for c in changes if c["entity"] == PRODUCT]
    store.conn.executemany(
        "INSERT OR REPLACE INTO barcode_index(barcode, product_id, unit_code) VALUES (?, ?, ?)",
        [(code, str(c["id"]), unit) for c in products for code, unit in _barcodes(c["data"])])
    store.conn.executemany(
        "INSERT OR REPLACE INTO product_search(product_id, sku, name, pinyin) VALUES (?, ?, ?, ?)",
        [(str(c["id"]), str(c["data"].get("sku", "")), str(c["data"].get("name", "")), _pinyin(c["data"]))
         for c in products])


def start_rebootstrap(store: Store) -> None:
    """Remember which rows the new snapshot holds, so rows central no longer has can go at the end."""
    store.execute("CREATE TEMP TABLE IF NOT EXISTS boot_seen (entity TEXT, id TEXT, PRIMARY KEY (entity, id))")
    store.execute("DELETE FROM temp.boot_seen")


def finish_rebootstrap(store: Store) -> int:
    """Drop master rows the snapshot did not contain (deleted at central while we were away)."""
    store.require_transaction("finish_rebootstrap")
    gone = store.all("SELECT entity, id FROM master WHERE NOT EXISTS "
                     "(SELECT 1 FROM temp.boot_seen s WHERE s.entity = master.entity AND s.id = master.id)")
    for row in gone:
        store.execute("DELETE FROM master WHERE entity=? AND id=?", (row[0], row[1]))
        if row[0] == PRODUCT:
            _unindex_product(store, row[1])
    store.execute("DROP TABLE IF EXISTS temp.boot_seen")
    return len(gone)
