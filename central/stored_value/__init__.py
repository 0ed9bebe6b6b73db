"""Stored value (储值卡): top-up bonus rules, the balance ledger, top-ups and payments from tills."""
