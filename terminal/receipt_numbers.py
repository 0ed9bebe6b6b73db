"""Receipt numbers made on the terminal without the network, unique across the business.

A number is the store code + terminal code prefix and a local gap-free sequence, e.g.
``S01-T03-000123`` (returns: ``S01-T03-R000012``). The prefix is unique per terminal at central
(`sync.master.TerminalInfo.receipt_prefix`), and the sequence is bumped in the sale's own
transaction, so a rolled-back sale gives its number back and no two sales ever share one.
"""

from __future__ import annotations

from sync.master import Entity
from terminal.store import Store

SALE_SEQ = "receipt"
RETURN_SEQ = "return_receipt"


def receipt_prefix(store: Store) -> str:
    """This terminal's prefix: central's `receipt_prefix`, else store code + terminal code."""
    prefix = store.get_setting("receipt_prefix")
    if prefix:
        return prefix
    terminal_id = store.get_setting("terminal_id")
    if terminal_id is not None:
        row = store.master.get(Entity.TERMINAL.value, terminal_id)
        synced = str(row.get("receipt_prefix") or "") if row is not None else ""
        if synced:
            return synced
    store_code = store.get_setting("store_code") or f"S{int(store.get_setting('store_id') or 0):02d}"
    terminal_code = store.get_setting("terminal_code") or f"T{int(terminal_id or 0):02d}"
    return f"{store_code}-{terminal_code}"


def sale_receipt_no(store: Store, seq: int) -> str:
    """This terminal's sale receipt number with sequence `seq`: ``S01-T03-000123``."""
    return f"{receipt_prefix(store)}-{seq:06d}"


def next_sale_receipt_no(store: Store) -> str:
    """Allocate the next sale receipt number (inside the sale's transaction)."""
    return sale_receipt_no(store, store.next_seq(SALE_SEQ))


def own_receipt_no(store: Store, text: str) -> str:
    """A receipt number as typed: digits alone ("000123", "123") are the sequence part of one of
    this terminal's sale receipts, as a cashier reads it off a faded receipt, and get this
    terminal's prefix; anything else (a full number, another till's) is returned as it is."""
    text = text.strip()
    if text.isdecimal():
        return sale_receipt_no(store, int(text))
    return text


def next_return_receipt_no(store: Store) -> str:
    """Allocate the next return receipt number (inside the return's transaction)."""
    return f"{receipt_prefix(store)}-R{store.next_seq(RETURN_SEQ):06d}"
