"""Catalogue API: categories (and the tree), brands, suppliers, products, lookup by barcode."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from central.api.deps import IdPath, IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import changes_of
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.catalog import lookup, service
from central.catalog.models import Brand, Category, Supplier
from central.catalog.schemas import (
    BrandIn,
    BrandOut,
    BrandPatch,
    CategoryIn,
    CategoryNode,
    CategoryOut,
    CategoryPatch,
    ProductIn,
    ProductOut,
    ProductPatch,
    SupplierIn,
    SupplierOut,
    SupplierPatch,
)

router = APIRouter(tags=["catalog 商品"])

Reader = Annotated[Principal, require(P.CATALOG_READ)]
Writer = Annotated[Principal, require(P.CATALOG_WRITE, devices=False)]
Search = Annotated[str | None, Query(max_length=50, description="SKU, name, pinyin initials or barcode")]


# ---------------------------------------------------------------- categories

@router.get("/categories", response_model=Page[CategoryOut], summary="分类列表 / categories")
def list_categories(session: SessionDep, _who: Reader, page: PageDep, parent_id: IdQuery = None,
                    roots: Annotated[bool, Query(description="only top-level categories")] = False) -> object:
    stmt = select(Category).order_by(Category.sort_order, Category.code)
    if parent_id is not None:
        stmt = stmt.where(Category.parent_id == parent_id)
    elif roots:
        stmt = stmt.where(Category.parent_id.is_(None))
    return paginate(session, stmt, page, CategoryOut.model_validate)


@router.get("/categories/tree", response_model=list[CategoryNode], summary="分类树 / category tree")
def category_tree(session: SessionDep, _who: Reader) -> list[CategoryNode]:
    rows = session.scalars(select(Category).where(Category.active).order_by(Category.sort_order, Category.code)).all()
    nodes = {c.id: CategoryNode(id=c.id, code=c.code, name=c.name, name_en=c.name_en) for c in rows}
    roots: list[CategoryNode] = []
    for c in rows:
        parent = nodes.get(c.parent_id) if c.parent_id is not None else None
        (parent.children if parent is not None else roots).append(nodes[c.id])
    return roots


@router.post("/categories", response_model=CategoryOut, status_code=201, summary="新建分类")
def create_category(body: CategoryIn, session: SessionDep, _who: Writer) -> object:
    return service.create_category(session, **body.model_dump())


@router.get("/categories/{category_id}", response_model=CategoryOut, summary="分类详情")
def get_category(category_id: IdPath, session: SessionDep, _who: Reader) -> object:
    return service.get_category(session, category_id)


@router.patch("/categories/{category_id}", response_model=CategoryOut, summary="修改分类")
def patch_category(category_id: IdPath, body: CategoryPatch, session: SessionDep, _who: Writer) -> object:
    cat = service.get_category(session, category_id)
    return service.update_category(session, cat, changes_of(body, required=("code", "name", "sort_order", "active")))


# ---------------------------------------------------------------- brands

@router.get("/brands", response_model=Page[BrandOut], summary="品牌列表 / brands")
def list_brands(session: SessionDep, _who: Reader, page: PageDep, q: Search = None) -> object:
    stmt = select(Brand).order_by(Brand.name)
    if q:
        stmt = stmt.where(Brand.name.ilike(f"%{q}%") | Brand.name_en.ilike(f"%{q}%"))
    return paginate(session, stmt, page, BrandOut.model_validate)


@router.post("/brands", response_model=BrandOut, status_code=201, summary="新建品牌")
def create_brand(body: BrandIn, session: SessionDep, _who: Writer) -> object:
    return service.create_brand(session, **body.model_dump())


@router.patch("/brands/{brand_id}", response_model=BrandOut, summary="修改品牌")
def patch_brand(brand_id: IdPath, body: BrandPatch, session: SessionDep, _who: Writer) -> object:
    return service.update_brand(session, service.get_brand(session, brand_id),
                                changes_of(body, required=("name", "active")))


# ---------------------------------------------------------------- suppliers

@router.get("/suppliers", response_model=Page[SupplierOut], summary="供应商列表 / suppliers")
def list_suppliers(session: SessionDep, _who: Reader, page: PageDep, q: Search = None,
                   active: Annotated[bool | None, Query()] = None) -> object:
    stmt = select(Supplier).order_by(Supplier.code)
    if q:
        stmt = stmt.where(Supplier.name.ilike(f"%{q}%") | Supplier.code.ilike(f"{q}%"))
    if active is not None:
        stmt = stmt.where(Supplier.active == active)
    return paginate(session, stmt, page, SupplierOut.model_validate)


@router.post("/suppliers", response_model=SupplierOut, status_code=201, summary="新建供应商")
def create_supplier(body: SupplierIn, session: SessionDep, _who: Writer) -> object:
    return service.create_supplier(session, **body.model_dump())


@router.get("/suppliers/{supplier_id}", response_model=SupplierOut, summary="供应商详情")
def get_supplier(supplier_id: IdPath, session: SessionDep, _who: Reader) -> object:
    return service.get_supplier(session, supplier_id)


@router.patch("/suppliers/{supplier_id}", response_model=SupplierOut, summary="修改供应商")
def patch_supplier(supplier_id: IdPath, body: SupplierPatch, session: SessionDep, _who: Writer) -> object:
    return service.update_supplier(session, service.get_supplier(session, supplier_id),
                                   changes_of(body, required=("code", "name", "active")))


# ---------------------------------------------------------------- products

@router.get("/products", response_model=Page[ProductOut], summary="商品列表 / products (search, filters)")
def list_products(session: SessionDep, _who: Reader, page: PageDep, q: Search = None,
                  category_id: Annotated[int | None, Query(ge=1, le=2_147_483_647,
                                                           description="includes sub-categories")] = None,
                  brand_id: IdQuery = None, supplier_id: IdQuery = None,
                  active: Annotated[bool | None, Query()] = None,
                  weighed: Annotated[bool | None, Query()] = None) -> object:
    categories = service.category_descendants(session, category_id) if category_id is not None else None
    stmt = service.search_products(q=q, category_ids=categories, brand_id=brand_id, supplier_id=supplier_id,
                                   active=active, weighed=weighed)
    return paginate(session, stmt, page, ProductOut.of)


@router.post("/products", response_model=ProductOut, status_code=201, summary="新建商品 (含单位、条码)")
def create_product(body: ProductIn, session: SessionDep, _who: Writer) -> ProductOut:
    data = body.model_dump()
    units = data.pop("units")
    return ProductOut.of(service.create_product(session, units=units, **data))


@router.get("/products/by-barcode/{barcode}", response_model=ProductOut, response_class=JSONResponse,
            summary="按条码查商品 / lookup by barcode")
async def product_by_barcode(barcode: Annotated[str, Path(min_length=1, max_length=32)], request: Request,
                             _who: Reader) -> Response:
    # the hot path (central/catalog/lookup.py): one autocommit statement on the read engine, the body
    # serialised from the row (the same bytes as ProductOut), the caller from the auth cache. An
    # embedded SQLite read (tens of µs, never waits for writers under WAL) runs on the event loop:
    # handing it to a thread costs more than the query; a database over the network gets a thread.
    state = request.app.state
    if state.read_inline:
        body = lookup.product_json_by_barcode(state.read_engine, barcode)
    else:
        body = await run_in_threadpool(lookup.product_json_by_barcode, state.read_engine, barcode)
    return Response(body, media_type="application/json")


@router.get("/products/{product_id}", response_model=ProductOut, summary="商品详情")
def get_product(product_id: IdPath, session: SessionDep, _who: Reader) -> ProductOut:
    return ProductOut.of(service.get_product(session, product_id))


@router.patch("/products/{product_id}", response_model=ProductOut, summary="修改商品 / change a product (only the fields given; a unit's price needs pricing.write)")
def patch_product(product_id: IdPath, body: ProductPatch, session: SessionDep, who: Writer) -> ProductOut:
    product = service.get_product(session, product_id)
    changes = changes_of(body, required=("sku", "name", "tax_rate_bp", "weighed", "shelf_life_tracked", "active",
                                         "units"))
    return ProductOut.of(service.update_product(session, product, changes, who))
