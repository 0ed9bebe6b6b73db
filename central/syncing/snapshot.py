"""Bootstrap snapshot pages: the live feed rows of a terminal's scope up to a snapshot cursor.

A page is built by one Core query (no ORM rows, no per-row dataclass) and written straight to UTF-8
bytes, each row's stored JSON text spliced in as-is; gzip at level 1 (the catalog's JSON compresses
about as well as at level 3 and twice as fast). The wire form is the protocol's `BootstrapResponse`.

Why any page computed after the snapshot cursor S is right, however late: a row that changes after
S gets a new feed seq above S, so it leaves the range (after, S] and reaches the terminal through
the catch-up pull from S; a row unchanged since S is in exactly one page of the range.
"""

from __future__ import annotations

import gzip
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.db import utcnow
from central.syncing import feed
from central.syncing.models import SyncFeed

GZIP_LEVEL = 1


def _json_str(value: str, cache: dict[str, str]) -> str:
    text = cache.get(value)
    if text is None:
        text = orjson.dumps(value).decode()
        if len(cache) < 64:
            cache[value] = text
    return text


WINDOW = 4
"""A page reads feed positions (after, after + WINDOW × limit] at most: whatever plan PostgreSQL picks
(on a freshly bulk-loaded feed without statistics it sorted every row of the snapshot for each page,
a third of a second apiece), a page costs at most that many rows."""


def page(session: Session, *, store_id: int | None, rep_id: int | None, after: int, limit: int,
         snapshot: int) -> bytes:
    """One `BootstrapResponse` as JSON bytes: up to `limit` live rows of the scope with
    after < seq ≤ snapshot, in seq order. `after` in the answer is where the next page starts (the
    last row sent, or the end of the window read when it held fewer rows than `limit`)."""
    upto = min(snapshot, after + WINDOW * limit)
    rows = session.connection().execute(
        select(SyncFeed.seq, SyncFeed.entity, SyncFeed.entity_id, SyncFeed.data)
        .where(SyncFeed.seq > after, SyncFeed.seq <= upto, SyncFeed.op == "upsert",
               feed.scope_filter(store_id, rep_id))
        .order_by(SyncFeed.seq).limit(limit)
    ).all()
    entities: dict[str, str] = {}
    parts: list[str] = []
    for seq, entity, entity_id, data in rows:
        ident = f'"{entity_id}"' if entity_id.isdigit() else orjson.dumps(entity_id).decode()
        parts.append(f'{{"seq":{int(seq)},"entity":{_json_str(entity, entities)},"id":{ident},'
                     f'"op":"upsert","data":{data if data else "null"}}}')
    if len(rows) == limit:
        last, done = int(rows[-1][0]), False
    else:
        last, done = max(upto, after), upto >= snapshot
    text = (f'{{"changes":[{",".join(parts)}],"snapshot_cursor":{int(snapshot)},"after":{last},'
            f'"done":{"true" if done else "false"},"server_time":"{utcnow().isoformat()}"}}')
    return text.encode()


def compress(body: bytes, accept_encoding: str) -> tuple[bytes, dict[str, Any]]:
    """The body gzipped when the terminal accepts it, with the response headers to send."""
    headers: dict[str, Any] = {"Cache-Control": "no-store"}
    if "gzip" in accept_encoding.lower() and len(body) > 1024:
        body = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return body, headers
