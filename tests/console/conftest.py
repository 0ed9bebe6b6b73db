"""Browser tests of the head-office console: Debian's Chromium, headless, driven by Playwright.

One central server per test module (`pos-central serve` on a copy of a demo database seeded once per
session), one browser per module, a fresh browser context per test. Every page a test opens is
watched: a JavaScript error in the page's console, an uncaught exception, or a request to any host
other than the server fails the test (the console must work with the internet unplugged).
Screenshots go to test-artifacts/console/.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "console"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO_PASSWORD = "demo123"
ADMIN_PASSWORD = "admin123"
HISTORY_DAYS = 31

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([str(BIN / args[0]), *args[1:]], env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the demo business and 31 days of demo trading, made once."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/setup.sh does)")
    directory = tmp_path_factory.mktemp("console-demo")
    env = {**os.environ, "POS_DATA_DIR": str(directory)}
    env.pop("POS_DATABASE_URL", None)
    _run(env, "pos-central", "migrate")
    _run(env, "pos-central", "demo", "--history-days", str(HISTORY_DAYS))
    return directory / "central.sqlite3"


@dataclass
class Server:
    url: str
    data_dir: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes]
    log: Path

    def cli(self, *args: str) -> str:
        return _run(self.env, "pos-central", *args)


@pytest.fixture(scope="module")
def server(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`pos-central serve` on this module's own copy of the demo database."""
    directory = tmp_path_factory.mktemp("console-server")
    shutil.copyfile(demo_database, directory / "central.sqlite3")
    env = {**os.environ, "POS_DATA_DIR": str(directory)}
    env.pop("POS_DATABASE_URL", None)
    port = _free_port()
    log = directory / "serve.log"
    with log.open("ab") as out:
        proc = subprocess.Popen([str(BIN / "pos-central"), "serve", "--port", str(port)], env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("central did not start:\n" + log.read_text(errors="replace"))
            time.sleep(0.2)
        yield Server(url=url, data_dir=directory, env=env, proc=proc, log=log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Watch:
    """What a page did that a test must not allow: console errors and requests to other hosts."""

    host: str
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    allowed_status: set[int] = field(default_factory=set)

    def allow_status(self, status: int) -> None:
        """A test that opens a page it must be refused expects the browser to log that status."""
        self.allowed_status.add(status)

    def check(self) -> None:
        self.errors = [e for e in self.errors
                       if not any(f"status of {s} " in e for s in self.allowed_status)]
        assert self.outside == [], f"requests to hosts other than the server: {self.outside}"
        assert self.errors == [], f"JavaScript errors: {self.errors}"


@pytest.fixture
def watch(server: Server) -> Watch:
    return Watch(host=urlsplit(server.url).netloc)


@pytest.fixture
def page(browser: Any, server: Server, watch: Watch) -> Iterator[Any]:
    """A page in a fresh context (no cookies), watched for console errors and outside requests."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", accept_downloads=True)
    context.set_default_timeout(20_000)

    def route(r: Any) -> None:
        netloc = urlsplit(r.request.url).netloc
        if r.request.url.startswith(("data:", "blob:")) or netloc == watch.host:
            r.continue_()
        else:
            watch.outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.on("console", lambda m: watch.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: watch.errors.append(f"page error: {e}"))
    try:
        yield pg
    finally:
        context.close()
    watch.check()


def sign_in(page: Any, server: Server, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url, f"sign-in as {username} failed: {page.inner_text('main')}"


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot under test-artifacts/console/ (the README shows some of them)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
