"""The request gate: a request costs central nothing much before it is trusted.

Before an endpoint sees a request that carries a body, this pure ASGI middleware
1. authenticates the caller from the Authorization header when the operation is not public (the
   body is not read at all for a missing or wrong credential: 401);
2. reads the body with a hard limit on what arrives (Content-Length first, then the bytes as they
   come) and, for `Content-Encoding: gzip`, on what it inflates to, decompressing as it goes so a
   gzip bomb stops at the limit (413, with the usual error body);
3. refuses JSON nested deeper than `MAX_JSON_DEPTH` (400) — Python's parsers and everything that
   walks parsed data recursively would otherwise fail with a RecursionError (a 500);
then hands the endpoint the plain body (Content-Encoding removed, Content-Length set).

Why a middleware: FastAPI reads and parses a JSON body *before* it runs an endpoint's dependencies,
authentication included, so an anonymous client could make every endpoint parse megabytes.

Which operations are public, and each operation's limit, are read from the app's own OpenAPI
schema: an operation without a `security` requirement is public (login, enrolment, health), and
`x-max-body-bytes` (put there by `body_limit(...)` in a route's `openapi_extra`) overrides the
default limit `central.settings.max_body_bytes()`. Routes outside the schema (the console's pages,
which authenticate a cookie themselves) are only bounded: by the default, or by `limit_path(...)`.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central.errors import TooManyRequests, Unauthorized
from central.settings import MAX_JSON_DEPTH, MiB, max_body_bytes

LIMIT_KEY = "x-max-body-bytes"
GATE_PRINCIPAL = "gate_principal"
"""`request.state` attribute holding (Authorization header, principal) the gate authenticated."""


def body_limit(name: str, default: int) -> dict[str, Any]:
    """`openapi_extra` for a route whose bodies may be larger (uploads, imports, push batches) or must
    be smaller (login) than the default: `@router.post(..., openapi_extra=body_limit("push", 16 * MiB))`.

    `POS_MAX_BODY_BYTES_<NAME>` (e.g. `POS_MAX_BODY_BYTES_PUSH=32M`) overrides `default`; the limit is
    documented in the OpenAPI schema as `x-max-body-bytes`."""
    return {LIMIT_KEY: max_body_bytes(name, default)}


PATH_LIMITS: dict[str, int] = {}
"""Body limits of routes outside the OpenAPI schema (console pages), by path prefix: a console page
that takes uploads registers its prefix with `limit_path(...)` when its module is imported."""


def limit_path(prefix: str, name: str, default: int) -> None:
    """Give the routes under `prefix` (not in the OpenAPI schema) a body limit of their own
    (`POS_MAX_BODY_BYTES_<NAME>` overrides `default`)."""
    PATH_LIMITS[prefix] = max_body_bytes(name, default)


def _size_text(n: int) -> str:
    return f"{n / MiB:g} MB" if n >= MiB else f"{n / 1024:g} KB"


# ------------------------------------------------------------------ refusals


@dataclass(frozen=True)
class Refusal(Exception):
    status: int
    code: str
    message: str
    message_en: str
    retry_after: int | None = None

    async def send(self, send: Send, *, close: bool) -> None:
        payload = json.dumps({"error": {"code": self.code, "message": self.message, "message_en": self.message_en,
                                        "field": None}}, ensure_ascii=False).encode("utf-8")
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        if self.status == 401:
            headers.append((b"www-authenticate", b"Bearer"))
        if self.retry_after is not None:
            headers.append((b"retry-after", str(self.retry_after).encode()))
        if close:  # the rest of the body is not wanted: do not read it to keep the connection
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def too_large(limit: int) -> Refusal:
    return Refusal(413, "body_too_large", f"请求内容太大（上限 {_size_text(limit)}）",
                   f"the request body is too large (limit {_size_text(limit)})")


BAD_GZIP = Refusal(400, "bad_gzip", "请求压缩数据损坏", "the gzipped request body is corrupt")
TOO_DEEP = Refusal(400, "json_too_deep", f"请求 JSON 嵌套太深（最多 {MAX_JSON_DEPTH} 层）",
                   f"the JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels)")
BAD_ENCODING = Refusal(415, "unsupported_encoding", "不支持的请求压缩方式（只支持 gzip）",
                       "unsupported Content-Encoding (only gzip is accepted)")


# ------------------------------------------------------------------ the body


async def read_body(receive: Receive, *, limit: int, gzipped: bool) -> bytes:
    """The whole body, inflated when gzipped; Refusal when either side passes `limit` or gzip is broken."""
    parts: list[bytes] = []
    wire = size = 0
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            raise Refusal(400, "incomplete_body", "请求内容不完整", "the request body was cut short")
        chunk: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        wire += len(chunk)
        if wire > limit:
            raise too_large(limit)
        if inflater is None:
            parts.append(chunk)
            continue
        while chunk:
            try:
                out = inflater.decompress(chunk, limit + 1 - size)
            except zlib.error as exc:
                raise BAD_GZIP from exc
            size += len(out)
            if size > limit:
                raise too_large(limit)
            parts.append(out)
            if inflater.unconsumed_tail:  # capped at the limit with input left: it inflates beyond it
                raise too_large(limit)
            chunk = inflater.unused_data  # a second gzip member (concatenated streams) starts here
            if inflater.eof:
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if chunk else inflater
            else:
                chunk = b""
    if inflater is not None and not inflater.eof and wire:
        raise BAD_GZIP
    return b"".join(parts)


_KEEP_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_BRACKETS = bytes.maketrans(b"[{]}", b"(())")


def json_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether well-formed JSON `raw` nests arrays and objects deeper than `limit`.

    Done on the bytes, in C-speed passes (~3 ms for a 1.2 MB push batch): escaped backslashes and
    quotes are dropped, then everything but quotes and brackets; empty strings (most of them, once
    their text is gone) are dropped, and what remains between quotes — brackets inside strings —
    goes too. Each pass then removes the innermost `()` pairs: nesting deeper than `limit` survives
    `limit` passes. (Malformed JSON may be judged either way; its parser refuses it next.)"""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    structure = raw.translate(None, _KEEP_STRUCTURE).replace(b'""', b"")
    if b'"' in structure:
        structure = b"".join(structure.split(b'"')[::2])
    structure = structure.translate(_BRACKETS)
    for _ in range(limit):
        if not structure:
            return False
        structure = structure.replace(b"()", b"")
    return bool(structure)


