-- 0002_master: master data pulled from central (H6's sync client writes it, the till only reads it),
-- the sync cursor, and the events central refused (shown to the cashier).

-- One row per master-data entity (sync.master.Entity); `version` is the central change-feed
-- position of the row's last change: a row is only replaced by a higher version.
CREATE TABLE master (
    entity   TEXT NOT NULL,
    id       TEXT NOT NULL,
    version  INTEGER NOT NULL,
    data     TEXT NOT NULL,
    PRIMARY KEY (entity, id)
) WITHOUT ROWID;

-- Every barcode of every sale unit → product and unit (normalised EAN-13 where applicable).
CREATE TABLE barcode_index (
    barcode     TEXT PRIMARY KEY,
    product_id  TEXT NOT NULL,
    unit_code   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX barcode_index_product ON barcode_index(product_id);

-- Search by SKU, name or pinyin initials (LIKE 'abc%' on lower-case pinyin and sku).
CREATE TABLE product_search (
    product_id  TEXT PRIMARY KEY,
    sku         TEXT NOT NULL,
    name        TEXT NOT NULL,
    pinyin      TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX product_search_sku ON product_search(sku);
CREATE INDEX product_search_pinyin ON product_search(pinyin);

-- Key/value sync bookkeeping: cursor, master schema version, last success, last error ...
CREATE TABLE sync_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Events central answered `rejected` or `conflict`: central keeps them in its quarantine for head
-- office; the terminal lists them so the cashier/manager knows.
CREATE TABLE sync_quarantine (
    event_id     TEXT PRIMARY KEY,
    seq          INTEGER NOT NULL,
    type         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('rejected', 'conflict')),
    code         TEXT,
    message      TEXT,
    message_en   TEXT,
    received_at  TEXT NOT NULL
);
