"""Child process of the crash test: rings up sales forever through the real checkout code and
prints each receipt number only after `complete()` returned (i.e. after COMMIT)."""

from __future__ import annotations

import random
import sys

from terminal.commands.simulate import Simulator
from terminal.store import open_store


def main() -> None:
    store = open_store(sys.argv[1])
    sim = Simulator(store, random.Random(int(sys.argv[2])), return_rate=0.2)
    print("ready", flush=True)
    while True:
        sim.one_sale()
        print(f"sale {sim.sold[-1].receipt_no}", flush=True)


if __name__ == "__main__":
    main()
