"""settle_after_startup: start-up objects leave the collector's walks; later garbage is still freed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from terminal.runtime import settle_after_startup


@pytest.fixture
def unfreeze() -> Iterator[None]:
    yield
    gc.unfreeze()


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_settle_freezes_what_lives_and_still_collects_later_cycles(unfreeze: None) -> None:
    before = _Node()
    settle_after_startup()
    assert gc.get_freeze_count() > 0
    # frozen: in none of the generations the collector walks
    assert all(o is not before for g in (0, 1, 2) for o in gc.get_objects(generation=g))
    later = _Node()
    ref = weakref.ref(later)
    del later
    gc.collect()
    assert ref() is None  # made after start-up: collected as usual
