"""uvicorn's HTTP protocol with TCP_NODELAY on every accepted connection.

With `--workers` > 1 uvicorn binds the listening socket itself and asyncio leaves Nagle's
algorithm on for accepted connections: each small response then waits for the client's delayed
ACK (~40 ms on Linux), which caps a keep-alive client at ~25 requests/s. Measured with
`python -m bench central`: p50 48 ms without, 3 ms with.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


def set_nodelay(transport: Any) -> None:
    """TCP_NODELAY on an accepted connection's socket (every uvicorn protocol calls this first)."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: Any) -> None:
        set_nodelay(transport)
        super().connection_made(transport)


HTTP_PROTOCOL = "central.api.server:NoDelayH11Protocol"
"""What `pos-central serve` passes to uvicorn as `http=`."""
