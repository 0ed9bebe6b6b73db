"""central.references: master ids checked once per batch, remembered only from committed work."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from central import references
from central.db import session_scope


def _drop_user_behind_the_back(engine: Engine, user_id: int) -> None:
    """What production never does (master rows are only deactivated); here it shows what is cached."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE id = :id"), {"id": user_id})


def test_an_id_seen_in_a_committed_transaction_is_not_read_again(engine: Engine, db_url: str,
                                                                    make_user: Callable[..., int]) -> None:
    uid = make_user("cashier-r1", role="cashier")
    references.forget(db_url)
    with session_scope(engine) as s:
        assert references.missing(s, "users", [uid, 424_242, None]) == [424_242]
    _drop_user_behind_the_back(engine, uid)
    with Session(engine) as s:
        assert references.missing(s, "users", [uid]) == []  # remembered: not read again
    references.forget(db_url)
    with Session(engine) as s:
        assert references.missing(s, "users", [uid]) == [uid]  # read again: gone


def test_an_id_seen_only_in_a_rolled_back_transaction_is_not_remembered(engine: Engine, db_url: str,
                                                                          make_user: Callable[..., int]) -> None:
    uid = make_user("cashier-r2", role="cashier")
    references.forget(db_url)
    with Session(engine) as s:
        assert references.missing(s, "users", [uid]) == []
        s.rollback()
    _drop_user_behind_the_back(engine, uid)
    with Session(engine) as s:
        assert references.missing(s, "users", [uid]) == [uid]


def test_remembered_ids_belong_to_their_database(engine: Engine, db_url: str, tmp_path: object,
                                                 make_user: Callable[..., int]) -> None:
    from central.db import dispose_engine, get_engine
    from central.migrations import upgrade

    uid = make_user("cashier-r3", role="cashier")
    with session_scope(engine) as s:
        assert references.missing(s, "users", [uid]) == []
    other = f"sqlite:///{tmp_path}/other.sqlite3"
    upgrade(other)
    try:
        with Session(get_engine(other)) as s:
            assert references.missing(s, "users", [uid]) == [uid]
    finally:
        dispose_engine(other)
