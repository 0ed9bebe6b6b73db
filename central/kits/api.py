"""Kits API (拆组): templates, and assembly/disassembly documents that move stock and cost."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from central.api.deps import IdPath, IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import Code, Name, OptLong, RefId, Strict
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.errors import not_found
from central.inventory.quantities import from_milli
from central.kits import service
from central.kits.models import KitDocument, KitTemplate
from central.org.models import Warehouse

router = APIRouter(tags=["kits 拆组"])

Reader = Annotated[Principal, require(P.INVENTORY_READ, devices=False)]
Writer = Annotated[Principal, require(P.INVENTORY_WRITE, devices=False)]
Designer = Annotated[Principal, require(P.CATALOG_WRITE, devices=False)]


class ComponentIn(Strict):
    product_id: RefId
    qty: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3, description="base units in one kit")]


class TemplateIn(Strict):
    code: Code
    name: Name
    product_id: RefId
    kind: Literal["kit", "repack"] = "kit"
    explode_on_sale: bool = Field(default=False, description="a kit sold takes its components out of stock")
    note: OptLong = None
    components: list[ComponentIn] = Field(min_length=1, max_length=100)


class TemplatePatch(Strict):
    active: bool | None = None
    explode_on_sale: bool | None = None
    name: Name | None = None


class ComponentOut(BaseModel):
    product_id: int
    qty: Decimal


class TemplateOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    product_id: int
    explode_on_sale: bool
    active: bool
    note: str | None
    components: list[ComponentOut]


class DocumentIn(Strict):
    template_id: RefId
    warehouse_id: RefId
    direction: Literal["assembly", "disassembly"]
    qty: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=0, description="whole kits")]
    note: OptLong = None


class DocumentOut(BaseModel):
    id: int
    no: str
    template_id: int
    warehouse_id: int
    direction: str
    qty: Decimal
    value_fen: int | None
    note: str | None
    negative_stock: list[dict[str, int]] = []


def _template_out(session: Any, t: KitTemplate) -> TemplateOut:
    return TemplateOut(id=t.id, code=t.code, name=t.name, kind=t.kind, product_id=t.product_id,
                       explode_on_sale=t.explode_on_sale, active=t.active, note=t.note,
                       components=[ComponentOut(product_id=c.product_id, qty=from_milli(c.qty_m))
                                   for c in service.components_of(session, t.id)])


def _document_out(d: KitDocument, warnings: list[Any] | None = None) -> DocumentOut:
    return DocumentOut(id=d.id, no=d.no, template_id=d.template_id, warehouse_id=d.warehouse_id,
                       direction=d.direction, qty=from_milli(d.qty_m), value_fen=d.value_fen, note=d.note,
                       negative_stock=[w.__dict__ for w in warnings or []])


@router.get("/kits/templates", response_model=Page[TemplateOut], summary="组合模板 / kit templates")
def list_templates(session: SessionDep, _who: Reader, page: PageDep) -> Any:
    return paginate(session, select(KitTemplate).order_by(KitTemplate.code), page,
                    lambda t: _template_out(session, t))


@router.post("/kits/templates", response_model=TemplateOut, status_code=201,
             summary="新建组合模板 / a gift box of N items, or a bulk unit re-packed")
def post_template(body: TemplateIn, session: SessionDep, who: Designer) -> Any:
    t = service.create_template(session, actor=who, code=body.code, name=body.name, product_id=body.product_id,
                                kind=body.kind, explode_on_sale=body.explode_on_sale, note=body.note,
                                components=[service.ComponentIn(c.product_id, c.qty) for c in body.components])
    return _template_out(session, t)


@router.patch("/kits/templates/{template_id}", response_model=TemplateOut, summary="修改组合模板 / change a template")
def patch_template(template_id: IdPath, body: TemplatePatch, session: SessionDep, who: Designer) -> Any:
    from central.audit.service import record

    t = session.get(KitTemplate, template_id)
    if t is None:
        raise not_found("组合模板", "kit template", "template_id", template_id)
    before = {"active": t.active, "explode_on_sale": t.explode_on_sale, "name": t.name}
    for name, value in body.model_dump(exclude_none=True).items():
        setattr(t, name, value)
    session.flush()
    record(session, actor=who, action="kit_template.update", entity_type="kit_template", entity_id=t.code,
           before=before, after={"active": t.active, "explode_on_sale": t.explode_on_sale, "name": t.name})
    return _template_out(session, t)


@router.post("/kits/documents", response_model=DocumentOut, status_code=201,
             summary="组装 / 拆卸 — assemble kits from components, or take kits apart")
def post_document(body: DocumentIn, session: SessionDep, who: Writer) -> Any:
    wh = session.get(Warehouse, body.warehouse_id)
    if wh is None:
        raise not_found("仓库", "warehouse", "warehouse_id", body.warehouse_id)
    who.check_store(wh.store_id, "warehouse_id")
    move = service.assemble if body.direction == "assembly" else service.disassemble
    done = move(session, actor=who, template_id=body.template_id, warehouse_id=body.warehouse_id, qty=body.qty,
                note=body.note)
    return _document_out(done.document, done.warnings)


@router.get("/kits/documents", response_model=Page[DocumentOut], summary="组装拆卸单 / assembly documents")
def list_documents(session: SessionDep, who: Reader, page: PageDep, template_id: IdQuery = None) -> Any:
    stmt = select(KitDocument).order_by(KitDocument.id.desc())
    if who.store_id is not None:
        stmt = stmt.join(Warehouse, Warehouse.id == KitDocument.warehouse_id).where(Warehouse.store_id == who.store_id)
    if template_id is not None:
        stmt = stmt.where(KitDocument.template_id == template_id)
    return paginate(session, stmt, page, _document_out)
