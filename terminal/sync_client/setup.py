"""Enrolment: exchange a one-time code for the device credential, then bootstrap at once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx

from terminal.store.db import Store
from terminal.sync_client.client import RoundReport, SyncClient
from terminal.sync_client.transport import SyncError, Transport

ENROLL_PATH = "/api/v1/enroll"


class AlreadyEnrolled(SyncError):
    message = "本终端已注册；如需重新注册请使用 --force"
    message_en = "this terminal is already enrolled; use --force to enrol it again"


def data_dir(given: str | None) -> Path:
    """`--data DIR` > POS_TERMINAL_DATA > ./data/terminal (as every pos-terminal command)."""
    return Path(given or os.environ.get("POS_TERMINAL_DATA") or "data/terminal")


def enroll(store: Store, server: str, code: str, *, name: str | None = None, force: bool = False,
           timeout: float = 30.0, client: httpx.Client | None = None) -> dict[str, Any]:
    """Enrol with central and store the credential and identity in `settings`."""
    if store.get_setting("credential") and not force:
        raise AlreadyEnrolled()
    if store.get_setting("terminal_id") and force:
        pending = store.scalar("SELECT count(*) FROM outbox WHERE status <> 'acked'")
        if pending:
            raise SyncError(f"{pending} events not yet acknowledged by central; sync them before re-enrolling")
    body: dict[str, Any] = {"code": code}
    if name:
        body["name"] = name
    with Transport(server, timeout=timeout, retries=2, client=client) as transport:
        answer = transport.post(ENROLL_PATH, body)
    settings = {
        "server_url": server.rstrip("/"), "credential": str(answer["credential"]),
        "terminal_id": str(answer["terminal_id"]), "terminal_code": str(answer["terminal_code"]),
        "store_id": str(answer["store_id"]), "store_code": str(answer["store_code"]),
        "store_name": str(answer.get("store_name") or ""), "terminal_kind": str(answer.get("kind") or "pos"),
        "receipt_prefix": str(answer["terminal_code"]),
    }
    with store.transaction():
        for key, value in settings.items():
            store.set_setting(key, value)
        store.set_setting("rep_id", str(answer["rep_id"]) if answer.get("rep_id") else None)
    return {k: v for k, v in settings.items() if k != "credential"}


def bootstrap(store: Store, *, timeout: float = 60.0, client: httpx.Client | None = None) -> RoundReport:
    """The full first download (snapshot + catch-up), so the terminal can sell offline at once."""
    sync = SyncClient.from_settings(store, timeout=timeout, client=client)
    try:
        return sync.sync_round()
    finally:
        sync.transport.close()
