"""Remember the client address of the request being served, for the audit trail.

A pure ASGI middleware sets `central.audit.service.current_client_address` for the duration of a
request, so `record(...)` fills `client_address` without every endpoint passing the request down.
Behind a reverse proxy, run `pos-central serve` with uvicorn's `--proxy-headers` /
`--forwarded-allow-ips` so the address is the client's, not the proxy's.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from central.audit.service import current_client_address


def client_address_of(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


class AuditContext:
    """Pure ASGI middleware: one context-variable set per request, nothing else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = current_client_address.set(client_address_of(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            current_client_address.reset(token)
