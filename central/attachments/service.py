"""Uploading attachments by content: resumable, idempotent, size-capped, only by the device whose event
named the file.

The tablet pushes its event first (a visit naming its photos by sha256, size and type); the file
follows in chunks, `PUT /attachments/{sha256}?offset=N`, each chunk committed with the new offset.
A lost answer or a dropped connection is resumed from `GET /attachments/{sha256}/status`; a chunk at
the wrong offset is refused with the right one (409); the last chunk completes the file only if its
bytes hash to its name (else the upload starts over). Sending a complete file again changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from central.attachments.models import Attachment, AttachmentChunk, AttachmentRef
from central.db import utcnow
from central.errors import Conflict, DomainError, Forbidden, Invalid, NotFound

CHUNK_MAX_BYTES = 1024 * 1024
"""Largest chunk one request may carry (a slow link sends a 4 MB photo in four resumable steps)."""


class TooLarge(DomainError):
    status = 413
    default_code = "too_large"


class OffsetMismatch(Conflict):
    default_code = "offset_mismatch"


@dataclass(frozen=True)
class Progress:
    sha256: str
    size: int
    received_bytes: int
    complete: bool
    content_type: str


def progress(att: Attachment) -> Progress:
    return Progress(att.sha256, att.size, att.received_bytes, att.complete, att.content_type)


def _ref_of_device(session: Session, sha256: str, terminal_id: int) -> AttachmentRef:
    ref = session.scalars(select(AttachmentRef).where(AttachmentRef.sha256 == sha256,
                                                      AttachmentRef.terminal_id == terminal_id)).first()
    if ref is None:
        raise Forbidden("本终端的事件没有引用这个附件（请先上传事件）",
                        "no event of this terminal names this attachment (push the event first)",
                        code="attachment_not_referenced", field="sha256")
    return ref


def status_for_device(session: Session, sha256: str, terminal_id: int) -> Progress:
    """Where this device's upload of the file stands (0 bytes when it has not started)."""
    ref = _ref_of_device(session, sha256, terminal_id)
    att = session.get(Attachment, sha256)
    if att is None:
        return Progress(sha256, ref.size, 0, False, ref.content_type)
    return progress(att)


def upload_chunk(session: Session, *, sha256: str, terminal_id: int, offset: int, data: bytes) -> Progress:
    """Append `data` at `offset` of the file; completes it when the last byte arrives and the bytes
    hash to `sha256`. Raises `HashMismatch` (after resetting the upload, which the caller commits)."""
    ref = _ref_of_device(session, sha256, terminal_id)
    att = session.get(Attachment, sha256, with_for_update=True)
    if att is None:
        att = Attachment(sha256=sha256, size=ref.size, content_type=ref.content_type, received_bytes=0,
                         complete=False, terminal_id=terminal_id, created_at=utcnow())
        session.add(att)
        session.flush()
    if att.complete:
        return progress(att)  # content-addressed: the same bytes again change nothing
    if att.terminal_id != terminal_id:
        raise Forbidden("另一台终端正在上传这个附件", "another terminal is uploading this attachment",
                        code="wrong_device", field="sha256")
    if offset != att.received_bytes:
        raise OffsetMismatch(f"应从第 {att.received_bytes} 字节继续上传", f"resume at byte {att.received_bytes}",
                             field="offset")
    if not data:
        raise Invalid("上传内容为空", "the chunk is empty", code="empty_chunk", field="body")
    if offset + len(data) > att.size:
        raise TooLarge(f"附件超过声明的大小 {att.size} 字节", f"more bytes than the declared size {att.size}",
                       field="body")
    session.add(AttachmentChunk(sha256=sha256, offset=offset, data=data))
    att.received_bytes = offset + len(data)
    if att.received_bytes == att.size:
        digest = hashlib.sha256()
        for (chunk,) in session.execute(select(AttachmentChunk.data).where(AttachmentChunk.sha256 == sha256)
                                        .order_by(AttachmentChunk.offset)):
            digest.update(chunk)
        if digest.hexdigest() != sha256:
            session.execute(delete(AttachmentChunk).where(AttachmentChunk.sha256 == sha256))
            att.received_bytes = 0
            session.flush()
            raise HashMismatch("附件内容与校验值不符，请重新上传", "the bytes do not hash to the name; upload again",
                               field="body")
        att.complete, att.completed_at = True, utcnow()
    session.flush()
    return progress(att)


class HashMismatch(Invalid):
    """The whole file arrived but is not the file its name says; the upload was reset (commit it)."""

    default_code = "hash_mismatch"


def read(session: Session, sha256: str) -> tuple[bytes, str]:
    """The complete file's bytes and type."""
    att = session.get(Attachment, sha256)
    if att is None or not att.complete:
        raise NotFound("附件不存在或尚未上传完", "no such attachment, or not uploaded yet", code="attachment_not_found",
                       field="sha256")
    data = b"".join(c for (c,) in session.execute(select(AttachmentChunk.data).where(
        AttachmentChunk.sha256 == sha256).order_by(AttachmentChunk.offset)))
    return data, att.content_type
