"""The core `pos-central` commands: migrate, serve, enroll-code, revoke-terminal."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from central.cli import main
from central.db import dispose_engine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_migrate_builds_empty_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/c.sqlite3"
    assert main(["migrate", "--db", url]) == 0
    assert "→" in capsys.readouterr().out
    assert main(["migrate", "--db", url]) == 0
    assert "已是最新版本" in capsys.readouterr().out
    dispose_engine(url)


def test_default_database_is_sqlite_under_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from central.settings import resolve_db_url

    monkeypatch.delenv("POS_DATABASE_URL", raising=False)
    monkeypatch.setenv("POS_DATA_DIR", str(tmp_path / "d"))
    assert resolve_db_url(None) == f"sqlite:///{tmp_path / 'd' / 'central.sqlite3'}"
    monkeypatch.setenv("POS_DATABASE_URL", "sqlite:///env.db")
    assert resolve_db_url(None) == "sqlite:///env.db"
    assert resolve_db_url("sqlite:///cli.db") == "sqlite:///cli.db"


def test_serve_refuses_out_of_date_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/empty.sqlite3"
    out = subprocess.run([sys.executable, "-m", "central.cli", "serve", "--db", url, "--port", "1"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "pos-central migrate" in out.stderr
    assert "out of date" in out.stderr


def test_serve_answers_health(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/c.sqlite3"
    assert main(["migrate", "--db", url]) == 0
    dispose_engine(url)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "central.cli", "serve", "--db", url, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert r.status_code == 200
        assert r.json()["status"] == "ok"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_enroll_code_then_revoke(db_url: str, client: TestClient, make_store: Callable[..., int],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    # given a store
    make_store("S01")
    # when enroll-code runs, the code is alone on the last line and works once at the API
    assert main(["enroll-code", "--db", db_url, "--store", "S01"]) == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert code.replace("-", "").isalnum()
    r = client.post("/api/v1/enroll", json={"code": code})
    assert r.status_code == 201, r.text
    cred = r.json()
    headers = {"Authorization": f"Device {cred['credential']}"}
    assert client.get("/api/v1/devices/me", headers=headers).status_code == 200
    # when the terminal is revoked by code, its credential gets 401 device_revoked
    assert main(["revoke-terminal", "--db", db_url, cred["terminal_code"], "--reason", "stolen"]) == 0
    after = client.get("/api/v1/devices/me", headers=headers)
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "device_revoked"


def test_enroll_code_errors(db_url: str, make_store: Callable[..., int], make_user: Callable[..., int],
                            capsys: pytest.CaptureFixture[str]) -> None:
    make_store("S01")
    make_user("rep1", role="sales_rep")
    assert main(["enroll-code", "--db", db_url, "--store", "S99"]) == 1
    assert "S99" in capsys.readouterr().err
    assert main(["enroll-code", "--db", db_url, "--store", "S01", "--kind", "rep"]) == 1
    assert main(["enroll-code", "--db", db_url, "--store", "S01", "--kind", "rep", "--rep", "rep1"]) == 0
    assert main(["revoke-terminal", "--db", db_url, "S01-POS77"]) == 1


def test_migrate_makes_first_admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from central.app import create_app

    url = f"sqlite:///{tmp_path}/c.sqlite3"
    monkeypatch.setenv("POS_ADMIN_PASSWORD", "first-admin-pw")
    assert main(["migrate", "--db", url, "--admin", "boss"]) == 0
    assert "boss" in capsys.readouterr().out
    assert main(["migrate", "--db", url, "--admin", "boss"]) == 0  # idempotent
    with TestClient(create_app(url)) as c:
        r = c.post("/api/v1/auth/login", json={"username": "boss", "password": "first-admin-pw"})
        assert r.status_code == 200
        assert r.json()["user"]["role"] == "admin"
    monkeypatch.setenv("POS_ADMIN_PASSWORD", "short")
    assert main(["migrate", "--db", url, "--admin", "boss2"]) == 1
    dispose_engine(url)


def test_served_connections_have_tcp_nodelay() -> None:
    # with --workers > 1 uvicorn binds the socket itself and Nagle stays on: every response would
    # wait ~40 ms for the client's delayed ACK. The protocol `serve` uses switches it off.
    import asyncio

    from uvicorn.config import Config
    from uvicorn.server import ServerState

    from central.api.server import HTTP_PROTOCOL, NoDelayH11Protocol

    assert HTTP_PROTOCOL == "central.api.server:NoDelayH11Protocol"
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)  # proto 0, as uvicorn binds it
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0

        class Transport(asyncio.Transport):
            def get_extra_info(self, name: str, default: object = None) -> object:
                return {"socket": accepted, "peername": ("127.0.0.1", 1), "sockname": ("127.0.0.1", 2)}.get(
                    name, default)

        config = Config(app=lambda *a: None)
        config.load()
        loop = asyncio.new_event_loop()
        try:
            protocol = NoDelayH11Protocol(config=config, server_state=ServerState(), app_state={}, _loop=loop)
            protocol.connection_made(Transport())
        finally:
            loop.close()
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        for s in (client, accepted, listener):
            s.close()
