"""Refuse repeated query parameters (`?level=a&level=b`) unless the parameter is a list.

FastAPI silently keeps the last value of a repeated scalar parameter; a filter that silently
drops half of what was asked is wrong, so such requests get a 422 naming the parameter.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send


def _is_array(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "array":
        return True
    return any(_is_array(s) for s in schema.get("anyOf", []) + schema.get("oneOf", []))


def repeatable_query_params(app: FastAPI) -> frozenset[str]:
    """Names of query parameters declared as lists on any operation (read from the OpenAPI schema,
    which covers the routes of every included router)."""
    names: set[str] = set()
    for item in app.openapi().get("paths", {}).values():
        for operation in item.values():
            for param in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if param.get("in") == "query" and _is_array(param.get("schema", {})):
                    names.add(param["name"])
    return frozenset(names)


class RejectRepeatedQuery:
    """Pure ASGI middleware (no per-request overhead beyond parsing the query string)."""

    def __init__(self, app: ASGIApp, fastapi_app: FastAPI) -> None:
        self.app = app
        self.fastapi_app = fastapi_app
        self._allowed: frozenset[str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            repeated = self._repeated(scope["query_string"])
            if repeated is not None:
                await self._refuse(send, repeated)
                return
        await self.app(scope, receive, send)

    def _repeated(self, raw: bytes) -> str | None:
        seen: set[str] = set()
        for key, _value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
            if key in seen:
                if self._allowed is None:
                    self._allowed = repeatable_query_params(self.fastapi_app)
                if key not in self._allowed:
                    return key
            seen.add(key)
        return None

    @staticmethod
    async def _refuse(send: Send, key: str) -> None:
        body: dict[str, Any] = {"error": {"code": "validation_error", "message": f"{key}: 参数重复",
                                          "message_en": f"{key}: query parameter given more than once",
                                          "field": key}}
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": 422,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})
