"""Excel over the API: download a list, upload a file to check, commit what was checked.

- `GET /excel/exports/{kind}` — the same workbook `pos-central export` writes (a store's staff get
  their store's rows, a sales rep their own customers).
- `POST /excel/imports/{kind}` — the .xlsx as the request body (`?file_name=` for the report);
  every row is checked and nothing written; 201 with the upload and its report.
- `GET /excel/uploads/{id}` — the upload and its latest report (only its uploader sees it).
- `POST /excel/uploads/{id}/commit` — the checked bytes imported for real, all rows or none; 422
  `bad_rows` with the report when rows turned out bad (nothing written).

The request gate authenticates an upload before reading its body and bounds it at the route's own
limit (`body_limit("excel_import", 16 MiB)`; `POS_MAX_BODY_BYTES_EXCEL_IMPORT` overrides): 413 beyond.
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
from central.api.gate import body_limit
from central.auth.deps import CurrentUser
from central.errors import Invalid, NotFound
from central.excel import uploads
from central.excel.importing import authorize
from central.excel.kinds import EXPORTS, Export
from central.excel.models import ExcelUpload
from central.excel.writer import XLSX_MEDIA_TYPE, xlsx_response

router = APIRouter(tags=["excel 导入导出"])

Kind = Annotated[str, Path(min_length=1, max_length=16, pattern=r"^[a-z-]+$")]
UploadId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[0-9a-fA-F-]+$")]


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
             openapi_extra={**body_limit(uploads.UPLOAD_LIMIT_NAME, uploads.DEFAULT_UPLOAD_LIMIT), "requestBody": {
                 "required": True, "description": "the .xlsx file's bytes", "content": {
                     "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
async def upload_for_import(kind: Kind, request: Request, who: CurrentUser,
                            file_name: Annotated[str, Query(max_length=200)] = "") -> Any:
    authorize(uploads.importer_for(kind), who)
    data = await request.body()  # read (bounded) by the request gate
    if not data:
        raise Invalid("没有收到文件", "no file was sent", code="empty_upload", field="body")
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


__all__ = ["ExcelUpload", "router"]
