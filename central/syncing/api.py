"""`/api/v1/sync/...`: push, pull, bootstrap for terminals; quarantine for head office.

Thin: decode the (possibly gzipped) body, check the protocol version, call the service. Pull and
bootstrap answers are assembled from the feed's stored JSON text without re-encoding each row,
and gzipped when the terminal accepts it (a 200,000-product bootstrap is mostly this).
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from central.api.deps import IdPath, IdQuery, SessionDep
from central.api.gate import body_limit
from central.auth.deps import CurrentDevice, require
from central.auth.principal import Principal, UserPrincipal
from central.auth.roles import Permission
from central.db import utcnow
from central.settings import KiB, MiB
from central.syncing import contacts, feed, ingest, quarantine, snapshot
from sync.protocol import (
    CLIENT_VERSION_HEADER,
    MASTER_SCHEMA_VERSION,
    MIN_PROTOCOL_VERSION,
    PENDING_EVENTS_HEADER,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    BootstrapRequest,
    ErrorCode,
    PullRequest,
    PushRequest,
    PushResponse,
    QuarantineItem,
    QuarantineResolve,
)

router = APIRouter(prefix="/sync", tags=["sync 同步"])

M = TypeVar("M", bound=BaseModel)

_PUSH_BODY = {"content": {"application/json": {"schema": PushRequest.model_json_schema()}}, "required": True}
_PULL_BODY = {"content": {"application/json": {"schema": PullRequest.model_json_schema()}}, "required": True}
_BOOT_BODY = {"content": {"application/json": {"schema": BootstrapRequest.model_json_schema()}},
              "required": True}


def _error(status: int, code: str, message: str, message_en: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "message_en": message_en,
                                   "field": field}}, status_code=status)


class _Refused(Exception):
    def __init__(self, response: JSONResponse) -> None:
        self.response = response


async def _raw_body(request: Request) -> bytes:
    """The request body, as the request gate (central/api/gate.py) already read it: the caller was
    authenticated first, its size bounded and a gzipped body inflated with a bound on what it inflates
    to. Async, so the endpoints (plain `def`, their database work in the thread pool) never hold a
    transaction while waiting for a body."""
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


def _contact(request: Request, session: Any, device: Any, kind: contacts.Kind) -> None:
    """Sync health: this terminal reached central now (with the version and backlog it reports)."""
    contacts.record_contact(
        session, terminal_id=device.terminal_id, kind=kind, at=utcnow(),
        version=contacts.clean_version(request.headers.get(CLIENT_VERSION_HEADER)),
        pending=contacts.clean_pending(request.headers.get(PENDING_EVENTS_HEADER)),
        address=request.client.host if request.client else None)


def _read(request: Request, raw: bytes, model: type[M], loads: Any = json.loads) -> M:
    try:
        data = loads(raw)
    except ValueError as exc:
        raise _Refused(_error(400, "malformed_json", "请求内容不是有效的 JSON",
                              "the request body is not valid JSON")) from exc
    version = data.get("protocol_version") if isinstance(data, dict) else None
    header = request.headers.get(PROTOCOL_HEADER)
    for v in (version, header):
        if v is not None and str(v).isdigit() and int(v) < MIN_PROTOCOL_VERSION:
            raise _Refused(_error(
                426, ErrorCode.UPGRADE_REQUIRED,
                f"收银软件版本过旧（协议 {v}），请升级到协议 {PROTOCOL_VERSION}；升级前可继续离线收银",
                f"terminal software too old (protocol {v}); upgrade to protocol {PROTOCOL_VERSION}. "
                "Selling offline continues meanwhile.", "protocol_version"))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise _Refused(_error(422, "validation_error", f"{where or '请求'}: 无效", f"{where}: {first.get('msg')}",
                              where or None)) from exc


ANNOUNCE = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
"""Every sync answer says which protocol central speaks (a tablet pushes version-2 events only to a
central that answers 2 or more: an older one would refuse the whole batch)."""


def _json_bytes(request: Request, body: bytes) -> Response:
    headers = {"Cache-Control": "no-store", **ANNOUNCE}
    if "gzip" in request.headers.get("accept-encoding", "").lower() and len(body) > 1024:
        body = gzip.compress(body, compresslevel=3)
        headers["Content-Encoding"] = "gzip"
    return Response(content=body, media_type="application/json", headers=headers)


def _changes_json(rows: list[feed.FeedRow]) -> str:
    """Rows as a JSON array of `sync.master.Change`, splicing each row's stored JSON text in."""
    parts = []
    for r in rows:
        head = json.dumps({"seq": r.seq, "entity": r.entity, "id": r.entity_id, "op": r.op},
                          separators=(",", ":"), ensure_ascii=False)
        parts.append(f'{head[:-1]},"data":{r.data if r.data else "null"}}}')
    return "[" + ",".join(parts) + "]"


