-- 0009_field: a rep tablet's own records (field orders, visits, collections, returns against orders,
-- customers made offline, contact edits) and the photos waiting to be uploaded. Every record is
-- written in the same transaction as its outbox event (`event_seq`), whose payload is the wire form
-- (sync/FIELD.md); the columns here are what the tablet lists and sums without parsing JSON.
-- `customer_key` is central's customer id as text, or the tablet's UUID of a customer made offline.

CREATE TABLE field_orders (
    id              TEXT PRIMARY KEY,
    order_no        TEXT NOT NULL UNIQUE,
    customer_key    TEXT NOT NULL,
    ordered_at      TEXT NOT NULL,
    total_fen       INTEGER NOT NULL CHECK (total_fen >= 0),
    on_credit       INTEGER NOT NULL,
    held            INTEGER NOT NULL,
    hold_reasons    TEXT NOT NULL DEFAULT '[]',
    visit_id        TEXT,
    event_seq       INTEGER NOT NULL REFERENCES outbox(seq)
);
CREATE INDEX field_orders_customer ON field_orders(customer_key, ordered_at);
CREATE INDEX field_orders_time ON field_orders(ordered_at);

-- A visit is a draft (status 'open', `draft` JSON: notes, steps, photos, follow-up) from check-in to
-- check-out; its event is written at check-out only (`visit.recorded`).
CREATE TABLE field_visits (
    id              TEXT PRIMARY KEY,
    customer_key    TEXT NOT NULL,
    checked_in_at   TEXT NOT NULL,
    checked_out_at  TEXT,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    draft           TEXT NOT NULL DEFAULT '{}',
    follow_up_date  TEXT,
    follow_up       TEXT,
    event_seq       INTEGER REFERENCES outbox(seq)
);
CREATE INDEX field_visits_customer ON field_visits(customer_key, checked_in_at);
CREATE UNIQUE INDEX field_visits_one_open ON field_visits(status) WHERE status = 'open';

CREATE TABLE field_collections (
    id              TEXT PRIMARY KEY,
    receipt_no      TEXT NOT NULL UNIQUE,
    customer_key    TEXT NOT NULL,
    collected_at    TEXT NOT NULL,
    amount_fen      INTEGER NOT NULL CHECK (amount_fen > 0),
    method          TEXT NOT NULL,
    reference       TEXT,
    order_id        TEXT,
    event_seq       INTEGER NOT NULL REFERENCES outbox(seq)
);
CREATE INDEX field_collections_customer ON field_collections(customer_key, collected_at);

CREATE TABLE field_returns (
    id              TEXT PRIMARY KEY,
    return_no       TEXT NOT NULL UNIQUE,
    order_id        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    returned_at     TEXT NOT NULL,
    event_seq       INTEGER NOT NULL REFERENCES outbox(seq)
);
CREATE INDEX field_returns_order ON field_returns(order_id);

-- Customers made on this tablet (`customer.created`), found by search until central's row (which
-- carries our id as `client_id`) arrives.
CREATE TABLE field_new_customers (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    data            TEXT NOT NULL,
    event_seq       INTEGER NOT NULL REFERENCES outbox(seq)
);

-- Contact and note edits (`customer.updated`), field by field; shown over central's row until the
-- event is acknowledged (central's row then holds the merge).
CREATE TABLE field_customer_edits (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id     INTEGER NOT NULL,
    field           TEXT NOT NULL,
    value           TEXT,
    edited_at       TEXT NOT NULL,
    event_seq       INTEGER NOT NULL REFERENCES outbox(seq)
);
CREATE INDEX field_customer_edits_customer ON field_customer_edits(customer_id);

-- Photos by content (sha256): the file lives in the data directory's attachments/ folder; uploaded
-- after the event naming it is acknowledged, from a queue of its own (never the event queue).
CREATE TABLE field_attachments (
    sha256          TEXT PRIMARY KEY,
    size            INTEGER NOT NULL,
    content_type    TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    event_seq       INTEGER REFERENCES outbox(seq),
    uploaded_bytes  INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'uploading', 'done')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT
);
CREATE INDEX field_attachments_status ON field_attachments(status);
