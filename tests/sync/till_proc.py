"""A till as a separate process, for kill -9 tests: commit sales to the local database exactly as
the checkout does (one transaction per sale with its outbox event), then wait or push."""

from __future__ import annotations

import argparse
import random
import sys
import time

from terminal.store import open_store
from terminal.sync_client.client import SyncClient
from terminal.sync_client.transport import Transport

from .world import Till


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--sales", type=int, default=1)
    p.add_argument("--lines", type=int, default=2)
    p.add_argument("--then", choices=["wait", "push"], default="wait")
    p.add_argument("--server", default=None)
    p.add_argument("--batch", type=int, default=200)
    args = p.parse_args()
    store = open_store(args.data)
    till = Till(store=store, client=None, server=args.server or "", rng=random.Random())
    products = [int(r[0]) for r in store.all("SELECT id FROM master WHERE entity='product' ORDER BY id")]
    for _ in range(args.sales):
        till.sell(random.sample(products, args.lines))
    print("COMMITTED", len(till.sales), flush=True)
    if args.then == "wait":
        time.sleep(3600)
        return 0
    transport = Transport(args.server or str(store.get_setting("server_url")), store.get_setting("credential"),
                          timeout=30, retries=0)
    print("PUSHING", flush=True)
    report = SyncClient(store, transport, batch=args.batch).push()
    print("PUSHED", report.acked, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
