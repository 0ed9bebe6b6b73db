"""The start page (`/`): the dashboard for those who may read reports, else the pages this user may open."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from central.auth.roles import Permission as P
from central.console.web import AnyViewer, ConsoleRoute, nav_for, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/")
def start(request: Request, viewer: AnyViewer) -> Response:
    if viewer.can(P.REPORTS_READ) and any(item["url"] == "/dashboard" for item in nav_for(viewer, "/")):
        return RedirectResponse("/dashboard", status_code=303)
    return render(request, viewer, "home.html", pages=nav_for(viewer, "/"))
