"""Numbered SQL migrations of the terminal database (applied in order, tracked by PRAGMA user_version)."""
