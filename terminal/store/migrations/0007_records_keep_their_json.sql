-- 0007_records_keep_their_json: a sale and a return keep their own stored form on their own row; their
-- outbox event points at that row instead of holding a second copy.
-- Until now a sale rung up here kept its JSON only as the text of its outbox event (`sales.payload`
-- NULL since 0006), so the local record depended on the sync queue; a return kept its JSON twice
-- (`returns.payload` and its event). Now:
--  * `sales.payload` and `returns.payload` always hold the record's JSON (its event's payload): as
--    text for the rows moved here, packed by terminal/store/stored_json.py for rows written from now
--    on (a packed sale takes fewer pages than the text its event held);
--  * the outbox row of such an event has `payload` NULL and `record_id` = the sale's or return's id
--    (which table: the event's type); the push reads a whole batch, JSON included, in one query
--    (terminal/store/outbox.py);
--  * triggers keep what the outbox promised for its payloads: a record's JSON never changes, and a
--    record whose event central has not acknowledged is never deleted.
-- Runs with foreign keys off (the table rebuild of https://sqlite.org/lang_altertable.html);
-- terminal/store/db.py checks them before the transaction commits.

CREATE INDEX migrate_0007_sales_event ON sales(event_seq);
CREATE INDEX migrate_0007_returns_event ON returns(event_seq);

UPDATE sales SET payload = (SELECT o.payload FROM outbox o WHERE o.seq = sales.event_seq)
WHERE payload IS NULL;

CREATE TABLE outbox_new (
    seq          INTEGER PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE,
    terminal_id  INTEGER NOT NULL,
    type         TEXT NOT NULL,
    occurred_at  TEXT NOT NULL,
    payload      TEXT,
    record_id    TEXT,
    payload_hash TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'acked')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    acked_at     TEXT,
    CHECK ((payload IS NULL) = (record_id IS NOT NULL))
);

INSERT INTO outbox_new(seq, event_id, terminal_id, type, occurred_at, payload, record_id, payload_hash, status,
                       attempts, last_error, created_at, sent_at, acked_at)
SELECT o.seq, o.event_id, o.terminal_id, o.type, o.occurred_at,
       CASE WHEN coalesce(s.id, r.id) IS NULL THEN o.payload END, coalesce(s.id, r.id),
       o.payload_hash, o.status, o.attempts, o.last_error, o.created_at, o.sent_at, o.acked_at
FROM outbox o
LEFT JOIN sales s ON o.type = 'sale.completed' AND s.event_seq = o.seq AND s.payload = o.payload
LEFT JOIN returns r ON o.type = 'sale.returned' AND r.event_seq = o.seq AND r.payload = o.payload;

DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_status ON outbox(status, seq);
DROP INDEX migrate_0007_sales_event;
DROP INDEX migrate_0007_returns_event;

-- An event is never deleted before central acknowledged it: enforced by the database itself.
CREATE TRIGGER outbox_keep_unacked BEFORE DELETE ON outbox
WHEN OLD.status <> 'acked'
BEGIN
    SELECT RAISE(ABORT, 'outbox event not acknowledged yet');
END;

-- The payload of an event is immutable once written (where it lives included).
CREATE TRIGGER outbox_payload_immutable
BEFORE UPDATE OF event_id, seq, type, payload, record_id, payload_hash ON outbox
BEGIN
    SELECT RAISE(ABORT, 'outbox event payload is immutable');
END;

-- A sale or return is stored with its JSON, which then never changes (it is its event's payload)
-- and is not deleted while central has not acknowledged the event that wrote it.
CREATE TRIGGER sales_json_required BEFORE INSERT ON sales
WHEN NEW.payload IS NULL
BEGIN
    SELECT RAISE(ABORT, 'a sale is stored with its JSON');
END;

CREATE TRIGGER sales_json_immutable BEFORE UPDATE OF id, payload, event_seq ON sales
BEGIN
    SELECT RAISE(ABORT, 'a stored sale is immutable');
END;

CREATE TRIGGER sales_keep_unacked BEFORE DELETE ON sales
WHEN (SELECT status FROM outbox WHERE seq = OLD.event_seq) <> 'acked'
BEGIN
    SELECT RAISE(ABORT, 'sale event not acknowledged yet');
END;

CREATE TRIGGER returns_json_immutable BEFORE UPDATE OF id, payload, event_seq ON returns
BEGIN
    SELECT RAISE(ABORT, 'a stored return is immutable');
END;

CREATE TRIGGER returns_keep_unacked BEFORE DELETE ON returns
WHEN (SELECT status FROM outbox WHERE seq = OLD.event_seq) <> 'acked'
BEGIN
    SELECT RAISE(ABORT, 'return event not acknowledged yet');
END;
