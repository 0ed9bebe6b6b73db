"""Photos as content-addressed attachments: kept on the tablet by their sha256, named in the visit's
event, uploaded after central acknowledged that event, from a queue of their own.

The upload (`upload_pending`) is resumable (it asks central where it stands and goes on from
`received_bytes`), idempotent (a file central has whole is only marked done) and never blocks the
event queue: the sync round pushes and pulls first, photos go afterwards, a few at a time, and a
photo that fails stays queued with its error. Files are capped at `sync.events.ATTACHMENT_MAX_BYTES`
(8 MiB); chunks are at most 1 MiB (central's cap).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

from sync.events import ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES, AttachmentRef, utcnow
from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from terminal.errors import TerminalError
from terminal.store import Store

CHUNK_BYTES = 1024 * 1024
ATTACHMENTS_DIR = "attachments"
_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


class AttachmentError(TerminalError):
    code = "attachment_error"


def sniff_type(data: bytes) -> str | None:
    """The image type the bytes really are (jpeg, png, webp), or None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def attachment_path(store: Store, sha256: str) -> Path:
    return store.path.parent / ATTACHMENTS_DIR / sha256[:2] / sha256


def keep_photo(store: Store, data: bytes, *, step: str | None = None, taken_at: datetime | None = None,
               content_type: str | None = None) -> AttachmentRef:
    """Store a photo's bytes under their sha256 (once, however often it is kept) and return the
    reference a visit carries. Refuses empty, oversized and non-image files."""
    if not data:
        raise AttachmentError("照片是空的", "the photo is empty", code="empty_photo")
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise AttachmentError(f"照片太大（最多 {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB）",
                              f"the photo is too large (at most {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB)",
                              code="photo_too_large")
    kind = sniff_type(data)
    if kind is None or kind not in ATTACHMENT_TYPES or (content_type is not None and content_type != kind):
        raise AttachmentError("只能上传 JPEG、PNG 或 WebP 图片", "only JPEG, PNG or WebP images", code="photo_type")
    sha = hashlib.sha256(data).hexdigest()
    path = attachment_path(store, sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            import os

            os.fsync(fh.fileno())
        tmp.replace(path)
    store.field.add_attachment(sha, len(data), kind, utcnow().isoformat())
    return AttachmentRef(sha256=sha, size=len(data), content_type=kind, step=step, taken_at=taken_at)


def keep_photo_file(store: Store, path: str | Path, *, step: str | None = None) -> AttachmentRef:
    """A photo picked from the files (read at most the cap + 1 byte: a huge file is refused unread)."""
    with open(path, "rb") as fh:
        data = fh.read(ATTACHMENT_MAX_BYTES + 1)
    return keep_photo(store, data, step=step)


@dataclass
class UploadReport:
    uploaded: int = 0
    """Files completed in this round."""
    bytes_sent: int = 0
    failed: int = 0
    waiting: int = 0
    """Still queued after the round (failed, or beyond this round's limit)."""
    errors: list[str] = field(default_factory=list)


def upload_pending(store: Store, *, client: httpx.Client | None = None, limit: int = 20,
                   timeout: float = 30.0) -> UploadReport:
    """Upload the photos whose visit central has acknowledged. Never raises for a network or server
    fault: the file stays queued (with its error) for the next round."""
    server = store.get_setting("server_url")
    credential = store.get_setting("credential")
    report = UploadReport()
    if not server or not credential:
        return report
    own = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(timeout))
    headers = {"Authorization": f"Device {credential}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    try:
        for row in store.field.attachments_to_upload(limit):
            try:
                sent = _upload_one(store, http, server.rstrip("/"), headers, row.sha256, row.size)
                report.bytes_sent += sent
                report.uploaded += 1
            except (httpx.HTTPError, OSError, _UploadFailed) as exc:
                report.failed += 1
                report.errors.append(f"{row.sha256[:12]}: {exc}")
                store.field.attachment_progress(row.sha256, row.uploaded_bytes, error=str(exc)[:300])
    finally:
        if own:
            http.close()
    report.waiting = sum(n for status, n in store.field.attachment_counts().items() if status != "done")
    return report


class _UploadFailed(Exception):
    pass


def _upload_one(store: Store, http: httpx.Client, server: str, headers: dict[str, str], sha: str, size: int) -> int:
    url = f"{server}/api/v1/attachments/{sha}"
    answer = http.get(url + "/status", headers=headers)
    if answer.status_code >= 400:
        raise _UploadFailed(f"status HTTP {answer.status_code}: {answer.text[:200]}")
    state = answer.json()
    offset = int(state.get("received_bytes") or 0)
    if state.get("complete"):
        store.field.attachment_progress(sha, size, done=True)
        return 0
    path = attachment_path(store, sha)
    sent = 0
    with open(path, "rb") as fh:
        for _ in range(2 + size // CHUNK_BYTES):  # bounded: a restart from 0 at most once
            fh.seek(offset)
            chunk = fh.read(CHUNK_BYTES)
            answer = http.put(url, params={"offset": offset}, content=chunk,
                              headers={**headers, "Content-Type": "application/octet-stream"})
            if answer.status_code == 409:  # central holds another offset: resume there
                offset = int(http.get(url + "/status", headers=headers).json().get("received_bytes") or 0)
                continue
            if answer.status_code >= 400:
                raise _UploadFailed(f"HTTP {answer.status_code}: {answer.text[:200]}")
            sent += len(chunk)
            state = answer.json()
            offset = int(state.get("received_bytes") or 0)
            store.field.attachment_progress(sha, offset, done=bool(state.get("complete")))
            if state.get("complete"):
                return sent
            if not chunk:
                break
    raise _UploadFailed(f"upload did not complete at {offset}/{size} bytes")
