"""`pos-central serve`'s server stack: uvloop + httptools when installed, TCP_NODELAY on every connection."""

from __future__ import annotations

import asyncio
import importlib.util
import socket

import pytest

from central.commands import serve


def test_serve_picks_uvloop_and_httptools_when_installed() -> None:
    options = serve.server_options()
    if importlib.util.find_spec("uvloop") is not None:
        assert options["loop"] == "uvloop"
    else:
        assert options["loop"] == "asyncio"
    if importlib.util.find_spec("httptools") is not None:
        assert options["http"] == "central.commands.serve:NoDelayHttpToolsProtocol"
    else:
        assert options["http"] == "central.api.server:NoDelayH11Protocol"


@pytest.mark.skipif(serve.NoDelayHttpToolsProtocol is None, reason="httptools is not installed")
def test_httptools_connections_have_tcp_nodelay() -> None:
    # as for h11 (tests/central/test_commands.py): with --workers > 1 uvicorn binds the socket with
    # proto 0, asyncio then leaves Nagle on, and each response would wait for a delayed ACK
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    protocol_class = serve.NoDelayHttpToolsProtocol
    assert protocol_class is not None
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
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

        config = Config(app=lambda *a: None, http="httptools")
        config.load()
        loop = asyncio.new_event_loop()
        try:
            protocol = protocol_class(config=config, server_state=ServerState(), app_state={}, _loop=loop)
            protocol.connection_made(Transport())
        finally:
            loop.close()
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        for s in (client, accepted, listener):
            s.close()
