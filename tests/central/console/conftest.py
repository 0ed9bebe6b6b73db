"""Helpers for the console's server-side tests (TestClient, on SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.central.conftest import PASSWORD


def csrf_of(html: str) -> str:
    m = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)"', html)
    assert m, "the page has no CSRF value"
    return m.group(1)


@pytest.fixture
def console_login(client: TestClient) -> Callable[..., str]:
    """console_login("amy") signs the TestClient in through the sign-in form; returns the CSRF value."""

    def do(username: str, password: str = PASSWORD) -> str:
        client.cookies.clear()
        form = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token, form.text
        r = client.post("/login", data={"username": username, "password": password, "csrf": token.group(1),
                                        "next": "/"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        page = client.get("/")
        assert page.status_code == 200, page.text
        return csrf_of(page.text)

    return do
