"""Every endpoint checks who is asking; devices and store staff see only their own store."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

Headers = dict[str, str]

PUBLIC = {
    ("GET", "/api/v1/health"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/enroll"),
}
"""The only operations anyone may call: health, console login, and enrolment (which needs a code)."""


def _operations(app: FastAPI) -> list[tuple[str, str]]:
    """Every documented operation (the OpenAPI schema lists the routes of every included router)."""
    return [(method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item
            if path.startswith("/api/v1")]


def test_every_endpoint_requires_credentials(app: FastAPI, client: TestClient) -> None:
    # given every API operation of every domain, called with ids that may or may not exist
    checked = []
    for method, path in _operations(app):
        if (method, path) in PUBLIC:
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        # when it is called without credentials, or with a made-up token
        for headers in ({}, {"Authorization": "Bearer made-up"}):
            r = client.request(method, url, json={}, headers=headers)
            # then it answers 401 with the error body, before looking at anything else
            assert r.status_code == 401, (method, path, headers, r.status_code, r.text[:200])
            assert r.json()["error"]["code"], (method, path)
        checked.append((method, path))
    assert len(checked) >= 40


def test_device_sees_only_its_store(client: TestClient, admin: Headers, make_store: Callable[..., int]) -> None:
    s1, s2 = make_store("S01"), make_store("S02")
    code = client.post("/api/v1/enrolment-codes", json={"store_id": s1}, headers=admin).json()["code"]
    cred = client.post("/api/v1/enroll", json={"code": code}).json()["credential"]
    device = {"Authorization": f"Device {cred}"}
    stores = client.get("/api/v1/stores", headers=device).json()["items"]
    assert [s["id"] for s in stores] == [s1]
    r = client.get(f"/api/v1/stores/{s2}", headers=device)
    assert r.status_code == 404
    assert r.json()["error"]["field"] == "store_id"
    assert client.get("/api/v1/warehouses", params={"store_id": s2}, headers=device).json()["items"] == []
    # devices cannot change master data
    r = client.post("/api/v1/brands", json={"name": "x"}, headers=device)
    assert r.status_code == 403
    assert client.patch(f"/api/v1/stores/{s1}", json={"name": "x"}, headers=device).status_code == 403


def test_token_of_another_kind_is_refused(client: TestClient, admin: Headers, make_store: Callable[..., int]) -> None:
    s1 = make_store("S01")
    code = client.post("/api/v1/enrolment-codes", json={"store_id": s1}, headers=admin).json()["code"]
    cred = client.post("/api/v1/enroll", json={"code": code}).json()["credential"]
    # a device credential sent as a bearer token, and a user token sent as a device credential
    assert client.get("/api/v1/stores", headers={"Authorization": f"Bearer {cred}"}).status_code == 401
    token = admin["Authorization"].split()[1]
    assert client.get("/api/v1/stores", headers={"Authorization": f"Device {token}"}).status_code == 401
    # a user endpoint refuses devices; the device endpoint refuses users
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Device {cred}"}).status_code == 403
    assert client.get("/api/v1/devices/me", headers=admin).status_code == 403
