"""Visit photos as content-addressed attachments: uploaded after their event, in resumable chunks,
idempotently, capped, only by the device whose event named them; read back by head office."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

from fastapi.testclient import TestClient
from httpx import Response

from central.attachments.service import CHUNK_MAX_BYTES
from sync.events import AttachmentRef, VisitRecorded, uuid7

from .conftest import T0, Field
from .test_order_flow import API


def visit_with(field: Field, *photos: bytes) -> VisitRecorded:
    return VisitRecorded(visit_id=uuid7(), customer_id=field.customer, rep_id=field.rep, terminal_id=field.tablet_id,
                         checked_in_at=T0, notes="拍了货架", photos=[
                             AttachmentRef(sha256=hashlib.sha256(p).hexdigest(), size=len(p), content_type="image/jpeg")
                             for p in photos])


def put(client: TestClient, headers: dict[str, str], sha: str, data: bytes, offset: int) -> Response:
    answer: Response = client.put(f"{API}/attachments/{sha}", headers={**headers, "Content-Type": "image/jpeg"},
                                  params={"offset": offset}, content=data)
    return answer


def test_upload_resumes_is_idempotent_and_is_served(client: TestClient, admin: dict[str, str], field: Field,
                                                    login: Callable[[str], dict[str, str]]) -> None:
    photo = b"\xff\xd8\xff\xe0" + os.urandom(CHUNK_MAX_BYTES + 300_000)  # needs two chunks
    sha = hashlib.sha256(photo).hexdigest()
    # before its event arrives the device may not upload it
    assert put(client, field.tablet, sha, photo[:10], 0).status_code == 403
    assert field.push(client, visit_with(field, photo))[0]["status"] == "applied"
    status = client.get(f"{API}/attachments/{sha}/status", headers=field.tablet).json()
    assert (status["size"], status["received_bytes"], status["complete"]) == (len(photo), 0, False)
    first = put(client, field.tablet, sha, photo[:CHUNK_MAX_BYTES], 0)
    assert first.json()["received_bytes"] == CHUNK_MAX_BYTES
    # the answer got lost: the tablet sends the first chunk again, is told where to resume
    again = put(client, field.tablet, sha, photo[:CHUNK_MAX_BYTES], 0)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "offset_mismatch"
    resume = client.get(f"{API}/attachments/{sha}/status", headers=field.tablet).json()["received_bytes"]
    done = put(client, field.tablet, sha, photo[resume:], resume)
    assert done.json()["complete"] is True
    # once complete, sending it again changes nothing
    twice = put(client, field.tablet, sha, photo[:100], 0)
    assert (twice.status_code, twice.json()["complete"]) == (200, True)
    got = client.get(f"{API}/attachments/{sha}", headers=admin)
    assert (got.status_code, got.headers["content-type"], got.content) == (200, "image/jpeg", photo)


def test_size_caps_wrong_bytes_and_wrong_devices_are_refused(client: TestClient, field: Field,
                                                            login: Callable[[str], dict[str, str]], admin: dict[str, str]) -> None:
    photo = os.urandom(5000)
    sha = hashlib.sha256(photo).hexdigest()
    field.push(client, visit_with(field, photo))
    # a chunk beyond the per-request cap, or bytes beyond the declared size
    assert put(client, field.tablet, sha, b"x" * (CHUNK_MAX_BYTES + 1), 0).status_code == 413
    assert put(client, field.tablet, sha, photo + b"extra", 0).status_code == 413
    # the other rep's tablet did not name this file
    other = put(client, field.other_tablet, sha, photo, 0)
    assert (other.status_code, other.json()["error"]["code"]) == (403, "attachment_not_referenced")
    assert client.get(f"{API}/attachments/{sha}/status", headers=field.other_tablet).status_code == 403
    # a console user cannot upload; an unknown device cannot either
    assert put(client, admin, sha, photo, 0).status_code == 403
    assert put(client, {"Authorization": "Device 999:nope"}, sha, photo, 0).status_code == 401
    # the right size but not the file its name says: refused, and the upload starts over
    wrong = put(client, field.tablet, sha, os.urandom(5000), 0)
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (422, "hash_mismatch")
    assert client.get(f"{API}/attachments/{sha}/status", headers=field.tablet).json()["received_bytes"] == 0
    assert client.get(f"{API}/attachments/{sha}", headers=admin).status_code == 404  # not complete: not served
    assert put(client, field.tablet, sha, photo, 0).json()["complete"] is True
    # a rep user reads only their customers' files
    assert client.get(f"{API}/attachments/{sha}", headers=login("rep2")).status_code == 404
    assert client.get(f"{API}/attachments/{sha}", headers=login("rep1")).status_code == 200
    # a device cannot download (console only)
    assert client.get(f"{API}/attachments/{sha}", headers=field.tablet).status_code == 403
