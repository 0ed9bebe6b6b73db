"""`GET /api/v1/health`: is the server up and its database reachable and current (no login)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from central.api.deps import SessionDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str
    schema_revision: str | None


@router.get("/health", response_model=Health, summary="服务状态 / health check")
def health(request: Request, session: SessionDep) -> Health:
    session.execute(text("select 1"))
    return Health(status="ok", database=session.get_bind().dialect.name,
                  schema_revision=request.app.state.schema_revision)
