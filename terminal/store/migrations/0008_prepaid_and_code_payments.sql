-- 0008_prepaid_and_code_payments: the till's side of 付款码, stored value (储值) and vouchers.
-- Money is integer fen; times ISO-8601 UTC TEXT.

-- Every payment-code charge the till sends, written (and committed) BEFORE it is sent: after a
-- crash or a lost answer the till knows which order numbers may hold the customer's money, and
-- settles each (query, cancel) rather than guessing. `doc_id` is the sale, top-up or voucher sale
-- the order number was derived from; `status` is what the till last knew.
CREATE TABLE provider_charges (
    order_no        TEXT PRIMARY KEY,
    doc_id          TEXT NOT NULL,
    attempt         INTEGER NOT NULL CHECK (attempt BETWEEN 1 AND 99),
    provider        TEXT NOT NULL,
    tender          TEXT NOT NULL,
    amount_fen      INTEGER NOT NULL CHECK (amount_fen > 0),
    status          TEXT NOT NULL CHECK (status IN ('sending', 'paid', 'failed', 'cancelled', 'unknown', 'committed')),
    transaction_id  TEXT,
    code            TEXT,
    created_at      TEXT NOT NULL,
    settled_at      TEXT,
    UNIQUE (doc_id, attempt)
);
CREATE INDEX provider_charges_open ON provider_charges(status) WHERE status IN ('sending', 'paid', 'unknown');

-- Refunds sent back through the provider (原路退回), written before they are sent; the refund
-- number is derived from the return, so a retry is the same refund.
CREATE TABLE provider_refunds (
    refund_no       TEXT PRIMARY KEY,
    return_id       TEXT NOT NULL,
    order_no        TEXT NOT NULL,
    amount_fen      INTEGER NOT NULL CHECK (amount_fen > 0),
    status          TEXT NOT NULL CHECK (status IN ('sending', 'refunded', 'failed', 'unknown')),
    refund_id       TEXT,
    created_at      TEXT NOT NULL
);

-- Stored-value movements made at this till (pay, refund, top-up, bonus), shown on top of central's
-- balance until central acknowledges the event that carries them (like `points_local`).
CREATE TABLE stored_value_local (
    id          INTEGER PRIMARY KEY,
    member_id   TEXT NOT NULL,
    delta_fen   INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('pay', 'refund', 'topup', 'bonus')),
    receipt_no  TEXT NOT NULL,
    at          TEXT NOT NULL,
    event_seq   INTEGER NOT NULL REFERENCES outbox(seq)
);
CREATE INDEX stored_value_local_member ON stored_value_local(member_id, id);

-- Top-ups (储值充值) taken at this till, for the shift's figures and the receipt.
CREATE TABLE topups (
    id          TEXT PRIMARY KEY,
    receipt_no  TEXT NOT NULL UNIQUE,
    shift_id    TEXT NOT NULL REFERENCES shifts(id),
    member_id   TEXT NOT NULL,
    amount_fen  INTEGER NOT NULL CHECK (amount_fen > 0),
    bonus_fen   INTEGER NOT NULL CHECK (bonus_fen >= 0),
    at          TEXT NOT NULL,
    event_seq   INTEGER NOT NULL REFERENCES outbox(seq),
    payload     TEXT NOT NULL
);
CREATE INDEX topups_shift ON topups(shift_id);

-- Pre-sold vouchers sold at this till (代金券销售).
CREATE TABLE voucher_sales (
    id          TEXT PRIMARY KEY,
    receipt_no  TEXT NOT NULL UNIQUE,
    shift_id    TEXT NOT NULL REFERENCES shifts(id),
    total_fen   INTEGER NOT NULL CHECK (total_fen >= 0),
    at          TEXT NOT NULL,
    event_seq   INTEGER NOT NULL REFERENCES outbox(seq),
    payload     TEXT NOT NULL
);
CREATE INDEX voucher_sales_shift ON voucher_sales(shift_id);

-- The money a top-up or voucher sale took, by tender (the shift's takings beside its sales).
CREATE TABLE prepaid_payments (
    doc_id      TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('topup', 'voucher_sale')),
    shift_id    TEXT NOT NULL REFERENCES shifts(id),
    tender      TEXT NOT NULL,
    amount_fen  INTEGER NOT NULL CHECK (amount_fen > 0),
    reference   TEXT
);
CREATE INDEX prepaid_payments_shift ON prepaid_payments(shift_id);

-- What this till did to vouchers (redeemed, sold, restored), shown on top of central's status
-- until central acknowledges the event: a voucher redeemed here is refused here at once, offline.
CREATE TABLE voucher_local (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('redeemed', 'sold', 'restored')),
    sale_id     TEXT NOT NULL,
    receipt_no  TEXT NOT NULL,
    at          TEXT NOT NULL,
    event_seq   INTEGER NOT NULL REFERENCES outbox(seq)
);
CREATE INDEX voucher_local_code ON voucher_local(code, id);
