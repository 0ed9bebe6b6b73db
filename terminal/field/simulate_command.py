"""`pos-terminal simulate --orders N [--seed S] --data DIR` on a rep tablet: the last line of output
is JSON with `orders`, `order_total_fen`, `visits`, `collections_fen`, `held_for_approval` (and more),
the figures `pos-central report field --json` shows once the tablet has synced."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from terminal.errors import TerminalError
from terminal.field.mode import is_rep_tablet
from terminal.field.simulate import simulate_orders
from terminal.store import open_store

EMPTY = {"orders": 0, "order_total_fen": 0, "visits": 0, "collections_fen": 0, "held_for_approval": 0}


def _fail(code: str, message: str, message_en: str) -> int:
    print(f"{message}\n{message_en}", file=sys.stderr)
    print(json.dumps({"error": code, "message": message, "message_en": message_en, **EMPTY}, ensure_ascii=False))
    return 2


def run_orders(args: argparse.Namespace, directory: Path) -> int:
    if args.orders < 0:
        return _fail("bad_orders", "--orders 不能小于 0", "--orders must be ≥ 0")
    store = open_store(directory)
    try:
        if not is_rep_tablet(store):
            return _fail("not_rep_tablet", "本终端不是业务员平板（--orders 只用于业务员平板；收银机用 --sales）",
                         "this terminal is not a rep tablet (--orders is for rep tablets; tills use --sales)")
        started = time.perf_counter()
        summary = simulate_orders(store, args.orders, args.seed)
        out = {**summary.as_dict(), "pending_events": store.outbox.pending_count(),
               "seconds": round(time.perf_counter() - started, 3), "data": str(directory)}
        print(json.dumps(out, ensure_ascii=False))
        return 0
    except TerminalError as e:
        return _fail(e.code, e.message, e.message_en)
    finally:
        store.close()
