-- 0001_core: the terminal's own records (sales, shifts, returns, outbox ...).
-- Money is integer fen; quantities are decimal TEXT ("1", "0.355"); times are ISO-8601 UTC TEXT.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Named gap-free counters (outbox seq, receipt numbers); bumped inside the sale's transaction.
CREATE TABLE local_seq (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE,
    terminal_id  INTEGER NOT NULL,
    type         TEXT NOT NULL,
    occurred_at  TEXT NOT NULL,
    payload      TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'acked')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    acked_at     TEXT
);
CREATE INDEX outbox_status ON outbox(status, seq);

-- An event is never deleted before central acknowledged it: enforced by the database itself.
CREATE TRIGGER outbox_keep_unacked BEFORE DELETE ON outbox
WHEN OLD.status <> 'acked'
BEGIN
    SELECT RAISE(ABORT, 'outbox event not acknowledged yet');
END;

-- The payload of an event is immutable once written.
CREATE TRIGGER outbox_payload_immutable BEFORE UPDATE OF event_id, seq, type, payload, payload_hash ON outbox
BEGIN
    SELECT RAISE(ABORT, 'outbox event payload is immutable');
END;

CREATE TABLE shifts (
    id                 TEXT PRIMARY KEY,
    store_id           INTEGER NOT NULL,
    terminal_id        INTEGER NOT NULL,
    cashier_id         INTEGER NOT NULL,
    opened_at          TEXT NOT NULL,
    opening_float_fen  INTEGER NOT NULL CHECK (opening_float_fen >= 0),
    status             TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at          TEXT,
    closed_by          INTEGER,
    counted_cash_fen   INTEGER,
    expected_cash_fen  INTEGER,
    denominations      TEXT
);
-- At most one open shift per terminal.
CREATE UNIQUE INDEX shifts_one_open ON shifts(terminal_id) WHERE status = 'open';

CREATE TABLE sales (
    id               TEXT PRIMARY KEY,
    receipt_no       TEXT NOT NULL UNIQUE,
    shift_id         TEXT NOT NULL REFERENCES shifts(id),
    cashier_id       INTEGER,
    member_id        TEXT,
    member_level     TEXT,
    sold_at          TEXT NOT NULL,
    subtotal_fen     INTEGER NOT NULL,
    discount_fen     INTEGER NOT NULL,
    rounding_fen     INTEGER NOT NULL,
    total_fen        INTEGER NOT NULL CHECK (total_fen >= 0),
    change_fen       INTEGER NOT NULL DEFAULT 0,
    tax_fen          INTEGER NOT NULL,
    points_earned    INTEGER NOT NULL DEFAULT 0,
    points_redeemed  INTEGER NOT NULL DEFAULT 0,
    event_seq        INTEGER NOT NULL REFERENCES outbox(seq),
    payload          TEXT NOT NULL,
    print_status     TEXT NOT NULL DEFAULT 'pending' CHECK (print_status IN ('pending', 'printed', 'failed')),
    print_count      INTEGER NOT NULL DEFAULT 0,
    print_error      TEXT
);
CREATE INDEX sales_shift ON sales(shift_id);
CREATE INDEX sales_print ON sales(print_status);

CREATE TABLE sale_lines (
    sale_id            TEXT NOT NULL REFERENCES sales(id),
    line_no            INTEGER NOT NULL,
    product_id         INTEGER NOT NULL,
    sku                TEXT NOT NULL,
    name               TEXT NOT NULL,
    unit_code          TEXT NOT NULL,
    unit_factor        INTEGER NOT NULL,
    qty                TEXT NOT NULL,
    unit_price_fen     INTEGER NOT NULL,
    list_amount_fen    INTEGER NOT NULL,
    line_discount_fen  INTEGER NOT NULL,
    order_discount_fen INTEGER NOT NULL,
    amount_fen         INTEGER NOT NULL CHECK (amount_fen >= 0),
    tax_rate_bp        INTEGER NOT NULL,
    tax_fen            INTEGER NOT NULL,
    is_gift            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sale_id, line_no)
);

CREATE TABLE payments (
    sale_id      TEXT NOT NULL REFERENCES sales(id),
    idx          INTEGER NOT NULL,
    tender       TEXT NOT NULL,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
    tendered_fen INTEGER,
    reference    TEXT,
    points       INTEGER,
    PRIMARY KEY (sale_id, idx)
);

CREATE TABLE returns (
    id                TEXT PRIMARY KEY,
    receipt_no        TEXT NOT NULL UNIQUE,
    original_sale_id  TEXT NOT NULL REFERENCES sales(id),
    shift_id          TEXT NOT NULL REFERENCES shifts(id),
    cashier_id        INTEGER,
    approved_by       INTEGER,
    returned_at       TEXT NOT NULL,
    total_fen         INTEGER NOT NULL CHECK (total_fen >= 0),
    tax_fen           INTEGER NOT NULL,
    points_reversed   INTEGER NOT NULL DEFAULT 0,
    points_refunded   INTEGER NOT NULL DEFAULT 0,
    reason            TEXT,
    event_seq         INTEGER NOT NULL REFERENCES outbox(seq),
    payload           TEXT NOT NULL
);
CREATE INDEX returns_original ON returns(original_sale_id);
CREATE INDEX returns_shift ON returns(shift_id);

CREATE TABLE return_lines (
    return_id        TEXT NOT NULL REFERENCES returns(id),
    sale_id          TEXT NOT NULL,
    original_line_no INTEGER NOT NULL,
    qty              TEXT NOT NULL,
    amount_fen       INTEGER NOT NULL,
    tax_fen          INTEGER NOT NULL,
    PRIMARY KEY (return_id, original_line_no),
    FOREIGN KEY (sale_id, original_line_no) REFERENCES sale_lines(sale_id, line_no)
);
CREATE INDEX return_lines_sale ON return_lines(sale_id, original_line_no);

CREATE TABLE refunds (
    return_id   TEXT NOT NULL REFERENCES returns(id),
    idx         INTEGER NOT NULL,
    tender      TEXT NOT NULL,
    amount_fen  INTEGER NOT NULL CHECK (amount_fen > 0),
    reference   TEXT,
    points      INTEGER,
    PRIMARY KEY (return_id, idx)
);

CREATE TABLE held_carts (
    id          TEXT PRIMARY KEY,
    held_at     TEXT NOT NULL,
    cashier_id  INTEGER,
    label       TEXT NOT NULL,
    data        TEXT NOT NULL
);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    action       TEXT NOT NULL,
    cashier_id   INTEGER,
    approved_by  INTEGER,
    detail       TEXT NOT NULL DEFAULT '{}'
);

-- Members created at this till (synced later as member.created); found at once by card or phone.
CREATE TABLE local_members (
    id          TEXT PRIMARY KEY,
    card_no     TEXT NOT NULL UNIQUE,
    phone       TEXT,
    name        TEXT,
    level       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    event_seq   INTEGER NOT NULL REFERENCES outbox(seq)
);
CREATE INDEX local_members_phone ON local_members(phone);

-- Points moved by this terminal (earned, redeemed, reversed), shown on top of the synced balance
-- until central has acknowledged the event that carries them.
CREATE TABLE points_local (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id  TEXT NOT NULL,
    delta      INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    event_seq  INTEGER NOT NULL REFERENCES outbox(seq)
);
CREATE INDEX points_local_member ON points_local(member_id);
