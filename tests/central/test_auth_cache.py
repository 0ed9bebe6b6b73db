"""The short-lived authentication cache (central/auth/cache.py) and the barcode lookup's fast path.

Revocation must still work: logout, a revoked terminal, a disabled user or a changed role apply
to the very next request in this process; a change made behind the process's back (another
worker, the CLI, SQL) applies once the entry's TTL has passed. The lookup's body must stay what
`ProductOut` gives, and its errors the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, update

from central.auth import cache
from central.auth.models import ApiToken
from central.auth.principal import UserPrincipal
from central.auth.roles import ROLE_PERMISSIONS, Role
from central.catalog import service as catalog
from central.catalog.models import Barcode
from central.catalog.schemas import ProductOut
from central.db import get_read_engine, session_scope, utcnow
from central.org.models import Terminal
from sync.barcodes import with_check_digit

Headers = dict[str, str]
EA = with_check_digit("690123456789")
BOX = with_check_digit("690123456790")
UPC = with_check_digit("03600029145")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(cache, "_clock", fake)
    cache.auth_cache.clear()
    return fake


@pytest.fixture
def products(client: TestClient, admin: Headers) -> list[str]:
    """A few products through the API; returns every barcode they carry."""
    bodies: list[dict[str, Any]] = [
        {"sku": "COLA330", "name": "可口可乐 330ml", "name_en": "Coca-Cola 330ml", "tax_rate_bp": 1300,
         "units": [{"code": "罐", "factor": 1, "price_fen": 300, "barcodes": [EA]},
                   {"code": "箱", "factor": 24, "price_fen": 6500, "barcodes": [BOX]}]},
        {"sku": "APPLE", "name": "红富士苹果", "weighed": True, "spec": "散装",
         "units": [{"code": "kg", "price_fen": 1280, "barcodes": [UPC, with_check_digit("290000000001")]},
                   {"code": "500g", "price_fen": 650}]},
    ]
    for body in bodies:
        r = client.post("/api/v1/products", json=body, headers=admin)
        assert r.status_code == 201, r.text
    return [EA, BOX, "0" + UPC, with_check_digit("290000000001")]


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL the app's main engine (where authentication reads) sends while the test runs."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


# ------------------------------------------------------------------ the cache is used


def test_a_cached_caller_costs_no_token_query(client: TestClient, admin: Headers, products: list[str],
                                              statements: list[str], clock: FakeClock) -> None:
    seen = statements
    assert client.get(f"/api/v1/products/by-barcode/{EA}", headers=admin).status_code == 200
    assert any("api_tokens" in s for s in seen)  # first request: read from the database
    seen.clear()
    for _ in range(3):
        assert client.get(f"/api/v1/products/by-barcode/{EA}", headers=admin).status_code == 200
        assert client.get("/api/v1/auth/me", headers=admin).status_code == 200
    assert not [s for s in seen if "api_tokens" in s]
    clock.now += cache.TTL_SECONDS + 0.1  # expired: read again
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 200
    assert any("api_tokens" in s for s in seen)


# ------------------------------------------------------------------ revocation in this process: at once


def test_logout_applies_at_once(client: TestClient, admin: Headers, products: list[str], clock: FakeClock) -> None:
    assert client.get(f"/api/v1/products/by-barcode/{EA}", headers=admin).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=admin).status_code == 204
    r = client.get(f"/api/v1/products/by-barcode/{EA}", headers=admin)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "token_expired"


def test_revoked_terminal_applies_at_once(client: TestClient, admin: Headers, products: list[str],
                                          make_store: Callable[..., int], clock: FakeClock) -> None:
    store_id = make_store("S01")
    code = client.post("/api/v1/enrolment-codes", json={"store_id": store_id}, headers=admin).json()["code"]
    cred = client.post("/api/v1/enroll", json={"code": code}).json()
    device = {"Authorization": f"Device {cred['credential']}"}
    assert client.get(f"/api/v1/products/by-barcode/{EA}", headers=device).status_code == 200
    assert client.get("/api/v1/devices/me", headers=device).status_code == 200
    wrong = {"Authorization": f"Device {cred['terminal_id']}:not-the-secret"}
    assert client.get(f"/api/v1/products/by-barcode/{EA}", headers=wrong).status_code == 401
    r = client.post(f"/api/v1/terminals/{cred['terminal_id']}/revoke", json={}, headers=admin)
    assert r.status_code == 200
    for path in (f"/api/v1/products/by-barcode/{EA}", "/api/v1/devices/me"):
        gone = client.get(path, headers=device)
        assert gone.status_code == 401
        assert gone.json()["error"]["code"] == "device_revoked"


def test_disabled_user_and_new_role_apply_at_once(client: TestClient, admin: Headers,
                                                  make_user: Callable[..., int],
                                                  login: Callable[[str], Headers], clock: FakeClock) -> None:
    uid = make_user("wh", role="warehouse")
    wh = login("wh")
    assert client.get("/api/v1/auth/me", headers=wh).json()["role"] == "warehouse"
    assert client.patch(f"/api/v1/users/{uid}", headers=admin, json={"role": "finance"}).status_code == 200
    r = client.get("/api/v1/auth/me", headers=wh)  # another role ends the session (#10 §4.4)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "token_expired")
    wh = login("wh")
    assert client.get("/api/v1/auth/me", headers=wh).json()["role"] == "finance"
    assert client.patch(f"/api/v1/users/{uid}", headers=admin, json={"active": False}).status_code == 200
    r = client.get("/api/v1/auth/me", headers=wh)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "user_disabled")


# ------------------------------------------------------------------ another process's change: within the TTL


def test_change_made_elsewhere_applies_within_the_ttl(client: TestClient, admin: Headers, products: list[str],
                                                      engine: Engine, make_store: Callable[..., int],
                                                      clock: FakeClock) -> None:
    store_id = make_store("S01")
    code = client.post("/api/v1/enrolment-codes", json={"store_id": store_id}, headers=admin).json()["code"]
    cred = client.post("/api/v1/enroll", json={"code": code}).json()
    device = {"Authorization": f"Device {cred['credential']}"}
    assert client.get(f"/api/v1/products/by-barcode/{EA}", headers=device).status_code == 200
    assert client.get(f"/api/v1/products/by-barcode/{EA}", headers=admin).status_code == 200
    # what another worker or `pos-central revoke-terminal` does: plain SQL, no ORM event here
    with engine.begin() as conn:
        conn.execute(update(Terminal).where(Terminal.id == cred["terminal_id"]).values(revoked_at=utcnow()))
        conn.execute(update(ApiToken).values(revoked_at=utcnow()))
    clock.now += cache.TTL_SECONDS - 0.1  # still inside the documented bound: served from the cache
    assert client.get(f"/api/v1/products/by-barcode/{EA}", headers=device).status_code == 200
    clock.now += 0.2  # past it: refused
    r = client.get(f"/api/v1/products/by-barcode/{EA}", headers=device)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "device_revoked")
    r = client.get(f"/api/v1/products/by-barcode/{EA}", headers=admin)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "token_expired")


# ------------------------------------------------------------------ the cache itself


def _principal() -> UserPrincipal:
    return UserPrincipal(permissions=ROLE_PERMISSIONS[Role.ADMIN], store_id=None, rep_id=None, user_id=1,
                         username="a", role=Role.ADMIN, home_store_id=None)


def test_a_fill_that_read_before_a_clear_is_dropped(clock: FakeClock) -> None:
    c = cache.AuthCache()
    key = cache.cache_key("sqlite://", "Bearer x")
    generation = c.generation  # a request starts reading the token row ...
    c.clear()  # ... a logout commits meanwhile ...
    c.put(key, _principal(), generation=generation)  # ... the stale row must not be remembered
    assert c.get(key) is None
    c.put(key, _principal(), generation=c.generation)
    assert c.get(key) == _principal()


def test_an_entry_never_outlives_its_token(clock: FakeClock) -> None:
    c = cache.AuthCache()
    now = utcnow()
    soon, gone = cache.cache_key("db", "Bearer soon"), cache.cache_key("db", "Bearer gone")
    c.put(soon, _principal(), generation=c.generation, expires_at=now + timedelta(seconds=0.5), now=now)
    c.put(gone, _principal(), generation=c.generation, expires_at=now - timedelta(seconds=1), now=now)
    assert c.get(gone) is None
    assert c.get(soon) is not None
    clock.now += 0.6
    assert c.get(soon) is None


def test_keys_differ_by_database_and_credential() -> None:
    assert cache.cache_key("a", "Bearer t") != cache.cache_key("b", "Bearer t")
    assert cache.cache_key("a", "Device 1:s") != cache.cache_key("a", "Device 1:t")
    assert "t" not in cache.cache_key("a", "Bearer t")[1]  # only a digest of the credential is kept


def test_the_cache_stays_bounded(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    c = cache.AuthCache()
    for i in range(10):
        c.put(cache.cache_key("db", f"Bearer {i}"), _principal(), generation=c.generation)
        assert len(c) <= 3


# ------------------------------------------------------------------ the lookup's fast path


def test_lookup_body_is_product_out(client: TestClient, admin: Headers, products: list[str],
                                    engine: Engine) -> None:
    with session_scope(engine, write=False) as s:
        assert sorted(s.scalars(select(Barcode.barcode))) == sorted(products)
        expected = {code: ProductOut.of(catalog.product_by_barcode(s, code)).model_dump_json().encode()
                    for code in products}
    for code in products:
        r = client.get(f"/api/v1/products/by-barcode/{code}", headers=admin)
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json"
        assert r.content == expected[code]
    # a UPC-A is found by its EAN-13 form, as before
    assert client.get(f"/api/v1/products/by-barcode/{UPC}", headers=admin).content == expected["0" + UPC]


def test_lookup_errors_keep_their_bodies(client: TestClient, admin: Headers, products: list[str]) -> None:
    unknown = with_check_digit("690000000000")
    r = client.get(f"/api/v1/products/by-barcode/{unknown}", headers=admin)
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "barcode_not_found", "message": f"条码未找到：{unknown}",
                                  "message_en": f"no product with barcode {unknown}", "field": "barcode"}}
    r = client.get("/api/v1/products/by-barcode/12345", headers=admin)
    assert (r.status_code, r.json()["error"]["code"], r.json()["error"]["field"]) == (422, "invalid_barcode",
                                                                                      "barcode")
    r = client.get(f"/api/v1/products/by-barcode/{'1' * 33}", headers=admin)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "validation_error")
    # not authenticated comes first, whatever the barcode
    for path in (f"/api/v1/products/by-barcode/{EA}", f"/api/v1/products/by-barcode/{'1' * 33}"):
        r = client.get(path)
        assert (r.status_code, r.json()["error"]["code"]) == (401, "not_authenticated")


def test_read_engine_cannot_write(db_url: str) -> None:
    from sqlalchemy.exc import DBAPIError

    read = get_read_engine(db_url)
    with read.connect() as conn:
        assert conn.execute(select(Barcode.id).limit(1)).all() == []
        if read.dialect.name == "sqlite":
            with pytest.raises(DBAPIError, match="readonly"):
                conn.execute(update(ApiToken).values(revoked_at=utcnow()))


def test_lookup_survives_a_dropped_read_connection(db_url: str, engine: Engine, client: TestClient,
                                                   admin: Headers, products: list[str]) -> None:
    # the read engine has no pre-ping: a connection the server dropped (restart, idle timeout) must
    # be retried on a fresh one, not answered with a 500
    read = get_read_engine(db_url)
    if read.dialect.name != "postgresql":
        pytest.skip("only a server database drops connections")
    read.dispose()
    with read.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with engine.connect() as conn:
        assert conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid or 0)})").scalar() is True
    r = client.get(f"/api/v1/products/by-barcode/{EA}", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["sku"] == "COLA330"
