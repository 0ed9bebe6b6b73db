"""`/docs`: the API's Swagger UI, with its script, styles and icon served by central itself.

FastAPI's default page loads Swagger UI from a CDN, so without internet it was blank; here every
file comes from `/static/vendor/` (see `central.console.assets`), and the online validator badge
is off (it would call validator.swagger.io).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from central.console import assets

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url, title=f"{request.app.title} · API",
        swagger_js_url=assets.SWAGGER_JS, swagger_css_url=assets.SWAGGER_CSS,
        swagger_favicon_url=assets.SWAGGER_FAVICON,
        swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True, "tryItOutEnabled": False})
