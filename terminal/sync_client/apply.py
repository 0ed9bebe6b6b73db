"""Write master-data changes into the terminal's tables (`master`, `barcode_index`, `product_search`).

A row is only replaced by a higher version (the central feed position), so a page applied twice
or late never goes back in time. Products also refresh their barcodes and search entry.

A first bootstrap (the terminal never finished one) takes a bulk path: the master tables are
emptied, their secondary indexes dropped (their definitions kept in `sync_state` until rebuilt),
each snapshot page is written with three `executemany` calls, and the indexes are built once at
the end, in the transaction that marks the terminal bootstrapped. A crash in between leaves a
terminal that knows it never finished (no `bootstrapped_at`): it starts over from an empty
catalog, and `restore_indexes` (run whenever the database is opened) puts the indexes back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import orjson

from sync.master import Entity
from terminal.store.db import DROPPED_INDEXES_KEY, Store, dropped_indexes, restore_dropped_indexes

PRODUCT = Entity.PRODUCT.value

MASTER_TABLES = ("master", "barcode_index", "product_search")
"""Tables a bootstrap replaces (what the till reads its catalog and master data from)."""

BULK_INDEXES = ("barcode_index_product", "product_search_sku", "product_search_pinyin")
"""Secondary indexes of the master tables dropped during a first bootstrap and built once at its end
(one sort instead of 200,000 scattered inserts each). Lookups by barcode and product id use the
tables' primary keys, which stay."""

def _dumps(data: Any) -> str:
    try:
        return orjson.dumps(data).decode()
    except TypeError:  # e.g. an integer beyond 64 bits: the standard library copes
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


# ---------------------------------------------------------------------------- first bootstrap (bulk)


def begin_clean_snapshot(store: Store) -> None:
    """Empty the master tables and drop their bulk-built indexes (inside the caller's transaction,
    with the first page): the terminal never finished a bootstrap, so what they hold is a partial
    catalog (or demo data) the snapshot replaces."""
    store.require_transaction("begin_clean_snapshot")
    for table in MASTER_TABLES:
        store.execute(f"DELETE FROM {table}")
    saved = dropped_indexes(store)
    for name, sql in store.all(
            f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
            f"AND name IN ({','.join('?' * len(BULK_INDEXES))})", BULK_INDEXES):
        saved[str(name)] = str(sql)
        store.execute(f'DROP INDEX "{name}"')
    if saved:
        _put_state(store, DROPPED_INDEXES_KEY, json.dumps(saved, ensure_ascii=False))


def load_snapshot_page(store: Store, changes: list[dict[str, Any]], *, clean: bool) -> None:
    """Write one page of the snapshot. `clean` (after `begin_clean_snapshot`): bulk inserts, no
    per-row version check, barcodes and search rows in the same three statements; otherwise the
    ordinary version-checked apply, remembering which rows the snapshot holds."""
    store.require_transaction("load_snapshot_page")
    if not clean:
        apply_changes(store, changes)
        store.conn.executemany("INSERT OR IGNORE INTO temp.boot_seen(entity, id) VALUES (?, ?)",
                               [(str(c["entity"]), str(c["id"])) for c in changes])
        return
    master_rows: list[tuple[str, str, int, str]] = []
    barcode_rows: list[tuple[str, str, str]] = []
    search_rows: list[tuple[str, str, str, str]] = []
    dumps = orjson.dumps
    for c in changes:
        entity, eid, data = str(c["entity"]), str(c["id"]), c["data"] or {}
        try:
            text = dumps(data).decode()
        except TypeError:
            text = _dumps(data)
        master_rows.append((entity, eid, int(c["seq"]), text))
        if entity == PRODUCT:
            for unit in data.get("units") or ():
                unit_code = str(unit.get("code", ""))
                for code in unit.get("barcodes") or ():
                    barcode_rows.append((str(code), eid, unit_code))
            search_rows.append((eid, str(data.get("sku", "")), str(data.get("name", "")), _pinyin(data)))
    conn = store.conn
    conn.executemany("INSERT OR REPLACE INTO master(entity, id, version, data) VALUES (?, ?, ?, ?)", master_rows)
    if barcode_rows:
        conn.executemany("INSERT OR REPLACE INTO barcode_index(barcode, product_id, unit_code) VALUES (?, ?, ?)",
                         barcode_rows)
    if search_rows:
        conn.executemany("INSERT OR REPLACE INTO product_search(product_id, sku, name, pinyin) VALUES (?, ?, ?, ?)",
                         search_rows)


def restore_indexes(store: Store) -> int:
    """Build the indexes `begin_clean_snapshot` dropped (see `terminal.store.db.restore_dropped_indexes`)."""
    return restore_dropped_indexes(store)


def _put_state(store: Store, key: str, value: str) -> None:
    store.execute("INSERT INTO sync_state(key, value) VALUES (?, ?) "
                  "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))


# ---------------------------------------------------------------------------- re-bootstrap (versioned)


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
