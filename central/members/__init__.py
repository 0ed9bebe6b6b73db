"""Members (B2C loyalty): card, phone, level, and a points ledger whose balance never drifts."""
