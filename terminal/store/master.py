"""Master data in the till's database: the rows central owns (`master`, one JSON row per entity and
id, with the change-feed position it was written at), the barcode and search indexes built from
products, and how the sync client writes them.

Reads: the catalog's lookups (barcode, SKU, search, whole entities), users and the terminal's own
row. Writes: a row is only replaced by a higher version (the central feed position), so a page
applied twice or late never goes back in time; products also refresh their barcodes and search
entry. A first bootstrap (the terminal never finished one) takes a bulk path: the master tables are
emptied, their secondary indexes dropped (their definitions kept in `sync_state` until rebuilt),
each snapshot page is written with three `executemany` calls, and the indexes are built once at
the end, in the transaction that marks the terminal bootstrapped. A crash in between leaves a
terminal that knows it never finished (no `bootstrapped_at`): it starts over from an empty
catalog, and `restore_dropped_indexes` (run whenever the database is opened) puts the indexes back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import orjson

from sync.master import Entity, UserInfo

if TYPE_CHECKING:
    from terminal.store.db import Store

PRODUCT = Entity.PRODUCT.value

MASTER_TABLES = ("master", "barcode_index", "product_search")
"""Tables a bootstrap replaces (what the till reads its catalog and master data from)."""

BULK_INDEXES = ("barcode_index_product", "product_search_sku", "product_search_pinyin")
"""Secondary indexes of the master tables dropped during a first bootstrap and built once at its end
(one sort instead of 200,000 scattered inserts each). Lookups by barcode and product id use the
tables' primary keys, which stay."""

DROPPED_INDEXES_KEY = "bootstrap_dropped_indexes"
"""`sync_state` key: the indexes a first bootstrap dropped for its bulk load (name → CREATE INDEX SQL),
present only until they are built again."""

_BARCODE_SQL = ("SELECT b.product_id, b.unit_code, m.version, m.data FROM barcode_index b "
                "LEFT JOIN master m ON m.entity='product' AND m.id=b.product_id WHERE b.barcode=?")
_ASCII_WORD = re.compile(r"^[A-Za-z0-9._-]+$")


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


