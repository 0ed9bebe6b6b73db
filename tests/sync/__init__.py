"""Sync engine tests: exactly once, conflicts, isolation, faults, crashes."""
