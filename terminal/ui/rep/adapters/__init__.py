"""The rep app's doors to `terminal.field`: one adapter per area, composed by `tablet.Tablet`.

They turn the field services' objects into the snapshots of `rep/views.py` (texts in the rep's
language, money as integer fen) and hold no rules: prices, credit checks, statuses, reminders and
targets all come from the services."""