class MasterData:
    """The master tables of one open store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._present = False

    # ------------------------------------------------------------------ reading

    def present(self) -> bool:
        """True once the master tables exist (a database opened without its migrations may lack them)."""
        if not self._present:
            self._present = self._store.table_exists("master")
        return self._present

    def has_any(self, entity: str) -> bool:
        """True when at least one row of `entity` was synced (e.g. any product: a catalog is loaded)."""
        if not self.present():
            return False
        return self._store.one("SELECT 1 FROM master WHERE entity=? LIMIT 1", (entity,)) is not None

    def count(self, entity: str) -> int:
        return int(self._store.scalar("SELECT count(*) FROM master WHERE entity=?", (entity,)))

    def get(self, entity: str, id_: str | int) -> dict[str, Any] | None:
        """One master row's data, or None."""
        if not self.present():
            return None
        row = self._store.one("SELECT data FROM master WHERE entity=? AND id=?", (entity, str(id_)))
        return None if row is None else dict(json.loads(row[0]))

    def rows(self, entity: str, *, limit: int = -1) -> list[dict[str, Any]]:
        """Every row of a (small) entity, in id order."""
        if not self.present():
            return []
        return [json.loads(r[0]) for r in self._store.all(
            "SELECT data FROM master WHERE entity=? ORDER BY id LIMIT ?", (entity, limit))]

    def stamp(self, entity: str) -> tuple[int, int]:
        """(rows, Σ versions) of an entity: changes whenever a row is added, replaced or deleted."""
        if not self.present():
            return (0, 0)
        row = self._store.one("SELECT count(*), coalesce(sum(version), 0) FROM master WHERE entity=?", (entity,))
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def product_row(self, product_id: int) -> tuple[int, str] | None:
        """(version, JSON) of a product's master row."""
        row = self._store.one("SELECT version, data FROM master WHERE entity='product' AND id=?", (str(product_id),))
        return None if row is None else (int(row[0]), str(row[1]))

    def by_barcode(self, code: str) -> tuple[int, str, int | None, str | None] | None:
        """One indexed query: (product id, unit code, product row version, product JSON) of a barcode;
        version and JSON are None when the index names a product the master table lacks."""
        row = self._store.conn.execute(_BARCODE_SQL, (code,)).fetchone()
        if row is None:
            return None
        return int(row[0]), str(row[1]), row[2], row[3]

    def product_id_by_sku(self, sku: str) -> int | None:
        value = self._store.scalar("SELECT product_id FROM product_search WHERE sku=?", (sku,))
        return None if value is None else int(value)

    def product_ids(self) -> list[int]:
        return [int(r[0]) for r in self._store.all("SELECT product_id FROM product_search")]

    def barcodes(self) -> list[tuple[str, int]]:
        """Every (barcode, product id) of the catalog."""
        return [(str(r[0]), int(r[1])) for r in self._store.all("SELECT barcode, product_id FROM barcode_index")]

    def search_products(self, text: str, limit: int = 30) -> list[tuple[int, str, str]]:
        """(product id, SKU, name) of products matching `text`: by name (any part), pinyin initials
        (e.g. "kkkl" for 可口可乐) or SKU prefix."""
        q = (text or "").strip()
        if not q:
            return []
        store = self._store
        if _ASCII_WORD.match(q):
            # prefix ranges use the pinyin and sku indexes (LIKE would scan 200,000 rows)
            low = q.lower()
            rows = store.all(
                "SELECT product_id, sku, name FROM product_search WHERE pinyin >= ? AND pinyin < ? "
                "UNION SELECT product_id, sku, name FROM product_search WHERE sku >= ? AND sku < ? "
                "ORDER BY 2 LIMIT ?",
                (low, low + "\uffff", q, q + "\uffff", limit),
            )
            if len(rows) < limit and len(low) >= 2:
                # then initials anywhere in the name: "kl" also finds 百事可乐 (bskl)
                seen = {str(r[0]) for r in rows}
                esc = low.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                more = store.all(
                    "SELECT product_id, sku, name FROM product_search WHERE pinyin LIKE ? ESCAPE '\\' "
                    "ORDER BY length(name), sku LIMIT ?", ("%" + esc + "%", limit + len(rows)))
                rows += [r for r in more if str(r[0]) not in seen][: limit - len(rows)]
        else:
            like = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            rows = store.all(
                "SELECT product_id, sku, name FROM product_search WHERE sku = ? "
                "OR name LIKE ? ESCAPE '\\' ORDER BY (sku = ?) DESC, length(name), sku LIMIT ?",
                (q, "%" + like + "%", q, limit),
            )
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def user_by_code(self, code: str) -> UserInfo | None:
        """The synced user with this cashier code, if any (active or not)."""
        row = self._store.one(
            "SELECT data FROM master WHERE entity=? AND json_extract(data, '$.code')=?", (Entity.USER.value, code))
        return None if row is None else UserInfo.model_validate(json.loads(row[0]))

    def user(self, user_id: int) -> UserInfo | None:
        data = self.get(Entity.USER.value, user_id)
        return None if data is None else UserInfo.model_validate(data)

    # ------------------------------------------------------------------ sync: changes

    def apply_changes(self, changes: Iterable[dict[str, Any]]) -> int:
        """Apply feed rows (dicts of `sync.master.Change`) inside the caller's transaction; returns how
        many changed something."""
        store = self._store
        store.require_transaction("MasterData.apply_changes")
        applied = 0
        for ch in changes:
            entity, eid, seq = str(ch["entity"]), str(ch["id"]), int(ch["seq"])
            if ch["op"] == "delete":
                cur = store.execute("DELETE FROM master WHERE entity=? AND id=? AND version < ?", (entity, eid, seq))
                if cur.rowcount and entity == PRODUCT:
                    self._unindex_product(eid)
            else:
                data = ch["data"] or {}
                cur = store.execute(
                    "INSERT INTO master(entity, id, version, data) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(entity, id) DO UPDATE SET version=excluded.version, data=excluded.data "
                    "WHERE excluded.version > master.version", (entity, eid, seq, _dumps(data)))
                if cur.rowcount and entity == PRODUCT:
                    self._index_product(eid, data)
            applied += 1 if cur.rowcount else 0
        return applied

    def _index_product(self, pid: str, data: dict[str, Any]) -> None:
        store = self._store
        store.execute("DELETE FROM barcode_index WHERE product_id=?", (pid,))
        store.conn.executemany("INSERT OR REPLACE INTO barcode_index(barcode, product_id, unit_code) VALUES (?, ?, ?)",
                               [(code, pid, unit) for code, unit in _barcodes(data)])
        store.execute("INSERT OR REPLACE INTO product_search(product_id, sku, name, pinyin) VALUES (?, ?, ?, ?)",
                      (pid, str(data.get("sku", "")), str(data.get("name", "")), _pinyin(data)))

    def _unindex_product(self, pid: str) -> None:
        self._store.execute("DELETE FROM barcode_index WHERE product_id=?", (pid,))
        self._store.execute("DELETE FROM product_search WHERE product_id=?", (pid,))

    # ------------------------------------------------------------------ sync: first bootstrap (bulk)

    def begin_clean_snapshot(self) -> None:
        """Empty the master tables and drop their bulk-built indexes (inside the caller's transaction,
        with the first page): the terminal never finished a bootstrap, so what they hold is a partial
        catalog (or demo data) the snapshot replaces."""
        store = self._store
        store.require_transaction("MasterData.begin_clean_snapshot")
        for table in MASTER_TABLES:
            store.execute(f"DELETE FROM {table}")
        saved = self.dropped_indexes()
        for name, sql in store.all(
                f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
                f"AND name IN ({','.join('?' * len(BULK_INDEXES))})", BULK_INDEXES):
            saved[str(name)] = str(sql)
            store.execute(f'DROP INDEX "{name}"')
        if saved:
            store.sync_state.put(DROPPED_INDEXES_KEY, json.dumps(saved, ensure_ascii=False))

    def load_snapshot_page(self, changes: list[dict[str, Any]], *, clean: bool) -> None:
        """Write one page of the snapshot. `clean` (after `begin_clean_snapshot`): bulk inserts, no
        per-row version check, barcodes and search rows in the same three statements; otherwise the
        ordinary version-checked apply, remembering which rows the snapshot holds."""
        store = self._store
        store.require_transaction("MasterData.load_snapshot_page")
        if not clean:
            self.apply_changes(changes)
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

    def dropped_indexes(self) -> dict[str, str]:
        """Indexes a first bootstrap dropped and nobody has rebuilt yet: name → CREATE INDEX statement."""
        raw = self._store.sync_state.get(DROPPED_INDEXES_KEY)
        try:
            saved = json.loads(raw) if raw else {}
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in saved.items()} if isinstance(saved, dict) else {}

    def restore_dropped_indexes(self) -> int:
        """Build the indexes a first bootstrap dropped: at its end, in the transaction that marks the
        terminal bootstrapped, or when the database is opened after a crash in the middle of one
        (joins the caller's transaction if there is one). Returns how many were listed."""
        saved = self.dropped_indexes()
        if not saved:
            return 0
        with self._store.transaction() as store:
            for name, sql in saved.items():
                if store.one("SELECT 1 FROM sqlite_master WHERE type='index' AND name=?", (name,)) is None:
                    store.conn.execute(sql)
            store.sync_state.put(DROPPED_INDEXES_KEY, None)
        return len(saved)

    # ------------------------------------------------------------------ sync: re-bootstrap (versioned)

    def start_rebootstrap(self) -> None:
        """Remember which rows the new snapshot holds, so rows central no longer has can go at the end."""
        self._store.execute("CREATE TEMP TABLE IF NOT EXISTS boot_seen (entity TEXT, id TEXT, PRIMARY KEY (entity, id))")
        self._store.execute("DELETE FROM temp.boot_seen")

    def finish_rebootstrap(self) -> int:
        """Drop master rows the snapshot did not contain (deleted at central while we were away)."""
        store = self._store
        store.require_transaction("MasterData.finish_rebootstrap")
        gone = store.all("SELECT entity, id FROM master WHERE NOT EXISTS "
                         "(SELECT 1 FROM temp.boot_seen s WHERE s.entity = master.entity AND s.id = master.id)")
        for row in gone:
            store.execute("DELETE FROM master WHERE entity=? AND id=?", (row[0], row[1]))
            if row[0] == PRODUCT:
                self._unindex_product(row[1])
        store.execute("DROP TABLE IF EXISTS temp.boot_seen")
        return len(gone)
