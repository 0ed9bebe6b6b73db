"""The FastAPI application: `create_app(db_url)` wires the database, routers and error handlers.

To add a domain's API, import its router here and append it to ROUTERS; every router is mounted
under /api/v1 (imports, not module-name strings, so a reader can jump from here to each endpoint).
Routers stay thin: they validate, call a service, return.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from central.api import health as api_health
from central.api.errors import ERROR_RESPONSES, AnswerUnexpectedErrors, install_error_handlers
from central.api.gate import RequestGate
from central.api.query import RejectRepeatedQuery
from central.attachments import api as attachments_api
from central.audit import api as audit_api
from central.audit.context import AuditContext
from central.auth import api as auth_api
from central.auth.guesses import DEVICE, ENROLMENT, GuessGuard
from central.auth.login_guard import LoginGuard
from central.catalog import api as catalog_api
from central.console.routes import install as install_console
from central.counts import api as counts_api
from central.customers import api as customers_api
from central.db import get_engine, get_read_engine, make_sessionmaker
from central.excel import api as excel_api
from central.field import api as field_api
from central.finance import api as finance_api
from central.inventory import api as inventory_api
from central.kits import api as kits_api
from central.loans import api as loans_api
from central.members import api as members_api
from central.migrations import check_up_to_date, head_revision
from central.orders import api as orders_api
from central.org import api as org_api
from central.pricing import api as pricing_api
from central.purchasing import api as purchasing_api
from central.reporting import api as reporting_api
from central.reporting import field_api as reporting_field_api
from central.reporting import stock_api as reporting_stock_api
from central.review import api as review_api
from central.sales import api as sales_api
from central.sales import lookup_api as sales_lookup_api
from central.stored_value import api as stored_value_api
from central.syncing import api as syncing_api
from central.tables import import_all_models
from central.users import api as users_api
from central.vouchers import api as vouchers_api

API_PREFIX = "/api/v1"

ROUTERS: list[APIRouter] = [
    # one line per domain router, mounted under /api/v1.
    # The catalogue comes first: FastAPI tries routers in this order (a regex pass over every route
    # of each, twice), and GET /products/by-barcode is the hottest request by far; being 5th cost
    # ~0.15 ms of CPU per lookup. None of its paths (/categories, /brands, /suppliers, /products)
    # overlaps those of the routers it precedes (/health, /auth, /organisation, /stores, /warehouses,
    # /terminals, /enrolment-codes, /enroll, /devices, /users).
    catalog_api.router,
    api_health.router,
    auth_api.router,
    org_api.router,
    users_api.router,
    pricing_api.router,
    syncing_api.router,
    members_api.router,
    customers_api.router,
    inventory_api.router,
    sales_api.router,
    sales_lookup_api.router,
    finance_api.router,
    reporting_api.router,
    review_api.router,
    audit_api.router,
    stored_value_api.router,
    vouchers_api.router,
    purchasing_api.router,
    excel_api.router,
    reporting_stock_api.router,
    kits_api.router,
    orders_api.router,
    field_api.router,
    attachments_api.router,
    reporting_field_api.router,
    counts_api.router,
    loans_api.router,
]


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
    app.state.login_guard = LoginGuard()  # back-offs and password-check workers (central/auth/login_guard.py)
    app.state.device_guesses = GuessGuard(DEVICE)  # back-off for wrong device credentials (central/auth/guesses.py)
    app.state.enrolment_guesses = GuessGuard(ENROLMENT)  # … and for wrong enrolment codes
    install_error_handlers(app)
    # outermost last: the client address is known everywhere, every exception is answered (keeping
    # the connection), nothing reads a body before the gate authenticated and bounded it
    app.add_middleware(RejectRepeatedQuery, fastapi_app=app)
    app.add_middleware(RequestGate, fastapi_app=app)
    app.add_middleware(AnswerUnexpectedErrors)
    app.add_middleware(AuditContext)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX, responses=ERROR_RESPONSES)
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
