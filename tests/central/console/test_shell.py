"""The console's shell: sign-in through the same tokens as the API, CSRF, language, offline assets."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from central.console.assets import VENDOR_DIR, load_manifest, verify_vendored
from tests.central.conftest import PASSWORD


def test_pages_need_a_session(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")
    htmx = client.get("/", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["HX-Redirect"].startswith("/login")


def test_sign_in_form_refuses_a_post_without_its_own_value(client: TestClient, make_user: Callable[..., int]) -> None:
    make_user("amy", role="admin")
    client.get("/login")
    r = client.post("/login", data={"username": "amy", "password": PASSWORD, "csrf": "forged", "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 200
    assert "请求已过期" in r.text
    assert "pos_console" not in r.cookies


def test_wrong_password_and_redirect_only_to_this_server(client: TestClient, make_user: Callable[..., int]) -> None:
    make_user("amy", role="admin")
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    bad = client.post("/login", data={"username": "amy", "password": "nope", "csrf": csrf, "next": "/"})
    assert "用户名或密码错误" in bad.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', bad.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": "amy", "password": PASSWORD, "csrf": csrf,
                                    "next": "//evil.example/steal"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/"


def test_the_console_session_is_the_api_token(client: TestClient, make_user: Callable[..., int],
                                              console_login: Callable[..., str]) -> None:
    make_user("amy", role="admin")
    csrf = console_login("amy")
    token = client.cookies.get("pos_console")
    assert token
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["username"] == "amy"
    # logging out needs the page's CSRF value
    refused = client.post("/logout", follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    out = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    client.cookies.set("pos_console", token)
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_disabled_user_is_signed_out(client: TestClient, make_user: Callable[..., int],
                                     console_login: Callable[..., str], admin: dict[str, str]) -> None:
    uid = make_user("amy", role="finance")
    console_login("amy")
    assert client.patch(f"/api/v1/users/{uid}", json={"active": False}, headers=admin).status_code == 200
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303
    assert "expired=1" in r.headers["location"]


def test_language_is_kept_per_user(client: TestClient, make_user: Callable[..., int],
                                   console_login: Callable[..., str]) -> None:
    make_user("amy", role="finance")
    make_user("bob", role="finance")
    csrf = console_login("amy")
    assert client.post("/preferences/language", data={"locale": "en"}, follow_redirects=False).status_code == 403
    r = client.post("/preferences/language", data={"locale": "en", "csrf": csrf}, headers={"Referer": "http://x/"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    assert "Sign out" in client.get("/").text
    console_login("bob")
    assert "退出" in client.get("/").text
    console_login("amy")
    page = client.get("/").text
    assert "Sign out" in page
    assert '<html lang="en">' in page


def test_docs_and_console_load_only_this_servers_files(client: TestClient, make_user: Callable[..., int],
                                                       console_login: Callable[..., str]) -> None:
    make_user("amy", role="admin")
    console_login("amy")
    for path in ("/docs", "/", "/login"):
        html = client.get(path).text
        refs = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert refs, path
        assert all(ref.startswith("/") and not ref.startswith("//") for ref in refs), (path, refs)
        for ref in refs:
            if ref.startswith("/static/"):
                assert client.get(ref).status_code == 200, ref


def test_vendored_assets_match_their_pinned_sha256(client: TestClient) -> None:
    assert verify_vendored() == []
    packages, hashes = load_manifest()
    assert {p.name for p in packages} >= {"htmx.org", "echarts", "swagger-ui-dist"}
    for key, digest in hashes.items():
        served = client.get(f"/static/vendor/{key}")
        assert served.status_code == 200, key
        assert hashlib.sha256(served.content).hexdigest() == digest
        assert (VENDOR_DIR / key).is_file()