# ------------------------------------------------------------------ operations


@dataclass(frozen=True)
class Operation:
    public: bool
    limit: int


def _path_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


class Operations:
    """Every operation's gate settings, from the app's OpenAPI schema (read once, at first use)."""

    def __init__(self, app: FastAPI, default_limit: int) -> None:
        self.default_limit = default_limit
        self.exact: dict[tuple[str, str], Operation] = {}
        self.templated: list[tuple[str, re.Pattern[str], Operation]] = []
        for path, item in app.openapi().get("paths", {}).items():
            for method, op in item.items():
                if not isinstance(op, dict):
                    continue
                gate = Operation(public=not op.get("security"), limit=int(op.get(LIMIT_KEY, default_limit)))
                if "{" in path:
                    self.templated.append((method.upper(), _path_regex(path), gate))
                else:
                    self.exact[(method.upper(), path)] = gate

    def find(self, method: str, path: str) -> Operation:
        found = self.exact.get((method, path))
        if found is not None:
            return found
        for m, regex, gate in self.templated:
            if m == method and regex.match(path):
                return gate
        # not an API operation (a console page authenticates its own cookie, an unknown path reads no
        # body): only bounded here
        limit = next((n for prefix, n in PATH_LIMITS.items() if path.startswith(prefix)), self.default_limit)
        return Operation(public=True, limit=limit)


# ------------------------------------------------------------------ the middleware


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestGate:
    """Pure ASGI middleware; requests without a body pass straight through."""

    def __init__(self, app: ASGIApp, fastapi_app: FastAPI) -> None:
        self.app = app
        self.fastapi_app = fastapi_app
        self._operations: Operations | None = None

    @property
    def operations(self) -> Operations:
        if self._operations is None:
            self._operations = Operations(self.fastapi_app, max_body_bytes())
        return self._operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if (length is None or length.strip() == "0") and _header(scope, b"transfer-encoding") is None:
            await self.app(scope, receive, send)  # no body
            return
        try:
            scope, operation = await self._admit(scope, length)
            body = await read_body(receive, limit=operation.limit,
                                   gzipped=_header(scope, b"content-encoding") is not None)
            content_type = (_header(scope, b"content-type") or "application/json").lower()
            if "json" in content_type and json_depth_exceeds(body):
                raise TOO_DEEP
        except Refusal as refusal:
            await refusal.send(send, close=True)
            return
        await self.app(_plain_scope(scope, len(body)), _replay(body, receive), send)

    async def _admit(self, scope: Scope, length: str | None) -> tuple[Scope, Operation]:
        """Check what can be checked before reading a byte: encoding, declared size, credentials."""
        encoding = (_header(scope, b"content-encoding") or "identity").strip().lower()
        if encoding not in ("gzip", "identity"):
            raise BAD_ENCODING
        if encoding == "identity":
            scope = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k != b"content-encoding"])
        operation = self.operations.find(scope["method"], scope["path"])
        if length is not None and (not length.strip().isdigit() or int(length) > operation.limit):
            raise too_large(operation.limit)
        if not operation.public:
            from central.auth.deps import authenticate_request

            request = Request(scope)
            header = _header(scope, b"authorization")
            try:
                principal = await authenticate_request(request, header)
            except Unauthorized as exc:
                raise Refusal(401, exc.code, exc.message, exc.message_en) from exc
            except TooManyRequests as exc:  # a client guessing device credentials (central/auth/guesses.py)
                raise Refusal(429, exc.code, exc.message, exc.message_en, exc.retry_after) from exc
            setattr(request.state, GATE_PRINCIPAL, (header, principal))  # scope["state"]: the endpoint's too
        return scope, operation


def _plain_scope(scope: Scope, length: int) -> Scope:
    headers = [(k, v) for k, v in scope["headers"]
               if k not in (b"content-encoding", b"content-length", b"transfer-encoding")]
    headers.append((b"content-length", str(length).encode()))
    return dict(scope, headers=headers)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands over the body already read, then listens to the client as before."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
