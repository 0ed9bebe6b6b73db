"""Requests cost central little before they are trusted (central/api/gate.py): the caller is
authenticated before a byte of the body is read, bodies are bounded as sent and as inflated,
deep JSON is a 400 everywhere, and a 500 does not cost the client its kept-alive connection."""

from __future__ import annotations

import asyncio
import gzip
import http.client
import json
import re
import tracemalloc
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from central.api import gate
from central.api.gate import json_depth_exceeds
from central.settings import MAX_JSON_DEPTH, MiB, parse_size
from central.syncing.api import PUSH_BODY_LIMIT
from tests.central.live_server import live_server

Headers = dict[str, str]


def _device(client: TestClient, admin: Headers, store_id: int) -> Headers:
    code = client.post("/api/v1/enrolment-codes", json={"store_id": store_id}, headers=admin).json()["code"]
    credential = client.post("/api/v1/enroll", json={"code": code}).json()["credential"]
    return {"Authorization": f"Device {credential}"}


def _asgi_post(app: FastAPI, path: str, headers: Headers, chunks: list[bytes]) -> tuple[int, dict[str, Any], int]:
    """POST `chunks` straight through the ASGI app; → (status, JSON body, body bytes the app pulled)."""
    pulled = 0
    pending = list(chunks)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pending:
            chunk = pending.pop(0)
            pulled += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending)}
        await asyncio.sleep(3600)  # the client says nothing more
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if not any(k == b"content-length" for k, _ in raw_headers):
        raw_headers.append((b"transfer-encoding", b"chunked"))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": raw_headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "app": app}

    async def run() -> None:
        await asyncio.wait_for(app(scope, receive, send), 60)

    asyncio.run(run())
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body), pulled


# ------------------------------------------------------------------ authenticate before the body


@pytest.mark.parametrize("authorization", [None, "Device 1:made-up-secret", "Bearer made-up"])
def test_an_unauthenticated_push_is_refused_before_its_body_is_read(app: FastAPI, authorization: str | None) -> None:
    # given a 1.5 MB gzip body that inflates to ~1.5 GB, sent by someone without a valid credential
    bomb_chunk = gzip.compress(b"\0" * (64 * MiB), compresslevel=9)
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    if authorization:
        headers["authorization"] = authorization
    # when it reaches central
    status, body, pulled = _asgi_post(app, "/api/v1/sync/push", headers, [bomb_chunk] * 24)
    # then the answer is 401 and not one byte of the body was read (so none was inflated)
    assert status == 401
    assert body["error"]["code"] in ("not_authenticated", "unknown_device", "invalid_token")
    assert pulled == 0


def test_a_gzip_bomb_from_a_real_till_stops_at_the_limit(app: FastAPI, client: TestClient, admin: Headers,
                                                         make_store: Callable[..., int]) -> None:
    # given an enrolled till that sends 64 KB of gzip which would inflate to 64 MB (the limit is 16 MB)
    device = _device(client, admin, make_store("S01"))
    bomb = gzip.compress(b"[" + b" " * (64 * MiB) + b"]", compresslevel=9)
    assert len(bomb) < 100_000
    tracemalloc.start()
    try:
        status, body, _ = _asgi_post(app, "/api/v1/sync/push", {**device, "content-type": "application/json",
                                                                "content-encoding": "gzip"}, [bomb])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # then it is refused as too large, having held no more than about the limit
    assert status == 413
    assert body["error"]["code"] == "body_too_large"
    assert "16 MB" in body["error"]["message"]
    assert "16 MB" in body["error"]["message_en"]
    assert peak < 2 * PUSH_BODY_LIMIT + 8 * MiB, peak


