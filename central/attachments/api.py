"""`/api/v1/attachments/{sha256}`: devices upload the files their events named; head office reads them.

- `GET …/status` (the uploading device): `{"sha256", "size", "received_bytes", "complete"}` — resume
  from `received_bytes`.
- `PUT …?offset=N` (the device, body = the next bytes, at most 1 MiB): the new status; 409
  `offset_mismatch` names where to resume, 413 `too_large` past the declared size or the chunk cap,
  422 `hash_mismatch` when the whole file is not the file its name says (the upload starts over),
  403 `attachment_not_referenced` / `wrong_device` for a file this device's events did not name.
- `GET …` (console users who may read customers; a rep only their customers' files): the bytes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import select

from central.api.deps import SessionDep
from central.api.gate import body_limit
from central.attachments import service
from central.attachments.models import AttachmentRef
from central.auth.deps import CurrentDevice, require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.customers.service import scope_customers, visible_customer_ids
from central.errors import NotFound

router = APIRouter(prefix="/attachments", tags=["attachments 附件"])

Sha = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="sha256 of the file, lower-case hex")]


class StatusOut(BaseModel):
    sha256: str
    size: int
    received_bytes: int
    complete: bool


async def _chunk(request: Request) -> bytes:
    """The request body, refused as soon as it passes the chunk cap (never held whole beyond it)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > service.CHUNK_MAX_BYTES:
        raise service.TooLarge(f"每次最多上传 {service.CHUNK_MAX_BYTES} 字节", f"a chunk holds at most "
                               f"{service.CHUNK_MAX_BYTES} bytes", code="chunk_too_large", field="body")
    parts, size = [], 0
    async for part in request.stream():
        size += len(part)
        if size > service.CHUNK_MAX_BYTES:
            raise service.TooLarge(f"每次最多上传 {service.CHUNK_MAX_BYTES} 字节", f"a chunk holds at most "
                                   f"{service.CHUNK_MAX_BYTES} bytes", code="chunk_too_large", field="body")
        parts.append(part)
    return b"".join(parts)


Chunk = Annotated[bytes, Depends(_chunk)]


def _out(p: service.Progress) -> StatusOut:
    return StatusOut(sha256=p.sha256, size=p.size, received_bytes=p.received_bytes, complete=p.complete)


@router.get("/{sha256}/status", response_model=StatusOut, summary="上传进度 / where this device's upload stands")
def upload_status(sha256: Sha, session: SessionDep, device: CurrentDevice) -> object:
    device.require(P.SYNC)
    return _out(service.status_for_device(session, sha256, device.terminal_id))


@router.put("/{sha256}", response_model=StatusOut, summary="上传附件（可续传）/ upload the next chunk",
            openapi_extra={**body_limit("attachment", service.CHUNK_MAX_BYTES), "requestBody": {
                "required": True, "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
def upload(sha256: Sha, chunk: Chunk, session: SessionDep, device: CurrentDevice,
           offset: Annotated[int, Query(ge=0, le=2**40)] = 0) -> object:
    device.require(P.SYNC)
    try:
        return _out(service.upload_chunk(session, sha256=sha256, terminal_id=device.terminal_id, offset=offset,
                                         data=chunk))
    except service.HashMismatch as err:  # the reset must be committed: answer instead of raising
        return JSONResponse({"error": err.to_dict()}, status_code=422)


@router.get("/{sha256}", summary="附件内容 / the file (head office; a rep only their customers')",
            response_class=Response)
def download(sha256: Sha, session: SessionDep,
             who: Annotated[Principal, require(P.CUSTOMERS_READ, devices=False)]) -> Response:
    if visible_customer_ids(who) is not None:  # a rep, a store manager: their customers' only
        mine = session.scalar(scope_customers(select(AttachmentRef.sha256).where(
            AttachmentRef.sha256 == sha256), who, AttachmentRef.customer_id).limit(1))
        if mine is None:
            raise NotFound("附件不存在", "no such attachment", code="attachment_not_found", field="sha256")
    data, content_type = service.read(session, sha256)
    return Response(content=data, media_type=content_type,
                    headers={"Cache-Control": "private, max-age=86400", "ETag": f'"{sha256}"'})
