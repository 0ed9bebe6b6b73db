"""Mounting the console on the central app: static files, `/docs`, and every area's router.

An area is one module `central/console/<area>.py` (its routes) with its templates under
`templates/<area>/`; to add one, import its router here and append it to AREAS (one line), and
append its navigation entry to `central.console.web.NAV` in the module itself.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from central.console import (
    admin,
    assets,
    catalog,
    costs,
    customers,
    dashboard,
    docs,
    excel,
    home,
    members,
    prices,
    promotions,
    purchasing,
    reports,
    sales,
    session,
    stock,
    stored_value,
    syncing,
    terminals,
    vouchers,
)

AREAS: list[APIRouter] = [
    session.router,
    home.router,
    vouchers.router,
    stored_value.router,
    excel.router,
    dashboard.router,
    reports.router,
    catalog.router,
    prices.router,
    promotions.router,
    members.router,
    customers.router,
    sales.router,
    stock.router,
    terminals.router,
    syncing.router,
    admin.router,
    purchasing.router,
    costs.router,
]


class _StaticFiles(StaticFiles):
    """Static files with a long cache life: vendored paths carry their version, ours change rarely."""

    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers.setdefault("Cache-Control", "public, max-age=86400")
        return response


def install(app: FastAPI) -> None:
    """Serve the console at `/`, its assets at `/static`, and the offline Swagger UI at `/docs`."""
    app.mount(assets.STATIC_PREFIX, _StaticFiles(directory=assets.STATIC_DIR), name="static")
    app.include_router(docs.router)
    for router in AREAS:
        app.include_router(router)
