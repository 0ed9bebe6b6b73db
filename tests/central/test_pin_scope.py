"""A tablet or till receives only the PIN hashes of the people who may sign in on it (#10 §5): a rep's
tablet its own rep's, a cashier till its store's cashiers and managers and head office's admins — by
pull and by bootstrap alike. Before, every device of a store got the store's people, reps included, and
every device got the admins'."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

from central.auth.passwords import hash_password
from central.auth.roles import DeviceKind
from central.db import dispose_engine, get_engine, session_scope
from central.migrations import upgrade
from central.org import service as org
from central.syncing import feed, snapshot
from central.users.models import User
from sync.master import Entity


def _users_seen(engine: Engine, *, store_id: int, rep_id: int | None) -> tuple[set[str], set[str]]:
    """User ids a device of this store (and rep) gets by pull from 0 and by bootstrap."""
    with session_scope(engine, write=False) as s:
        pulled = {r.entity_id for r in feed.changes_after(s, 0, store_id=store_id, rep_id=rep_id, limit=5000,
                                                          live_only=True) if r.entity == Entity.USER.value}
        top = feed.max_seq(s)
        page = json.loads(snapshot.page(s, store_id=store_id, rep_id=rep_id, after=0, limit=5000, snapshot=top))
    booted = {c["id"] for c in page["changes"] if c["entity"] == Entity.USER.value}
    return pulled, booted


def test_each_device_gets_only_the_pin_hashes_of_who_may_sign_in_on_it(
        engine: Engine, make_store: Callable[..., int]) -> None:
    s1, s2 = make_store("S01"), make_store("S02")
    ids: dict[str, int] = {}
    with session_scope(engine) as s:
        for name, role, store in (("c1", "cashier", s1), ("m1", "store_manager", s1), ("c2", "cashier", s2),
                                  ("rep1", "sales_rep", s1), ("rep2", "sales_rep", s1), ("boss", "admin", None),
                                  ("fin", "finance", None)):
            user = User(username=name, display_name=name, role=role, store_id=store, password_hash="x",
                        pin_hash=hash_password("246810"))
            s.add(user)
            s.flush()
            ids[name] = user.id
        pos = org.make_enrolment_code(s, store_id=s1, kind=DeviceKind.POS)[0]
        tablet = org.make_enrolment_code(s, store_id=s1, kind=DeviceKind.REP, rep_user_id=ids["rep1"])[0]
    with session_scope(engine) as s:
        till, _ = org.enroll(s, code=pos)
        rep_tablet, _ = org.enroll(s, code=tablet)
        till_scope = (till.store_id, till.rep_user_id)
        tablet_scope = (rep_tablet.store_id, rep_tablet.rep_user_id)

    want_till = {str(ids[n]) for n in ("c1", "m1", "boss")}
    pulled, booted = _users_seen(engine, store_id=till_scope[0], rep_id=till_scope[1])
    assert pulled == booted == want_till
    pulled, booted = _users_seen(engine, store_id=tablet_scope[0], rep_id=tablet_scope[1])
    assert pulled == booted == {str(ids["rep1"])}
    # the other store's till: its cashier and the admin; rep2's tablet: rep2 only
    assert _users_seen(engine, store_id=s2, rep_id=None)[0] == {str(ids["c2"]), str(ids["boss"])}
    assert _users_seen(engine, store_id=s1, rep_id=ids["rep2"])[1] == {str(ids["rep2"])}

    # a cashier who becomes a rep leaves the tills and reaches only their own tablet
    with session_scope(engine) as s:
        user = s.get(User, ids["c1"])
        assert user is not None
        user.role = "sales_rep"
    assert _users_seen(engine, store_id=s1, rep_id=None)[0] == {str(ids["m1"]), str(ids["boss"])}
    assert _users_seen(engine, store_id=s1, rep_id=ids["c1"])[0] == {str(ids["c1"])}
    with session_scope(engine, write=False) as s:  # the tills were told to drop them
        gone = [r for r in feed.changes_after(s, 0, store_id=s1, rep_id=None, limit=5000)
                if r.entity == Entity.USER.value and r.entity_id == str(ids["c1"])]
    assert [r.op for r in gone] == ["delete"]


def test_0022_moves_the_pin_hashes_already_in_the_feed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "0021_terminal_first_use")
    engine = get_engine(url)
    rows = [("11", 1, 0, {"id": 11, "role": "cashier", "store_id": 1}),   # a cashier: every device of store 1
            ("12", 1, 0, {"id": 12, "role": "sales_rep", "store_id": 1}),  # a rep: every device of store 1
            ("13", 0, 0, {"id": 13, "role": "admin", "store_id": None})]   # an admin: every device
    with engine.begin() as conn:
        last = conn.execute(text("SELECT value FROM sync_counters WHERE name = 'feed'")).scalar_one()
        for seq, (entity_id, store, rep, data) in enumerate(rows, start=last + 1):
            conn.execute(text("INSERT INTO sync_feed (entity, entity_id, scope_store, scope_rep, seq, op, data, "
                              "changed_at) VALUES ('user', :id, :s, :r, :seq, 'upsert', :d, '2026-01-01 00:00:00')"),
                         {"id": entity_id, "s": store, "r": rep, "seq": seq, "d": json.dumps(data)})
        conn.execute(text("UPDATE sync_counters SET value = :v WHERE name = 'feed'"), {"v": last + 3})
    dispose_engine(url)
    upgrade(url)
    engine = get_engine(url)
    with engine.connect() as conn:
        got = conn.execute(text("SELECT entity_id, scope_store, scope_rep, op, seq FROM sync_feed "
                                "WHERE entity = 'user' ORDER BY seq")).all()
        counter = conn.execute(text("SELECT value FROM sync_counters WHERE name = 'feed'")).scalar()
    dispose_engine(url)
    assert [tuple(r[:4]) for r in got] == [
        ("11", 1, 0, "delete"), ("11", 1, feed.TILLS_ONLY, "upsert"),
        ("12", 1, 0, "delete"), ("12", 0, 12, "upsert"),
        ("13", 0, 0, "delete"), ("13", 0, feed.TILLS_ONLY, "upsert")]
    assert [r[4] for r in got] == list(range(last + 4, last + 10))
    assert counter == last + 9