PUSH_BODY_LIMIT = 16 * MiB
"""Largest push batch, inflated (`POS_MAX_BODY_BYTES_PUSH`): 500 five-line sales are ~1.2 MB of JSON
(~130 KB gzipped), so this leaves room for sales of hundreds of lines; a till whose batch is refused
as too large (413) sends it again in halves (`terminal.sync_client.client`)."""

PUSH_CONCURRENCY = 1
"""Push batches one worker process applies at once; more wait here, before touching a row.

A batch is CPU work (validation, rows) ending with row locks on its store's on-hand rows held to
the commit. With a hundred tills pushing at once, letting every batch run would share the CPU so
thinly that the batch holding a store's locks crawls and every other till of that store queues
behind it. One at a time per worker: the work is Python under one GIL, so a second batch in the
same process only takes turns with the first (bench sync_push, 2 workers: server CPU 174-181 µs
a sale at 3, 149-159 at 1; 100 tills 5,235 → 5,756 sales/s), while the other workers and the
database use the other cores when this one waits for the database: run a worker per core. The
slot is taken before the request's database session opens (a waiting push holds no pooled
connection: a hundred of them would otherwise drain the pool and time out) and given back after
the commit."""
_PUSH_SLOTS = asyncio.Semaphore(PUSH_CONCURRENCY)

RECONNECT = {"Connection": "close"}
"""Sent with a push answer when the push had to wait for this worker: the till's next push opens a
new connection, which the kernel may place on another worker. With a listening socket per worker
(central/api/workers.py) connections are placed by a hash of their addresses, so tills that kept
their connections stayed where they first landed: ten tills pushing back to back split 7:3 often
enough that one run in four gave 5,349 instead of ~6,400 sales/s (bench sync_push). A till alone
on its worker keeps its connection; the others pay a TCP handshake a batch of up to 500 events."""


async def _push_slot() -> AsyncIterator[bool]:
    """Hold a push slot for the request; yields whether the push had to wait for it (load)."""
    # async: a push waiting for a slot holds no thread of the pool the sync endpoints run in
    # (a thread-blocking wait could take every thread and starve the pushes holding the slots)
    waited = _PUSH_SLOTS.locked()
    async with _PUSH_SLOTS:
        yield waited


PushSlot = Annotated[bool, Depends(_push_slot, scope="function")]


@router.post("/push", response_model=PushResponse, summary="push outbox events (exactly once)",
             openapi_extra={"requestBody": _PUSH_BODY, **body_limit("push", PUSH_BODY_LIMIT)})
def push(request: Request, device: CurrentDevice, raw: RawBody, waited: PushSlot, session: SessionDep) -> Any:
    try:
        body = _read(request, raw, PushRequest, loads=orjson.loads)  # ~2.5x json.loads on a 1 MB batch
    except _Refused as refused:
        return refused.response
    device.require(Permission.SYNC)
    if body.terminal_id != device.terminal_id:
        return _error(403, "forbidden_terminal", "不能替其他终端上传数据", "a terminal may only push its own events",
                      "terminal_id")
    answer = ingest.push(session, device, body)
    _contact(request, session, device, "push")
    return Response(content=orjson.dumps(answer.model_dump(mode="json")), media_type="application/json",
                    headers={**ANNOUNCE, **RECONNECT} if waited else ANNOUNCE)


