"""HTTP transport to central: JSON with gzip, a timeout on every call, retries with backoff and jitter.

Only this module talks to the network. It turns every failure into one of a few typed errors the
sync loop can act on: `Offline` (retry later), `UpgradeRequired` (keep selling, tell the user),
`Unauthorized` (credential revoked), `RebootstrapRequired`, `ServerRejected` (a 4xx bug).
"""

from __future__ import annotations

import gzip
import json
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, ErrorCode

GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 3
"""zlib level for request bodies: a 500-sale push (~1.2 MB of JSON) packs to ~130 KB at 3 in ~9 ms;
level 5 saves another 10% but costs three times the CPU, and the till's CPU is the cashier's."""


class SyncError(Exception):
    """Base of transport errors; `.message` is in plain Chinese, `.message_en` in English."""

    message: str = "同步失败"
    message_en: str = "sync failed"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.message_en)
        self.detail = detail


class Offline(SyncError):
    message = "无法连接总部服务器，稍后自动重试"
    message_en = "cannot reach the central server; will retry automatically"


class UpgradeRequired(SyncError):
    message = "收银软件版本过旧，请升级后再同步（可继续离线收银）"
    message_en = "this terminal's software is too old: upgrade it to sync (selling offline continues)"


class Unauthorized(SyncError):
    message = "终端凭证无效或已被吊销，请重新注册"
    message_en = "the terminal's credential is invalid or revoked; enrol it again"


class RebootstrapRequired(SyncError):
    message = "需要重新下载全部基础资料"
    message_en = "master data must be downloaded again"


class ServerRejected(SyncError):
    message = "服务器拒绝了同步请求"
    message_en = "the server refused the sync request"

    def __init__(self, detail: str = "", status: int = 400, code: str | None = None, *,
                 field: str | None = None, detail_en: str = "") -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.field = field
        self.detail_en = detail_en
        """The server's English message (`detail` is its Chinese one)."""


def encode(body: dict[str, Any]) -> bytes:
    """A request body as compact UTF-8 JSON (orjson: ~10x the standard library on a push batch).
    Values orjson does not know natively go through `str`, as they did with `json.dumps`; parts
    already serialised (`orjson.Fragment`, the push's envelopes as the outbox stores them) are
    spliced in as they are."""
    try:
        return orjson.dumps(body, default=str, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # e.g. an integer beyond 64 bits
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str).encode()


class Transport:
    """POSTs JSON to central with retries. `credential` is the device credential `<terminal_id>:<secret>`
    from enrolment, sent as `Authorization: Device <credential>`."""

    def __init__(
        self, base_url: str, credential: str | None = None, *, timeout: float = 10.0,
        retries: int = 3, backoff: float = 0.2, max_backoff: float = 5.0,
        sleep: Callable[[float], None] = time.sleep, client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credential = credential
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout))
        self.status_headers: Callable[[], dict[str, str]] | None = None
        """Headers describing this terminal (version, outbox backlog), read before each request."""

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def delay(self, attempt: int) -> float:
        """Full jitter: a random wait in [0, min(max, base·2^attempt)] so tills do not retry in step."""
        cap = min(self.max_backoff, self.backoff * (2 ** attempt))
        return random.uniform(0, cap)

    def post(self, path: str, body: dict[str, Any], *, retries: int | None = None) -> dict[str, Any]:
        """POST `body` as (gzipped) JSON and return the JSON answer; retries network errors and 5xx."""
        tries = (self.retries if retries is None else retries) + 1
        last: SyncError = Offline()
        for attempt in range(tries):
            if attempt:
                self._sleep(self.delay(attempt))
            try:
                return self._once(path, body)
            except (Offline, _Retryable) as exc:
                last = exc if isinstance(exc, Offline) else Offline(str(exc))
        raise last

    def _once(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        raw = encode(body)
        headers = {
            "Content-Type": "application/json", "Accept": "application/json",
            "Accept-Encoding": "gzip", PROTOCOL_HEADER: str(PROTOCOL_VERSION),
        }
        if len(raw) >= GZIP_MIN_BYTES:
            raw = gzip.compress(raw, compresslevel=GZIP_LEVEL)
            headers["Content-Encoding"] = "gzip"
        if self.credential:
            headers["Authorization"] = f"Device {self.credential}"
        if self.status_headers is not None:
            headers.update(self.status_headers())
        try:
            response = self._client.post(self.base_url + path, content=raw, headers=headers,
                                         timeout=self.timeout)
            content = response.content  # reads (and un-gzips) the whole body: a cut body raises here
        except httpx.HTTPError as exc:
            raise Offline(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}")
        try:
            answer = orjson.loads(content) if content else {}
        except ValueError as exc:
            raise _Retryable(f"unreadable answer ({len(content)} bytes)") from exc
        if response.status_code < 400:
            if not isinstance(answer, dict):
                raise _Retryable("answer is not a JSON object")
            return answer
        error = answer.get("error", {}) if isinstance(answer, dict) else {}
        code = error.get("code") if isinstance(error, dict) else None
        message = str(error.get("message", "")) if isinstance(error, dict) else ""
        message_en = str(error.get("message_en") or "") if isinstance(error, dict) else ""
        field = error.get("field") if isinstance(error, dict) else None
        if response.status_code == 426 or code == ErrorCode.UPGRADE_REQUIRED:
            raise UpgradeRequired(message)
        if response.status_code == 401:
            raise Unauthorized(message)
        if code == ErrorCode.REBOOTSTRAP_REQUIRED:
            raise RebootstrapRequired(message)
        raise ServerRejected(message or f"HTTP {response.status_code}", status=response.status_code,
                             code=code, field=field if isinstance(field, str) else None, detail_en=message_en)


class _Retryable(SyncError):
    """5xx or a garbled answer: worth another try."""
