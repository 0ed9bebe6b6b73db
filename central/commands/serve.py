"""`pos-central serve [--db URL] [--host 127.0.0.1] [--port 8000] [--workers N]`: run the API.

Refuses to start on a database whose schema is not the latest (run `pos-central migrate`).
"""

from __future__ import annotations

import argparse
import os
import sys

from central.api.server import HTTP_PROTOCOL
from central.db import get_engine
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.settings import redact_url, resolve_db_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])


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
    os.environ["POS_DATABASE_URL"] = url  # worker processes build their app from it
    print(f"POS central: http://{args.host}:{args.port}/docs  (database {redact_url(url)})", flush=True)
    uvicorn.run("central.app:app_from_env", factory=True, host=args.host, port=args.port,
                workers=max(1, args.workers), log_level=args.log_level, proxy_headers=False,
                http=HTTP_PROTOCOL)
    return 0