def _check_cursor(session: Any, cursor: int, schema_version: int) -> JSONResponse | None:
    if schema_version != MASTER_SCHEMA_VERSION:
        return _error(409, ErrorCode.REBOOTSTRAP_REQUIRED, "基础资料格式已变更，需要重新下载",
                      "master data schema changed; re-bootstrap", "schema_version")
    horizon = feed.counter(session, "horizon")
    if cursor < horizon:
        return _error(409, ErrorCode.REBOOTSTRAP_REQUIRED, "同步位置太旧，需要重新下载基础资料",
                      "cursor too old; re-bootstrap", "cursor")
    if cursor > feed.counter(session, "feed"):
        return _error(409, ErrorCode.REBOOTSTRAP_REQUIRED, "同步位置不在总部记录之内，需要重新下载基础资料",
                      "cursor is ahead of central's feed (restored database?); re-bootstrap", "cursor")
    return None


@router.post("/pull", summary="master-data changes after a cursor",
             openapi_extra={"requestBody": _PULL_BODY, **body_limit("pull", 16 * KiB)})
def pull(request: Request, device: CurrentDevice, raw: RawBody, session: SessionDep) -> Response:
    try:
        body = _read(request, raw, PullRequest)
    except _Refused as refused:
        return refused.response
    device.require(Permission.SYNC)
    _contact(request, session, device, "pull")
    refused_cursor = _check_cursor(session, body.cursor, body.schema_version)
    if refused_cursor is not None:
        return refused_cursor
    # read the counter first: every seq up to it is committed, so "nothing more up to top" is true
    top = feed.counter(session, "feed")
    rows = feed.changes_after(session, body.cursor, store_id=device.store_id, rep_id=device.rep_id,
                              limit=body.limit + 1, upto=top)
    has_more = len(rows) > body.limit
    rows = rows[: body.limit]
    cursor = rows[-1].seq if has_more else max(top, body.cursor)
    text = (f'{{"changes":{_changes_json(rows)},"cursor":{cursor},'
            f'"has_more":{"true" if has_more else "false"},"server_time":"{utcnow().isoformat()}"}}')
    return _json_bytes(request, text.encode())


@router.post("/bootstrap", summary="one page of the snapshot",
             openapi_extra={"requestBody": _BOOT_BODY, **body_limit("bootstrap", 16 * KiB)})
def bootstrap(request: Request, device: CurrentDevice, raw: RawBody, session: SessionDep) -> Response:
    try:
        body = _read(request, raw, BootstrapRequest)
    except _Refused as refused:
        return refused.response
    device.require(Permission.SYNC)
    _contact(request, session, device, "bootstrap")
    if body.schema_version != MASTER_SCHEMA_VERSION:
        return _error(409, ErrorCode.REBOOTSTRAP_REQUIRED, "基础资料格式不一致", "master schema mismatch",
                      "schema_version")
    snapshot_cursor = body.snapshot_cursor if body.snapshot_cursor is not None else feed.counter(session, "feed")
    content, headers = snapshot.compress(
        snapshot.page(session, store_id=device.store_id, rep_id=device.rep_id, after=body.after,
                      limit=body.limit, snapshot=snapshot_cursor),
        request.headers.get("accept-encoding", ""))
    return Response(content=content, media_type="application/json", headers={**headers, **ANNOUNCE})


@router.get("/quarantine", response_model=list[QuarantineItem], summary="events central refused")
def list_quarantine(
    session: SessionDep, who: Annotated[Principal, require(Permission.SALES_READ, devices=False)],
    store_id: IdQuery = None, terminal_id: IdQuery = None, include_resolved: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0)] = 0,
) -> list[QuarantineItem]:
    if who.store_id is not None:
        who.check_store(store_id if store_id is not None else who.store_id)
        store_id = who.store_id
    return quarantine.list_items(session, store_id=store_id, terminal_id=terminal_id,
                                 open_only=not include_resolved, limit=limit, offset=offset)


@router.get("/my-quarantine", response_model=list[QuarantineItem], summary="this terminal's refused events")
def my_quarantine(session: SessionDep, device: CurrentDevice) -> list[QuarantineItem]:
    return quarantine.list_items(session, terminal_id=device.terminal_id, open_only=True, limit=500)


@router.post("/quarantine/{item_id}/resolve", summary="retry or dismiss a quarantined event")
def resolve_quarantine(
    item_id: IdPath, body: QuarantineResolve, session: SessionDep,
    who: Annotated[Principal, require(Permission.ORG_WRITE, devices=False)],
) -> dict[str, Any]:
    user_id = who.user_id if isinstance(who, UserPrincipal) else None
    return quarantine.resolve(session, item_id, action=body.action, note=body.note, user_id=user_id)
