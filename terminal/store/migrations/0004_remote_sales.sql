-- 0004_remote_sales: read-only copies of sales made at another till of this store, fetched from
-- central (GET /api/v1/sales/by-receipt/...) so that a return of them runs the same rules as a
-- return of our own sales. `returns` is central's list of returns already made against the sale
-- (JSON, every till); the till merges it with its own by return_id. On the first return here the
-- copy is also written to `sales` (the local returns reference it), see terminal/returns.py.
-- Our own sales get a row too when looked up online, for central's list of their returns.
CREATE TABLE remote_sales (
    sale_id     TEXT PRIMARY KEY,
    receipt_no  TEXT NOT NULL UNIQUE,
    store_id    INTEGER NOT NULL,
    payload     TEXT NOT NULL,
    returns     TEXT NOT NULL DEFAULT '[]',
    fetched_at  TEXT NOT NULL
);
