"""Sync engine, central side: event log (exactly once), quarantine, change feed, snapshot, API."""
