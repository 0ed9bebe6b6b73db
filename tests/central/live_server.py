"""A central app served by a real uvicorn server, in a thread of the test process, on a free port.

Used where the HTTP connection itself matters (keep-alive after an error, a flood of logins):
the same protocol class and options as `pos-central serve` (httptools with TCP_NODELAY when
installed), so what the test sees is what a till sees.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

from central.commands.serve import server_options


@contextmanager
def live_server(app: FastAPI, **config: Any) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 at a free port; yields the base URL; stops the server at the end."""
    options = server_options()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           http=options["http"], loop="asyncio", **config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        assert time.monotonic() < deadline, "the server did not start in 30 s"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
