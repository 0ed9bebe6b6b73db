"""Process settings that keep pauses off the scan and sale paths of a long-running till.

Python's cyclic garbage collector stops the program while it walks the objects it tracks. A
started till holds a few hundred thousand of them that live as long as the process (modules,
classes, Kivy's widget tree, pydantic schemas, the product cache), and a full collection walks
them all: ~30–130 ms on a 2-core till, landing on whichever scan or sale happens to allocate
the object that crosses the threshold. So, once the app has started:

`settle_after_startup()` collects once, then `gc.freeze()`s everything alive: those objects go to
the permanent generation and no later collection walks them again (CPython's documented use of
`gc.freeze`); objects created afterwards are collected as usual, so garbage made during the day
is still freed. The young-generation thresholds stay CPython's: their collections cost well under
a millisecond. Nothing here changes what the program computes, only how long the collector takes.
"""

from __future__ import annotations

import gc


def settle_after_startup() -> None:
    """Call once when the app has started (store, catalog, session and screens built)."""
    gc.collect()
    gc.freeze()
