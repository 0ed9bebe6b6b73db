"""`pos-central serve [--db URL] [--host 127.0.0.1] [--port 8000] [--workers N] [--ssl-certfile PEM
--ssl-keyfile PEM] [--access-log]`: run the API.

Refuses to start on a database whose schema is not the latest (run `pos-central migrate`).

Server stack, chosen for request rate (see central/README.md, "Hot path"): uvloop's event loop and
the httptools HTTP parser when installed (both are dependencies; the asyncio loop and h11 otherwise),
TCP_NODELAY on every connection, and no per-request access log unless `--access-log`.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from typing import Any

from central.api.server import HTTP_PROTOCOL, set_nodelay
from central.api.workers import Supervisor, check_port_free, reuseport_available
from central.db import get_engine
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.settings import redact_url, resolve_db_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    parser.add_argument("--ssl-certfile", default=None, metavar="PEM",
                        help="serve HTTPS with this certificate (chain) file; tills then use https:// (see README)")
    parser.add_argument("--ssl-keyfile", default=None, metavar="PEM", help="the certificate's private key")
    parser.add_argument("--access-log", action="store_true",
                        help="log every request (off by default: it costs a noticeable share of each request)")


def _nodelay_httptools() -> type[Any] | None:
    """uvicorn's httptools protocol with TCP_NODELAY (see central/api/server.py for why), if installed."""
    if importlib.util.find_spec("httptools") is None:
        return None
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport: Any) -> None:
            set_nodelay(transport)
            super().connection_made(transport)

    return NoDelayHttpToolsProtocol


NoDelayHttpToolsProtocol = _nodelay_httptools()


def server_options() -> dict[str, Any]:
    """uvicorn's `loop` and `http`: uvloop and httptools when installed, else asyncio and h11."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"
    http = (f"{__name__}:NoDelayHttpToolsProtocol" if NoDelayHttpToolsProtocol is not None
            else HTTP_PROTOCOL)
    return {"loop": loop, "http": http}


def run(args: argparse.Namespace) -> int:
    import uvicorn

    url = resolve_db_url(args.db)
    try:
        check_up_to_date(get_engine(url))
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except Exception as exc:  # cannot even reach the database: say which and why
        print(f"无法连接数据库 / cannot open the database {redact_url(url)}: {exc}", file=sys.stderr)
        return 2
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        print("--ssl-certfile 与 --ssl-keyfile 须同时给出 / give both --ssl-certfile and --ssl-keyfile",
              file=sys.stderr)
        return 2
    os.environ["POS_DATABASE_URL"] = url  # worker processes build their app from it
    config: dict[str, Any] = {"app": "central.app:app_from_env", "factory": True, "host": args.host,
                              "port": args.port, "log_level": args.log_level, "proxy_headers": False,
                              "access_log": args.access_log, **server_options()}
    scheme = "http"
    if args.ssl_certfile:  # uvicorn's own TLS; or keep http on 127.0.0.1 behind a reverse proxy (README)
        config.update(ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile)
        scheme = "https"
    workers = max(1, args.workers)
    if workers > 1 and reuseport_available():
        # a listening socket per worker, so connections spread over them (central/api/workers.py)
        try:
            check_port_free(args.host, args.port)
        except OSError as exc:
            print(f"无法监听 / cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
            return 2
        print(f"POS central: {scheme}://{args.host}:{args.port}/docs  (database {redact_url(url)})", flush=True)
        uvicorn.Config(**config)  # sets up uvicorn's logging in this supervising process too
        return Supervisor(workers, args.host, args.port, config).run()
    print(f"POS central: {scheme}://{args.host}:{args.port}/docs  (database {redact_url(url)})", flush=True)
    uvicorn.run(workers=workers, **config)
    return 0
