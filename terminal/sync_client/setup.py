"""Enrolment: exchange a one-time code for the device credential, then bootstrap at once."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

import httpx

from terminal.store import Store
from terminal.sync_client.client import RoundReport, SyncClient
from terminal.sync_client.transport import ServerRejected, SyncError, Transport

ENROLL_PATH = "/api/v1/enroll"
NONCE_SETTING = "enrolment_nonce"
"""`<sha256 of the code> <nonce>` while an enrolment has not yet stored its credential."""


class AlreadyEnrolled(SyncError):
    message = "本终端已注册；如需重新注册请使用 --force"
    message_en = "this terminal is already enrolled; use --force to enrol it again"


def data_dir(given: str | None) -> Path:
    """`--data DIR` > POS_TERMINAL_DATA > ./data/terminal (as every pos-terminal command)."""
    return Path(given or os.environ.get("POS_TERMINAL_DATA") or "data/terminal")


def enroll(store: Store, server: str, code: str, *, name: str | None = None, force: bool = False,
           timeout: float = 30.0, retries: int = 3, client: httpx.Client | None = None) -> dict[str, Any]:
    """Enrol with central and store the credential and identity in `settings`.

    Safe to retry: the code goes with this terminal's enrolment nonce (`enrolment_nonce`), so when
    central committed but its answer was lost, the transport's retry (or this command run again
    with the same code) gets the same terminal again with a fresh secret instead of "code used".
    """
    if store.get_setting("credential") and not force:
        raise AlreadyEnrolled()
    if store.get_setting("terminal_id") and force:
        pending = store.outbox.pending_count()
        if pending:
            raise SyncError(f"{pending} events not yet acknowledged by central; sync them before re-enrolling")
    body: dict[str, Any] = {"code": code, "nonce": enrolment_nonce(store, code)}
    if name:
        body["name"] = name
    with Transport(server, timeout=timeout, retries=retries, client=client) as transport:
        try:
            answer = transport.post(ENROLL_PATH, body)
        except ServerRejected as exc:
            if not (exc.code == "validation_error" and exc.field == "nonce"):
                raise
            del body["nonce"]  # a central older than enrolment nonces: single-use codes, no safe retry
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
        store.set_setting(NONCE_SETTING, None)  # enrolled: the nonce has done its job
    store.mark_enrolled()  # from now on a missing database is refused, never silently recreated
    return {k: v for k, v in settings.items() if k != "credential"}


def enrolment_nonce(store: Store, code: str) -> str:
    """This terminal's random nonce for enrolling with `code`, stored (committed) before the first
    attempt so every retry with the same code sends the same one, even after a restart. Another
    code gets a new nonce. Kept next to a SHA-256 of the code, never the code itself."""
    code_key = hashlib.sha256(_normalise_code(code).encode("utf-8")).hexdigest()
    kept_key, _, kept_nonce = (store.get_setting(NONCE_SETTING) or "").partition(" ")
    if kept_key == code_key and kept_nonce:
        return kept_nonce
    nonce = secrets.token_urlsafe(32)
    store.set_setting(NONCE_SETTING, f"{code_key} {nonce}")
    return nonce


def _normalise_code(code: str) -> str:
    """As central reads a code: case, dashes and spaces do not matter."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def bootstrap(store: Store, *, timeout: float = 60.0, client: httpx.Client | None = None) -> RoundReport:
    """The full first download (snapshot + catch-up), so the terminal can sell offline at once."""
    sync = SyncClient.from_settings(store, timeout=timeout, client=client)
    try:
        return sync.sync_round()
    finally:
        sync.transport.close()
