"""Run inside a size-limited tmpfs (see test_full_disk.py): a till whose disk fills up.

Prints one JSON line with what happened: the sale on a full disk (error code, messages, cart
kept), the start-up check on a full disk, and the same sale after space was freed.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

from sync.events import Tender
from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.errors import TerminalError
from terminal.session import Session
from terminal.shift import open_shift
from terminal.store import open_store
from terminal.store.db import check_at_start
from terminal.store.errors import DataFolderError
from tests.terminal.helpers import CASHIER_PIN, COLA, add_levels, enrol, small_catalog


def fill(path: Path) -> int:
    """Write until the file system says ENOSPC; the bytes written."""
    written = 0
    with path.open("wb") as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 65536)
            out.flush()
            written += 65536
    return written


def main(root: Path) -> int:
    data = root / "till"
    result: dict[str, object] = {}
    store = open_store(data)
    enrol(store)
    small_catalog(store)
    add_levels(store)
    session = Session(store)
    session.sign_in("1001", CASHIER_PIN)
    open_shift(store, session, 10_000)
    till = Checkout(store, session, Catalog(store))
    till.scan(COLA)
    till.add_payment(Tender.CASH, tendered_fen=300)
    store.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the next commit must grow the WAL
    filler = root / "filler.bin"
    result["filled_bytes"] = fill(filler)
    try:
        till.complete()
        result["sale_on_full_disk"] = "saved"
    except TerminalError as exc:
        result["sale_on_full_disk"] = exc.code
        result["message"] = exc.message
        result["message_en"] = exc.message_en
    result["cart_kept"] = not till.is_empty
    result["sales_stored"] = store.scalar("SELECT count(*) FROM sales")
    try:
        check_at_start(data)
        result["start"] = "ok"
    except DataFolderError as exc:
        result["start"] = exc.code
        result["start_message"] = exc.message
        result["start_message_en"] = exc.message_en
    filler.unlink()
    result["after_freeing"] = till.complete().receipt_no
    result["sales_stored_after"] = store.scalar("SELECT count(*) FROM sales")
    store.close()
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
