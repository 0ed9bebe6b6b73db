"""Every error leaves the API in one shape: `{"error": {"code", "message", "message_en", "field"}}`.

`message` is zh-CN, `message_en` English, `field` names the offending input when there is one.
Validation errors add `details` (one entry per problem). Database constraint violations that
slip past a service's own checks still come back as 409/422 naming the column, never a 500.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central.errors import Conflict, DomainError, Invalid, TooManyRequests
from sync.errors import ContractError

log = logging.getLogger("central.api")

_ZH: dict[str, str] = {
    "missing": "必填",
    "string_too_long": "太长",
    "string_too_short": "太短",
    "too_long": "项目太多",
    "too_short": "项目太少",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "bool_parsing": "应为布尔值",
    "bool_type": "应为布尔值",
    "string_type": "应为文本",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "greater_than_equal": "太小",
    "greater_than": "太小",
    "less_than_equal": "太大",
    "less_than": "太大",
    "extra_forbidden": "不允许的字段",
    "enum": "不是允许的值",
    "literal_error": "不是允许的值",
    "date_from_datetime_parsing": "应为日期",
    "date_parsing": "应为日期",
    "datetime_parsing": "应为时间",
    "datetime_from_date_parsing": "应为时间",
    "timezone_aware": "应带时区",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "string_pattern_mismatch": "格式不正确",
    "value_error": "无效",
}


class ErrorDetail(BaseModel):
    field: str | None
    type: str | None = None
    message: str
    message_en: str


class ErrorInfo(BaseModel):
    code: str
    message: str
    """zh-CN."""
    message_en: str
    field: str | None
    """The offending input (`name`, `units.0.price_fen`, ...), when there is one."""
    details: list[ErrorDetail] | None = None


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorInfo


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "malformed request (e.g. invalid JSON)"},
    401: {"model": ErrorBody, "description": "not authenticated, expired token, unknown or revoked device"},
    403: {"model": ErrorBody, "description": "not allowed for this role, or another store's data"},
    404: {"model": ErrorBody, "description": "not found (or not visible to the caller)"},
    409: {"model": ErrorBody, "description": "conflicts with existing data (duplicate code or barcode ...)"},
    413: {"model": ErrorBody, "description": "request body too large (see `x-max-body-bytes`, default 1 MB)"},
    415: {"model": ErrorBody, "description": "unsupported Content-Encoding (only gzip)"},
    422: {"model": ErrorBody, "description": "invalid input; `field` names it"},
    429: {"model": ErrorBody, "description": "too many failed attempts, or too many logins at once; see Retry-After"},
}
"""Documented on every operation so clients (and schemathesis) know the error shape."""


def error_body(code: str, message: str, message_en: str, field: str | None = None,
               **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "message_en": message_en, "field": field, **extra}}


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or None


def integrity_to_domain(exc: IntegrityError) -> DomainError:
    """Map a database constraint violation to a typed error naming the column."""
    orig = exc.orig
    text = str(orig)
    constraint = getattr(getattr(orig, "diag", None), "constraint_name", None)
    column: str | None = None
    if constraint:
        table = getattr(getattr(orig, "diag", None), "table_name", None) or ""
        stem = re.sub(r"^(uq|fk|ck|ix|pk)_", "", constraint)
        if table and stem.startswith(table + "_"):
            stem = stem[len(table) + 1:]
        column = stem
    else:
        m = re.search(r"constraint failed: ([\w.]+)(?:, ([\w.]+))*", text)
        if m:
            column = m.group(1).split(".")[-1]
    lowered = text.lower()
    if "unique" in lowered or "duplicate key" in lowered:
        return Conflict(f"{column or '值'} 已存在，不能重复", f"{column or 'value'} already exists",
                        code="duplicate", field=column)
    if "foreign key" in lowered:
        if constraint and column:
            # fk_<table>_<col>_<referred>: keep the column part only when it is recognisable
            column = column.rsplit("_", 1)[0] if "_" in column else column
        return Invalid("引用的记录不存在或仍被使用", "a referenced record does not exist or is still in use",
                       code="reference_invalid", field=column)
    if "not null" in lowered or "null value" in lowered:
        return Invalid(f"{column or '字段'} 必填", f"{column or 'a field'} is required", code="required", field=column)
    return Invalid("数据不符合约束", "the data breaks a database rule", code="constraint_failed", field=column)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the one body shape."""

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse({"error": exc.to_dict()}, status_code=exc.status, headers=headers)

    @app.exception_handler(ContractError)
    async def _contract(_request: Request, exc: ContractError) -> JSONResponse:
        # a rule of the shared contract (sync/) refused the data: bad barcode, promotion, money ...
        body = error_body(exc.code, exc.message, exc.message_en, exc.field)
        return JSONResponse(body, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(error_body("malformed_json", "请求内容不是有效的 JSON",
                                           "the request body is not valid JSON"), status_code=400)
        details = []
        for e in errors:
            field = _field_of(e.get("loc", ()))
            zh = _ZH.get(str(e.get("type")), "无效")
            details.append({"field": field, "type": e.get("type"), "message": f"{field or '请求'}: {zh}",
                            "message_en": f"{field or 'request'}: {e.get('msg')}"})
        first = details[0] if details else {"field": None, "message": "请求无效", "message_en": "invalid request"}
        return JSONResponse(error_body("validation_error", str(first["message"]), str(first["message_en"]),
                                       first["field"], details=details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            body = error_body("not_found", "接口不存在", "no such endpoint")
        elif exc.status_code == 400:
            # FastAPI's "error parsing the body": undecodable bytes, a broken multipart form ...
            body = error_body("malformed_json", "请求内容不是有效的 JSON", "the request body could not be parsed")
        elif exc.status_code == 405:
            body = error_body("method_not_allowed", "不支持此请求方法", "method not allowed")
        else:
            body = error_body("http_error", str(exc.detail), str(exc.detail))
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        err = integrity_to_domain(exc)
        return JSONResponse({"error": err.to_dict()}, status_code=err.status)

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        log.info("data error: %s", exc)
        return JSONResponse(error_body("invalid_value", "数据值超出范围或格式不对",
                                       "a value is out of range or malformed"), status_code=422)



class AnswerUnexpectedErrors:
    """Answer an unexpected exception with a 500 in the usual error body, and keep the connection.

    Starlette's own last-resort handler (ServerErrorMiddleware) sends the 500 and then re-raises the
    exception so the server can log it; uvicorn, seeing an exception after a response started,
    closes the connection. A till or a console on a kept-alive connection then lost it on every
    500. This pure ASGI middleware, inside that one, logs the exception and answers itself; only an
    exception after the response started (nothing left to answer with) still goes up and closes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            if started:
                raise
            log.exception("unexpected error in %s %s", scope.get("method"), scope.get("path"), exc_info=exc)
            response = JSONResponse(error_body("internal_error", "服务器内部错误", "internal server error"),
                                    status_code=500)
            await response(scope, receive, send)
