-- Wrong PINs per user on this till (#10 §5): after a few in a row the user is locked out until a
-- manager unlocks them. `pin_hash` is the hash the failures were counted against: when head office
-- sets a new PIN (a new hash arrives by sync), the old lock no longer applies.
CREATE TABLE pin_failures (
    user_id    INTEGER PRIMARY KEY,
    failures   INTEGER NOT NULL DEFAULT 0,
    pin_hash   TEXT NOT NULL,
    last_at    TEXT NOT NULL,
    locked_at  TEXT
);
