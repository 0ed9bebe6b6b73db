"""Inventory as a ledger: every stock movement is a row; on-hand is kept with it in one transaction."""
