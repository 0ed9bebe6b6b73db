"""Excel over the API: download a list, upload a file to check, commit what was checked.

- `GET /excel/exports/{kind}` — the same workbook `pos-central export` writes (a store's staff get
  their store's rows, a sales rep their own customers).
- `POST /excel/imports/{kind}` — the .xlsx as the request body (`?file_name=` for the report);
  every row is checked and nothing written; 201 with the upload and its report.
- `GET /excel/uploads/{id}` — the upload and its latest report (only its uploader sees it).
- `POST /excel/uploads/{id}/commit` — the checked bytes imported for real, all rows or none; 422
  `bad_rows` with the report when rows turned out bad (nothing written).

The body of an upload is read here, after the caller is authenticated and allowed, up to
`uploads.upload_limit()` bytes (Content-Length first, then the bytes as they arrive): 413 beyond.
When central's request gate (per-route `body_limit`) is on main, this route should declare its limit
there instead of reading with its own bound.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from central.api.deps import SessionDep
from central.api.errors import error_body
from central.auth.deps import CurrentUser
from central.errors import DomainError, Invalid, NotFound
from central.excel import uploads
from central.excel.importing import authorize
from central.excel.kinds import EXPORTS, Export
from central.excel.models import ExcelUpload
from central.excel.writer import XLSX_MEDIA_TYPE, xlsx_response

router = APIRouter(tags=["excel 导入导出"])

Kind = Annotated[str, Path(min_length=1, max_length=16, pattern=r"^[a-z-]+$")]
UploadId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[0-9a-fA-F-]+$")]


class TooLarge(DomainError):
    status = 413
    default_code = "body_too_large"


class UploadOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    file_name: str
    size: int
    sha256: str
    status: str
    created_at: datetime
    committed_at: datetime | None
    result: dict[str, Any]


async def read_upload(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) a declared or actual size beyond `limit` without reading on."""
    declared = request.headers.get("content-length")
    mib = f"{limit / 1024 / 1024:g} MB"
    if declared is not None and (not declared.strip().isdigit() or int(declared) > limit):
        raise TooLarge(f"文件太大（上限 {mib}）", f"the file is too large (limit {mib})")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise TooLarge(f"文件太大（上限 {mib}）", f"the file is too large (limit {mib})")
    if not data:
        raise Invalid("没有收到文件", "no file was sent", code="empty_upload", field="body")
    return bytes(data)


def export_of(kind: str) -> Export:
    export = EXPORTS.get(kind)
    if export is None:
        raise NotFound(f"不能导出这种数据：{kind}", f"there is no export of {kind!r}", code="unknown_export",
                       field="kind")
    return export


@router.get("/excel/exports/{kind}", summary="导出 Excel / download a list as .xlsx",
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "the workbook"}})
def export_list(kind: Kind, session: SessionDep, who: CurrentUser,
                date_from: Annotated[date | None, Query(alias="from")] = None,
                date_to: Annotated[date | None, Query(alias="to")] = None) -> Any:
    export = export_of(kind)
    who.require(export.permission)
    if export.dated and (date_from is None or date_to is None):
        raise Invalid(f"导出{export.title}需要起止日期", f"exporting {kind} needs from and to", code="period_required",
                      field="from")
    if date_from and date_to and date_to < date_from:
        raise Invalid("结束日期不能早于开始日期", "'to' is before 'from'", code="period", field="to")
    suffix = f"_{date_from}_{date_to}" if export.dated else ""
    return xlsx_response(export.sheets(session, date_from, date_to, who), f"{export.title}{suffix}.xlsx")


@router.post("/excel/imports/{kind}", status_code=201, response_model=UploadOut,
             summary="上传并检查 / upload a file and check every row (nothing written)",
             openapi_extra={"requestBody": {"required": True, "description": "the .xlsx file's bytes", "content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
async def upload_for_import(kind: Kind, request: Request, who: CurrentUser,
                            file_name: Annotated[str, Query(max_length=200)] = "") -> Any:
    authorize(uploads.importer_for(kind), who)  # refused before a byte of the body is read
    data = await read_upload(request, uploads.upload_limit())
    upload = await run_in_threadpool(uploads.check_upload, request.app.state.engine, who, kind, data,
                                     file_name or f"{kind}.xlsx")
    return UploadOut.model_validate(upload)


@router.get("/excel/uploads/{upload_id}", response_model=UploadOut, summary="上传的文件及其检查结果 / an upload")
def get_upload(upload_id: UploadId, session: SessionDep, who: CurrentUser) -> Any:
    return UploadOut.model_validate(uploads.get_upload(session, who, upload_id))


@router.post("/excel/uploads/{upload_id}/commit", response_model=UploadOut,
             summary="导入 / import the checked file for real: all rows or none")
async def commit_upload(upload_id: UploadId, request: Request, who: CurrentUser) -> Any:
    upload, result = await run_in_threadpool(uploads.commit_upload, request.app.state.engine, who, upload_id)
    out = UploadOut.model_validate(upload)
    if not result.written:
        return JSONResponse(error_body(
            "bad_rows", f"{result.bad_rows} 行有错，未写入任何数据", f"{result.bad_rows} bad row(s): nothing was written",
            upload=out.model_dump(mode="json")), status_code=422)
    return out


__all__ = ["ExcelUpload", "read_upload", "router"]
