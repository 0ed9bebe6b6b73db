-- 0005_open_shift_index: every sale looks up the open shift (terminal/shift.py current_shift:
-- `WHERE status='open' ORDER BY opened_at DESC LIMIT 1`). shifts_one_open is keyed by terminal_id,
-- which that query does not name, so it scanned and sorted every shift the till ever had (one a
-- day or more, forever). This partial index holds only the open shift(s): the lookup reads one entry.
CREATE INDEX shifts_open_by_time ON shifts(opened_at) WHERE status = 'open';
