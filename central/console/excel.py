"""Console area 导入/导出 (`/excel`): download any list as Excel, import a spreadsheet with a preview.

The same code as the API and the CLI: `central.excel.kinds` says what can be exported and imported
with which permission, and `central.excel.uploads` checks an upload (every row, nothing written),
then commits exactly the checked bytes (all rows or none, audited). The page offers each kind the
viewer may use; an upload leads to its preview page, which lists every bad row (sheet row, column,
cell, the reason in Chinese and in English) and offers 确认导入 only when there is none.

List pages link their 导出 Excel button to `/excel/export/<kind>` (with `from`/`to` for sales).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from central.api.deps import SessionDep
from central.api.gate import limit_path
from central.console.i18n import register
from central.console.web import NAV, AnyViewer, ConsoleRoute, NavItem, Viewer, render
from central.errors import Forbidden, Invalid
from central.excel import uploads
from central.excel.importing import authorize
from central.excel.kinds import EXPORTS, IMPORTERS
from central.excel.writer import xlsx_response
from sync.store_time import STORE_TZ

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/excel", "导入/导出", ()))
limit_path("/excel/", uploads.UPLOAD_LIMIT_NAME, uploads.DEFAULT_UPLOAD_LIMIT)

IMPORT_TITLES = {"products": "商品", "customers": "客户", "members": "会员", "stock": "期初库存",
                 "price-lists": "价目表"}
IMPORT_NOTES = {
    "products": "按商品编码匹配：新编码新建，已有的更新；文件里没有的商品不变。",
    "customers": "按客户编码匹配；业务员填登录名，分组和价目表填编码。",
    "members": "按会员卡号匹配；积分不导入，只经积分流水变动。",
    "stock": "每行是仓库现有的数量：只把差额记入库存流水，同一文件导入两次不会重复入库。",
    "price-lists": "每行是一个价格；文件里没有的价格保留，“删除”填“是”可去掉一个价格。",
}


def _exports(viewer: Viewer) -> list[dict[str, Any]]:
    return [{"kind": kind, "title": e.title, "dated": e.dated} for kind, e in EXPORTS.items()
            if viewer.can(e.permission)]


def _imports(viewer: Viewer) -> list[dict[str, str]]:
    out = []
    for kind, make in IMPORTERS.items():
        try:
            authorize(make(), viewer.principal)
        except Forbidden:
            continue
        out.append({"kind": kind, "title": IMPORT_TITLES.get(kind, kind), "note": IMPORT_NOTES.get(kind, "")})
    return out


def _hub(request: Request, viewer: Viewer, session: Session, *, status: int = 200,
         error: str | None = None, kind: str | None = None) -> Response:
    today = datetime.now(STORE_TZ).date()
    return render(request, viewer, "excel/index.html", status=status, exports=_exports(viewer),
                  imports=_imports(viewer), recent=uploads.recent_uploads(session, viewer.principal),
                  titles=IMPORT_TITLES, error=error, chosen=kind or request.query_params.get("kind", ""),
                  month_start=today.replace(day=1).isoformat(), today=today.isoformat(),
                  limit_mb=uploads.DEFAULT_UPLOAD_LIMIT // (1024 * 1024))


@router.get("/excel")
def hub(request: Request, viewer: AnyViewer, session: SessionDep) -> Response:
    return _hub(request, viewer, session)


@router.get("/excel/export/{kind}")
def export(kind: str, viewer: AnyViewer, session: SessionDep, date_from: date | None = None,
           date_to: date | None = None) -> Response:
    from central.excel.api import export_of

    chosen = export_of(kind)
    viewer.principal.require(chosen.permission)
    if chosen.dated and (date_from is None or date_to is None or date_to < date_from):
        raise Invalid("请选择起止日期（结束不能早于开始）", "choose the first and last day (the last not before the first)",
                      code="period", field="date_from")
    suffix = f"_{date_from}_{date_to}" if chosen.dated else ""
    response: Response = xlsx_response(chosen.sheets(session, date_from, date_to, viewer.principal),
                                       f"{chosen.title}{suffix}.xlsx")
    return response


def _release(session: Session) -> None:
    """End the request's own transaction now: a console POST opens a write transaction (on SQLite it
    holds the write lock), while checking and committing an upload run in transactions of their own
    (the check a read-only one, so tills can push while 100,000 rows are checked)."""
    session.commit()
    session.close()


@router.post("/excel/upload")
async def upload(request: Request, viewer: AnyViewer, session: SessionDep) -> Response:
    _release(session)
    form = await request.form()  # the request gate has bounded the body (limit_path above)
    kind = str(form.get("kind") or "")
    file = form.get("file")
    if kind not in IMPORTERS:
        return _hub(request, viewer, session, status=422, error=viewer.t("请选择要导入的数据"))
    authorize(uploads.importer_for(kind), viewer.principal)
    if not isinstance(file, UploadFile) or not file.filename:
        return _hub(request, viewer, session, status=422, error=viewer.t("请选择一个 Excel 文件"), kind=kind)
    data = await file.read()
    if not data:
        return _hub(request, viewer, session, status=422, error=viewer.t("文件是空的"), kind=kind)
    made = await run_in_threadpool(uploads.check_upload, request.app.state.engine, viewer.principal, kind, data,
                                   file.filename)
    return RedirectResponse(f"/excel/uploads/{made.id}", status_code=303)


@router.get("/excel/uploads/{upload_id}")
def preview(request: Request, upload_id: str, viewer: AnyViewer, session: SessionDep) -> Response:
    found = uploads.get_upload(session, viewer.principal, upload_id[:36])
    return render(request, viewer, "excel/upload.html", upload=found, result=found.result,
                  title=IMPORT_TITLES.get(found.kind, found.kind))


@router.post("/excel/uploads/{upload_id}/commit")
async def commit(request: Request, upload_id: str, viewer: AnyViewer, session: SessionDep) -> Response:
    _release(session)
    await run_in_threadpool(uploads.commit_upload, request.app.state.engine, viewer.principal, upload_id[:36])
    return RedirectResponse(f"/excel/uploads/{upload_id[:36]}", status_code=303)


register({
    "导入/导出": "Import / export",
    "导入": "Import",
    "导出": "Export",
    "期初库存": "Opening stock",
    "价目表": "Price lists",
    "下载": "Download",
    "从": "From",
    "到": "to",
    "每个列表都可以导出为 Excel：中文表头下一行是英文，金额为元，时间为门店时间。导出的文件改好后可以直接导回。":
        "Every list exports to Excel: Chinese headers with the English under them, money in yuan, times in the "
        "store's time zone. Edit an exported file and import it straight back.",
    "导入分两步：先上传检查（不写入任何数据，列出每一行的问题），没有错误后再确认导入（全部写入或全部不写）。":
        "Importing takes two steps: upload and check (nothing is written; every bad row is listed), then, once "
        "there is none, confirm (all rows are written, or none).",
    "数据": "Data",
    "文件": "File",
    "上传并检查": "Upload and check",
    "文件最大 {mb} MB": "At most {mb} MB",
    "最近的导入": "Recent imports",
    "文件名": "File name",
    "状态": "Status",
    "行数": "Rows",
    "上传时间": "Uploaded",
    "已检查": "Checked",
    "已导入": "Imported",
    "请选择要导入的数据": "Choose what the file holds",
    "请选择一个 Excel 文件": "Choose an Excel file",
    "文件是空的": "The file is empty",
    "导入{title}": "Import {title}",
    "检查结果": "Check result",
    "导入结果": "Import result",
    "新建": "New",
    "更新": "Changed",
    "未变": "Unchanged",
    "有错的行": "Bad rows",
    "没有发现问题，可以导入。": "No problems found: ready to import.",
    "已全部写入。": "Every row was written.",
    "有 {n} 行有错，未写入任何数据。请在 Excel 中改正后重新上传。":
        "{n} row(s) have problems; nothing was written. Correct them in Excel and upload the file again.",
    "确认导入": "Import now",
    "导入全部 {n} 行？": "Import all {n} rows?",
    "重新上传": "Upload another file",
    "行": "Row",
    "列": "Column",
    "单元格": "Cell",
    "原因": "Reason",
    "原因（英文）": "Reason (English)",
    "整个文件": "whole file",
    "另有 {n} 个问题未列出": "{n} more problem(s) not listed",
    "返回导入/导出": "Back to import / export",
    "导入时间": "Imported at",
    "商品": "Products",
    "会员": "Members",
    "客户": "Customers",
    "库存": "Stock",
    "销售": "Sales",
    "按商品编码匹配：新编码新建，已有的更新；文件里没有的商品不变。":
        "Matched by SKU: new SKUs are created, others updated; products not in the file are left alone.",
    "按客户编码匹配；业务员填登录名，分组和价目表填编码。":
        "Matched by customer code; the sales rep by login name, group and price list by code.",
    "按会员卡号匹配；积分不导入，只经积分流水变动。":
        "Matched by card number; points are not imported (they move only through the points ledger).",
    "每行是仓库现有的数量：只把差额记入库存流水，同一文件导入两次不会重复入库。":
        "Each row is what the warehouse holds: only the difference is posted, so importing a file twice "
        "never doubles the stock.",
    "每行是一个价格；文件里没有的价格保留，“删除”填“是”可去掉一个价格。":
        "One price per row; prices not in the file are kept; 删除 = 是 removes a price.",
    "请选择起止日期（结束不能早于开始）": "Choose the first and last day (the last not before the first)",
})
