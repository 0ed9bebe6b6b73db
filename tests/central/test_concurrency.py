"""Concurrent writers: no 'database is locked', and a duplicate race ends in one row and 409s."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from central.api.errors import integrity_to_domain
from central.catalog import service
from central.catalog.models import Brand
from central.db import session_scope
from central.errors import Conflict, DomainError

WRITERS = 8


def _race(engine: Engine, make_name: Callable[[int], str]) -> list[object]:
    barrier = threading.Barrier(WRITERS)
    outcomes: list[object] = []
    lock = threading.Lock()

    def write(i: int) -> None:
        barrier.wait()
        try:
            with session_scope(engine) as s:
                service.create_brand(s, name=make_name(i))
            result: object = "ok"
        except DomainError as exc:
            result = exc
        except IntegrityError as exc:  # what the API's handler turns into a 409
            result = integrity_to_domain(exc)
        except Exception as exc:  # anything else is a failure of this test
            result = exc
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_parallel_writers_all_succeed(engine: Engine) -> None:
    outcomes = _race(engine, lambda i: f"品牌{i}")
    assert outcomes == ["ok"] * WRITERS
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count(Brand.id))) == WRITERS


def test_duplicate_race_leaves_one_row_and_conflicts(engine: Engine) -> None:
    outcomes = _race(engine, lambda _i: "同名品牌")
    assert outcomes.count("ok") == 1
    others = [o for o in outcomes if o != "ok"]
    assert all(isinstance(o, Conflict) and o.field == "name" for o in others), others
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count(Brand.id))) == 1