def test_a_plain_body_over_the_limit_is_refused(client: TestClient, admin: Headers) -> None:
    # a 2 MB body to an endpoint with the default 1 MB limit, declared and streamed (no Content-Length)
    big = json.dumps({"name": "x" * (2 * MiB)}).encode()
    r = client.post("/api/v1/brands", content=big, headers={**admin, "Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "body_too_large"
    assert r.headers["connection"] == "close"
    r = client.post("/api/v1/brands", content=iter([big[:MiB], big[MiB:]]),
                    headers={**admin, "Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    # a body within the limit still works
    assert client.post("/api/v1/brands", json={"name": "品牌"}, headers=admin).status_code == 201


def test_a_declared_length_over_the_limit_is_refused_unread(app: FastAPI, client: TestClient, admin: Headers) -> None:
    status, body, pulled = _asgi_post(app, "/api/v1/brands", {**admin, "content-type": "application/json",
                                                              "content-length": str(5 * MiB)}, [b"{}"])
    assert (status, body["error"]["code"], pulled) == (413, "body_too_large", 0)


def test_limits_are_per_operation_and_documented(app: FastAPI, client: TestClient) -> None:
    # login takes a few KB at most: a 5 KB password is refused before any hashing
    r = client.post("/api/v1/auth/login", json={"username": "admin", "password": "x" * 5000})
    assert r.status_code == 413
    # while a push batch may be 16 MB; both are in the OpenAPI schema
    paths = app.openapi()["paths"]
    assert paths["/api/v1/sync/push"]["post"]["x-max-body-bytes"] == PUSH_BODY_LIMIT == 16 * MiB
    assert paths["/api/v1/auth/login"]["post"]["x-max-body-bytes"] == 4 * 1024
    assert "413" in paths["/api/v1/products"]["post"]["responses"]


def test_sizes_in_settings_parse_like_people_write_them() -> None:
    assert [parse_size(t) for t in ("1048576", "512K", "16M", "16MiB", "1g")] == [
        MiB, 512 * 1024, 16 * MiB, 16 * MiB, 1024 * MiB]
    for bad in ("", "-1", "ten", "0"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_broken_or_unknown_compression_is_a_clear_400_or_415(client: TestClient, admin: Headers,
                                                             make_store: Callable[..., int]) -> None:
    device = _device(client, admin, make_store("S01"))
    broken = gzip.compress(b'{"protocol_version": 1}')[:-12]
    r = client.post("/api/v1/sync/pull", content=broken,
                    headers={**device, "Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "bad_gzip")
    r = client.post("/api/v1/sync/pull", content=b"xx",
                    headers={**device, "Content-Type": "application/json", "Content-Encoding": "br"})
    assert (r.status_code, r.json()["error"]["code"]) == (415, "unsupported_encoding")
    # gzip that inflates to a good request is served as before
    good = gzip.compress(json.dumps({"protocol_version": 1, "cursor": 0, "schema_version": 1}).encode())
    r = client.post("/api/v1/sync/pull", content=good,
                    headers={**device, "Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert r.status_code in (200, 409), r.text


# ------------------------------------------------------------------ deep JSON


def _body_operations(app: FastAPI) -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item
            if method in ("post", "put", "patch")]


def test_deeply_nested_json_is_a_400_on_every_endpoint(app: FastAPI, client: TestClient, admin: Headers,
                                                       make_store: Callable[..., int]) -> None:
    # given every operation that takes a body, called by a caller it accepts (a till for sync, else admin)
    device = _device(client, admin, make_store("S01"))
    operations = _body_operations(app)
    assert len(operations) >= 25
    limits = {(m.upper(), p): op.get("x-max-body-bytes", MiB) for p, item in app.openapi()["paths"].items()
              for m, op in item.items()}
    bodies = [b'{"a":' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1),
              b"[" * 2000 + b"]" * 2000, b"[" * 100_000 + b"]" * 100_000]
    for deep in bodies:
        for method, path in operations:
            if len(deep) > limits[(method, path)]:
                continue  # login, enrolment, pull, bootstrap take a few KB: 413 comes first
            url = re.sub(r"\{[^}]+\}", "1", path)
            headers = device if path.startswith("/api/v1/sync/") else admin
            # when its body nests too deeply
            r = client.request(method, url, content=deep, headers={**headers, "Content-Type": "application/json"})
            # then it answers 400 with the usual error body (pull and bootstrap answered 500)
            assert r.status_code == 400, (method, path, len(deep), r.status_code, r.text[:200])
            assert r.json()["error"]["code"] == "json_too_deep"


def _nesting(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_nesting(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_nesting(v) for v in value), default=0)
    return 0


_TRICKY_TEXT = st.text(alphabet=st.sampled_from(list('[]{}"\\ab中\n\x00')), max_size=8)
_JSON = st.recursive(st.none() | st.integers() | _TRICKY_TEXT,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TRICKY_TEXT, inner, max_size=3),
                     max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(value=_JSON, limit=st.integers(min_value=0, max_value=8), ascii_only=st.booleans())
def test_depth_check_agrees_with_the_parsed_value(value: Any, limit: int, ascii_only: bool) -> None:
    # brackets, quotes and backslashes inside strings never count; nesting is measured exactly
    raw = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert json_depth_exceeds(raw, limit) == (_nesting(value) > limit)


# ------------------------------------------------------------------ kept-alive connections


def test_a_500_keeps_the_connection(app: FastAPI) -> None:
    # given an endpoint that fails unexpectedly (a bug), served by the production HTTP stack
    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/test-broken", broken, methods=["GET"])
    with live_server(app) as base:
        conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
        try:
            # when a client gets a 500 on its kept-alive connection
            conn.request("GET", "/api/v1/test-broken")
            r = conn.getresponse()
            body = json.loads(r.read())
            assert r.status == 500
            assert body["error"] == {"code": "internal_error", "message": "服务器内部错误",
                                     "message_en": "internal server error", "field": None}
            assert r.getheader("connection") != "close"
            # then its next request goes over the same connection
            sock = conn.sock
            conn.request("GET", "/api/v1/health")
            r = conn.getresponse()
            r.read()
            assert r.status == 200
            assert conn.sock is sock
        finally:
            conn.close()


def test_pages_outside_the_api_are_bounded_but_authenticate_themselves(client: TestClient,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # the console's sign-in form has no Authorization header: the gate lets it through, bounded
    assert client.post("/login", data={"username": "amy", "password": "x"}).status_code != 401
    big = {"username": "amy", "password": "x" * (MiB + 10)}
    assert client.post("/login", data=big).status_code == 413
    # a page that takes uploads registers a larger limit for its path
    monkeypatch.setitem(gate.PATH_LIMITS, "/login", 2 * MiB)
    assert client.post("/login", data=big).status_code != 413
