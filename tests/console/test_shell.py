"""The console's shell in a real browser: sign-in, language switch, sign-out, the offline /docs."""

from __future__ import annotations

from typing import Any

from .conftest import ADMIN_PASSWORD, Server, shot, sign_in


def test_sign_in_wrong_password_then_right(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/")
    assert "/login" in page.url
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text("main")
    shot(page, "login-zh")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url
    assert "系统管理员" in page.inner_text("header")


def test_language_follows_the_user_and_sign_out_ends_the_session(page: Any, server: Server) -> None:
    sign_in(page, server, "finance01")
    page.click("button[name=locale][value=en]")
    page.wait_for_load_state("networkidle")
    assert "Sign out" in page.inner_text("header")
    assert page.get_attribute("html", "lang") == "en"
    page.click("#logout")
    page.wait_for_load_state("networkidle")
    assert "/login" in page.url
    page.goto(f"{server.url}/")
    assert "/login" in page.url
    # the language is the user's, kept at central: signing in again speaks English to them
    sign_in(page, server, "finance01")
    assert "Sign out" in page.inner_text("header")
    page.click("button[name=locale][value=zh-CN]")
    page.wait_for_load_state("networkidle")
    assert "退出" in page.inner_text("header")


def test_api_docs_work_offline(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/docs")
    page.wait_for_selector(".swagger-ui .information-container", timeout=30_000)
    assert "POS Central" in page.inner_text(".swagger-ui .information-container")
    page.wait_for_selector(".opblock-tag", timeout=30_000)
    shot(page, "api-docs")
