"""Manager PINs (#10 §5): at least 6 digits for store managers and admins, wherever a PIN is set
(create, change, promotion); cashiers keep 4–8 digits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

Headers = dict[str, str]


@pytest.mark.parametrize(("role", "pin", "status"), [
    ("store_manager", "1234", 422), ("store_manager", "12345", 422), ("store_manager", "123456", 201),
    ("admin", "9999", 422), ("admin", "12345678", 201), ("cashier", "1234", 201), ("cashier", "123", 422),
])
def test_manager_pins_have_six_digits(client: TestClient, admin: Headers, make_store: Callable[..., int],
                                      role: str, pin: str, status: int) -> None:
    s1 = make_store("S01")
    body = {"username": "new.user", "display_name": "新用户", "role": role, "pin": pin,
            "store_id": None if role == "admin" else s1}
    r = client.post("/api/v1/users", headers=admin, json=body)
    assert r.status_code == status, r.text
    if status == 422:
        error = r.json()["error"]
        assert error["code"] == "invalid_pin"
        assert error["field"] == "pin"
        assert error["message"]
        assert error["message_en"]


def test_changing_or_promoting_needs_a_manager_length_pin(client: TestClient, admin: Headers,
                                                          make_store: Callable[..., int]) -> None:
    s1 = make_store("S01")
    r = client.post("/api/v1/users", headers=admin, json={
        "username": "wang", "display_name": "王", "role": "cashier", "store_id": s1, "pin": "2468"})
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    promoted = client.patch(f"/api/v1/users/{uid}", headers=admin, json={"role": "store_manager"})
    assert promoted.status_code == 422, promoted.text
    assert promoted.json()["error"]["field"] == "pin"
    promoted = client.patch(f"/api/v1/users/{uid}", headers=admin, json={"role": "store_manager", "pin": "1357"})
    assert promoted.status_code == 422
    promoted = client.patch(f"/api/v1/users/{uid}", headers=admin, json={"role": "store_manager", "pin": "135790"})
    assert promoted.status_code == 200, promoted.text
    shorter = client.patch(f"/api/v1/users/{uid}", headers=admin, json={"pin": "2468"})
    assert shorter.status_code == 422
