"""The console's store page sets chain-wide returns (跨店退货) for a store, audited; the list shows it
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.audit.models import AuditEntry
from central.db import session_scope
from central.org.models import Store

FORM = {"code": "S01", "name": "门店S01", "rounding_mode": "none", "receipt_language": "zh-CN", "active": "on"}


def test_head_office_ticks_chain_returns_on_the_store_page(
        client: TestClient, engine: Engine, make_store: Callable[..., int], make_user: Callable[..., int],
        console_login: Callable[..., str]) -> None:
    store_id = make_store("S01")
    make_user("boss", role="admin")
    csrf = console_login("boss")
    page = client.get(f"/admin/stores?edit={store_id}")
    assert 'name="chain_returns"' in page.text
    assert "允许跨店退货" in page.text
    r = client.post("/admin/stores", data={**FORM, "csrf": csrf, "id": str(store_id), "chain_returns": "on"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    with session_scope(engine, write=False) as s:
        store = s.get(Store, store_id)
        assert store is not None
        assert store.chain_returns is True
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "store.update")
                          .order_by(AuditEntry.id.desc())).first()
        assert entry is not None
        assert (entry.actor_label, entry.before, entry.after) == ("boss", {"chain_returns": False},
                                                                  {"chain_returns": True})
    assert "checked> 允许跨店退货" in client.get(f"/admin/stores?edit={store_id}").text
    # saving the form without the box turns it off again
    r = client.post("/admin/stores", data={**FORM, "csrf": csrf, "id": str(store_id)}, follow_redirects=False)
    assert r.status_code == 303
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(Store.chain_returns).where(Store.id == store_id)) is False


def test_the_cli_sets_chain_returns_audited(db_url: str, engine: Engine, make_store: Callable[..., int],
                                            capsys: object) -> None:
    from central.cli import main

    store_id = make_store("S02")
    assert main(["stores", "--db", db_url, "set", "S02", "--chain-returns", "on"]) == 0
    assert main(["stores", "--db", db_url, "set", "S99", "--chain-returns", "on"]) == 1  # no such store
    assert main(["stores", "--db", db_url, "list"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "S02 跨店退货 / chain-wide returns: on" in out
    assert "S02\t门店S02\ton" in out
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(Store.chain_returns).where(Store.id == store_id)) is True
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "store.update")).one()
        assert (entry.actor_label, entry.after) == ("system", {"chain_returns": True})
