"""Importing a spreadsheet in two steps, for the API and the console alike: check, then commit.

1. `check_upload`: the file is read and every row checked (a dry run, in a read-only transaction:
   on SQLite it does not hold the write lock the tills' pushes need), and the upload is kept with
   its report (`excel_uploads`).
2. `commit_upload`: the same bytes (their SHA-256 checked) are imported for real, all rows or none,
   in one write transaction that also marks the upload committed, drops its file and writes an
   `excel.import` audit entry beside the one per record the import writes. A commit that finds bad
   rows (the data changed since the check) writes nothing and keeps its report instead.

Only the uploader sees and commits an upload (anyone else: not found), with the permission the
kind needs checked again at commit (a role may have changed). Uploads never committed are purged
after `KEEP`. How large a file may be is the request gate's limit `excel_import` (the whole file is
held in memory while it is read), and as an .xlsx is a zip, `reader.open_workbook` also refuses one
whose parts inflate beyond reason.
"""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.auth.principal import UserPrincipal
from central.db import session_scope, utcnow
from central.errors import Conflict, NotFound, not_found
from central.excel.importing import Importer, ImportResult, authorize, run_import
from central.excel.kinds import IMPORTERS
from central.excel.models import ExcelUpload
from central.settings import MiB
from sync.events import uuid7

UPLOAD_LIMIT_NAME = "excel_import"
DEFAULT_UPLOAD_LIMIT = 16 * MiB
"""Largest upload (the request gate's limit `POS_MAX_BODY_BYTES_EXCEL_IMPORT`): an .xlsx of about
250,000 product rows (100,000 rows with two units are ~6 MB)."""
KEEP = timedelta(days=1)
PROBLEMS_KEPT = 1000
"""Bad rows kept in an upload's report (the count of the rest is kept too)."""


def importer_for(kind: str) -> Importer:
    maker = IMPORTERS.get(kind)
    if maker is None:
        raise NotFound(f"不能导入这种数据：{kind}", f"there is no import of {kind!r}", code="unknown_import",
                       field="kind")
    return maker()


def check_upload(engine: Engine, who: UserPrincipal, kind: str, data: bytes, file_name: str) -> ExcelUpload:
    """Check every row of `data` (nothing written) and keep the upload with its report."""
    importer = importer_for(kind)
    authorize(importer, who)
    name = os.path.basename(file_name.replace("\\", "/"))[:200] or f"{kind}.xlsx"
    with session_scope(engine, write=False) as session:
        result = run_import(session, importer, data, who=who, dry_run=True, file_name=name)
    upload = ExcelUpload(id=uuid7(), kind=kind, file_name=name, size=len(data),
                         sha256=hashlib.sha256(data).hexdigest(), content=data, user_id=who.user_id,
                         status="checked", result=result.to_dict(problem_limit=PROBLEMS_KEPT), created_at=utcnow())
    with session_scope(engine) as session:
        session.execute(delete(ExcelUpload).where(ExcelUpload.status == "checked",
                                                  ExcelUpload.created_at < utcnow() - KEEP))
        session.add(upload)
    upload.content = None  # the caller needs the report, not the bytes
    return upload


def get_upload(session: Session, who: UserPrincipal, upload_id: str, *, lock: bool = False) -> ExcelUpload:
    """The upload, if `who` made it (anyone else reads it as not found)."""
    stmt = select(ExcelUpload).where(ExcelUpload.id == upload_id, ExcelUpload.user_id == who.user_id)
    upload = session.scalar(stmt.with_for_update() if lock else stmt)
    if upload is None:
        raise not_found("导入文件", "upload", "upload_id", upload_id)
    return upload


def recent_uploads(session: Session, who: UserPrincipal, limit: int = 10) -> list[ExcelUpload]:
    """This user's latest uploads (without their files), newest first."""
    from sqlalchemy.orm import defer

    return list(session.scalars(select(ExcelUpload).options(defer(ExcelUpload.content))
                                .where(ExcelUpload.user_id == who.user_id)
                                .order_by(ExcelUpload.created_at.desc()).limit(limit)))


def commit_upload(engine: Engine, who: UserPrincipal, upload_id: str) -> tuple[ExcelUpload, ImportResult]:
    """Import the checked upload for real: all rows or none (see the module docstring)."""
    with session_scope(engine) as session:
        upload = get_upload(session, who, upload_id, lock=True)
        if upload.status != "checked" or upload.content is None:
            raise Conflict("这个文件已经导入过了", "this upload has already been imported", code="already_committed",
                           field="upload_id")
        importer = importer_for(upload.kind)
        authorize(importer, who)
        data = upload.content
        if hashlib.sha256(data).hexdigest() != upload.sha256:
            raise Conflict("文件已损坏，请重新上传", "the stored file is damaged: upload it again", code="upload_damaged")
        kept: dict[str, Any] = {"id": upload.id, "kind": upload.kind, "file_name": upload.file_name,
                                "sha256": upload.sha256}
        result = run_import(session, importer, data, who=who, dry_run=False, file_name=upload.file_name)
        report = result.to_dict(problem_limit=PROBLEMS_KEPT)
        if result.written:
            upload.status, upload.content, upload.committed_at, upload.result = "committed", None, utcnow(), report
            audit.record(session, actor=who, action="excel.import", entity_type="excel_upload", entity_id=upload.id,
                         after={"kind": upload.kind, "file_name": upload.file_name, "sha256": upload.sha256,
                                "rows": result.rows, "created": result.created, "updated": result.updated,
                                "unchanged": result.unchanged})
            session.flush()
            return upload, result
    # bad rows: the import rolled its transaction back; keep the commit's report on the upload
    with session_scope(engine) as session:
        upload = get_upload(session, who, kept["id"])
        upload.result = report
    return upload, result
