"""The FastAPI application: `create_app(db_url)` wires the database, routers and error handlers.

To add a domain's API, append one line to ROUTERS ("module:attribute" of an APIRouter); every
router is mounted under /api/v1. Routers stay thin: they validate, call a service, return.
"""

from __future__ import annotations

import importlib

from fastapi import APIRouter, FastAPI

from central.api.errors import ERROR_RESPONSES, AnswerUnexpectedErrors, install_error_handlers
from central.api.gate import RequestGate
from central.api.query import RejectRepeatedQuery
from central.audit.context import AuditContext
from central.db import get_engine, get_read_engine, import_all_models, make_sessionmaker
from central.migrations import check_up_to_date, head_revision

API_PREFIX = "/api/v1"

ROUTERS: list[str] = [
    # one line per domain router, mounted under /api/v1.
    # The catalogue comes first: FastAPI tries routers in this order (a regex pass over every route
    # of each, twice), and GET /products/by-barcode is the hottest request by far; being 5th cost
    # ~0.15 ms of CPU per lookup. None of its paths (/categories, /brands, /suppliers, /products)
    # overlaps those of the routers it precedes (/health, /auth, /organisation, /stores, /warehouses,
    # /terminals, /enrolment-codes, /enroll, /devices, /users).
    "central.catalog.api:router",
    "central.api.health:router",
    "central.auth.api:router",
    "central.org.api:router",
    "central.users.api:router",
    "central.pricing.api:router",
    "central.syncing.api:router",
    "central.members.api:router",
    "central.customers.api:router",
    "central.inventory.api:router",
    "central.sales.api:router",
    "central.sales.lookup_api:router",
    "central.finance.api:router",
    "central.reporting.api:router",
    "central.review.api:router",
    "central.audit.api:router",
    "central.stored_value.api:router",
    "central.vouchers.api:router",
    "central.purchasing.api:router",
    "central.excel.api:router",
    "central.reporting.stock_api:router",
    "central.kits.api:router",
    "central.orders.api:router",
    "central.field.api:router",
    "central.attachments.api:router",
    "central.reporting.field_api:router",
    "central.counts.api:router",
    "central.loans.api:router",
]


def _load_router(spec: str) -> APIRouter:
    module_name, _, attr = spec.partition(":")
    router = getattr(importlib.import_module(module_name), attr or "router")
    assert isinstance(router, APIRouter), f"{spec} is not an APIRouter"
    return router


def create_app(db_url: str, *, check_schema: bool = True) -> FastAPI:
    """The app serving `db_url`; refuses (SchemaOutOfDate) a database that is not migrated to head."""
    import_all_models()
    engine = get_engine(db_url)
    if check_schema:
        check_up_to_date(engine)
    app = FastAPI(
        title="POS Central 门店收银总部",
        version="1.0",
        description="Head-office API: organisation, catalogue, prices, members, customers, stock, sales, "
                    "sync. Errors: `{\"error\": {\"code\", \"message\", \"message_en\", \"field\"}}`.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served by the console from central's own static files (works offline)
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.read_engine = read_engine = get_read_engine(db_url)  # single-statement reads of hot paths
    # reads that may run on the event loop: a file SQLite database through its own read engine
    app.state.read_inline = read_engine is not engine and read_engine.dialect.name == "sqlite"
    app.state.db_url = db_url
    app.state.schema_revision = head_revision()
    install_error_handlers(app)
    # outermost last: the client address is known everywhere, every exception is answered (keeping
    # the connection), nothing reads a body before the gate authenticated and bounded it
    app.add_middleware(RejectRepeatedQuery, fastapi_app=app)
    app.add_middleware(RequestGate, fastapi_app=app)
    app.add_middleware(AnswerUnexpectedErrors)
    app.add_middleware(AuditContext)
    for spec in ROUTERS:
        app.include_router(_load_router(spec), prefix=API_PREFIX, responses=ERROR_RESPONSES)
    from central.console.routes import install as install_console

    install_console(app)  # the head-office console at /, its static files, and /docs
    return app


GC_GEN0_THRESHOLD = 50_000
"""Allocations between two young-generation collections in a server worker (Python's default: 700).

A push batch holds ~100,000 short-lived objects (parsed events, validated payloads, rows) for the
~100 ms it takes; at the default threshold the collector walked them again and again and promoted
them into older generations it then walked too: ~35 µs of collector work per sale, a sixth of
the push path's CPU. With 50,000, nearly all of a batch's objects are freed by reference counting
before a collection sees them (measured: ~1 µs per sale); cycles are still collected, just later."""


def app_from_env() -> FastAPI:
    """App factory for uvicorn workers: the database comes from POS_DATABASE_URL (set by `serve`)."""
    import gc

    from central.settings import resolve_db_url

    app = create_app(resolve_db_url())
    # Everything built so far (modules, routes, pydantic schemas, mapped classes) lives as long as the
    # worker; freezing it keeps the cyclic collector from walking it again on every full collection,
    # which cost ~15% of a worker's CPU under push load. Objects made later are collected as usual.
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)
    return app
