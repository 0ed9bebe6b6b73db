"""Ask central for a sale this till does not know (a receipt from another till of the store).

One short GET with the terminal's device credential, the same `Authorization: Device ...` and
protocol header the sync client sends (server and credential from enrolment settings). A cashier
is waiting at the counter, so the timeout is short and there is no retry: no answer means offline.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from terminal.store import Store
from terminal.sync_client.transport import Offline, ServerRejected, Unauthorized

LOOKUP_PATH = "/api/v1/sales/by-receipt/"
LOOKUP_TIMEOUT_S = 3.0
REFRESH_TIMEOUT_S = 1.0
"""For a receipt the till already holds (only other tills' returns are news): the cashier waits less."""


def fetch_receipt(store: Store, receipt_no: str, *, timeout: float = LOOKUP_TIMEOUT_S,
                  client: httpx.Client | None = None) -> dict[str, Any] | None:
    """Central's answer for `receipt_no` (sale, returned per line, past returns), or None when central
    knows no such receipt in this store. Raises `Offline` when central cannot be reached, `Unauthorized`
    for a revoked credential, `ServerRejected` for any other refusal."""
    server = store.get_setting("server_url")
    credential = store.get_setting("credential")
    if not server or not credential:
        raise Offline("terminal not enrolled")
    headers = {"Accept": "application/json", "Authorization": f"Device {credential}",
               PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    url = server.rstrip("/") + LOOKUP_PATH + quote(receipt_no, safe="")
    try:
        if client is not None:
            response = client.get(url, headers=headers, timeout=timeout)
        else:
            response = httpx.get(url, headers=headers, timeout=timeout)
        answer = response.json() if response.content else {}
    except (httpx.HTTPError, ValueError) as exc:
        raise Offline(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code == 404:
        return None
    if response.status_code == 401:
        raise Unauthorized(_message(answer))
    if response.status_code >= 500:
        raise Offline(f"HTTP {response.status_code}")
    if response.status_code >= 400 or not isinstance(answer, dict):
        raise ServerRejected(_message(answer) or f"HTTP {response.status_code}", status=response.status_code,
                             code=_error(answer).get("code"), detail_en=str(_error(answer).get("message_en", "")))
    return answer


def _error(answer: Any) -> dict[str, Any]:
    error = answer.get("error") if isinstance(answer, dict) else None
    return error if isinstance(error, dict) else {}


def _message(answer: Any) -> str:
    return str(_error(answer).get("message", ""))
