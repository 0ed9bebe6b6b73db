"""Kits and re-packing (拆组): templates, assembly and disassembly.

Assembly takes the components out of the warehouse at their average cost and puts the kits in at
exactly what the components cost; disassembly takes kits out at the kit's average cost and puts
the components back, that cost split over them in proportion to what each is worth now (its
average cost × quantity; by quantity where no cost is known). Both warehouses' rows are locked
first, then the way out is posted and the way in valued from it (central/inventory/ledger.py).

A template with `explode_on_sale` makes the ledger itself take a kit sold (at the till, or
delivered) out as its components: see `central.inventory.ledger.post`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.audit.service import record
from central.auth.principal import Principal, UserPrincipal
from central.catalog.models import Product
from central.costing.average import allocate, round_div
from central.db import utcnow
from central.errors import Conflict, Invalid, not_found
from central.inventory.ledger import Movement, NegativeStock, cost_state, lock, post
from central.inventory.quantities import MILLI
from central.kits.models import KitComponent, KitDocument, KitTemplate
from central.org.models import Warehouse
from sync.quantity import to_milli


@dataclass(frozen=True)
class ComponentIn:
    product_id: int
    qty: Decimal
    """Base units of the component in one kit."""


def _user(actor: Principal | None) -> int | None:
    return actor.user_id if isinstance(actor, UserPrincipal) else None


def create_template(session: Session, *, actor: Principal | None, code: str, name: str, product_id: int,
                    components: Sequence[ComponentIn], kind: str = "kit", explode_on_sale: bool = False,
                    note: str | None = None) -> KitTemplate:
    if kind not in ("kit", "repack"):
        raise Invalid(f"未知的组合类型 {kind}", f"unknown kit kind {kind}", code="kind", field="kind")
    if not components:
        raise Invalid("组合没有组件", "a kit needs components", code="no_components", field="components")
    ids = [c.product_id for c in components]
    if len(set(ids)) != len(ids):
        raise Invalid("组件重复", "a component is listed twice", code="duplicate_component", field="components")
    if product_id in ids:
        raise Invalid("组合商品不能是自己的组件", "a kit cannot be its own component", code="kit_in_itself",
                      field="components")
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_([product_id, *ids])))}
    if product_id not in products:
        raise not_found("商品", "product", "product_id", product_id)
    for i, c in enumerate(components):
        if c.product_id not in products:
            raise not_found("商品", "product", f"components[{i}].product_id", c.product_id)
        if c.qty <= 0:
            raise Invalid("组件数量必须大于零", "a component's quantity must be positive", code="qty",
                          field=f"components[{i}].qty")
    if session.scalar(select(KitTemplate.id).where(KitTemplate.product_id.in_(ids))) is not None:
        raise Invalid("组件本身是组合商品：不支持多层组合", "a component is itself a kit: kits of kits are not supported",
                      code="nested_kit", field="components")
    if session.scalar(select(KitComponent.template_id).where(KitComponent.product_id == product_id)) is not None:
        raise Invalid("该商品已是其他组合的组件", "the product is a component of another kit", code="nested_kit",
                      field="product_id")
    template = KitTemplate(code=code, name=name, kind=kind, product_id=product_id, explode_on_sale=explode_on_sale,
                           active=True, note=note)
    session.add(template)
    session.flush()
    session.add_all([KitComponent(template_id=template.id, product_id=c.product_id, qty_m=to_milli(c.qty))
                     for c in components])
    session.flush()
    record(session, actor=actor, action="kit_template.create", entity_type="kit_template", entity_id=template.code,
           after={"product_id": product_id, "kind": kind, "explode_on_sale": explode_on_sale,
                  "components": {str(c.product_id): str(c.qty) for c in components}})
    return template


def components_of(session: Session, template_id: int) -> list[KitComponent]:
    return list(session.scalars(select(KitComponent).where(KitComponent.template_id == template_id)
                                .order_by(KitComponent.product_id)))


@dataclass(frozen=True)
class KitPosted:
    document: KitDocument
    warnings: list[NegativeStock]


def assemble(session: Session, *, actor: Principal | None, template_id: int, warehouse_id: int, qty: Decimal,
             note: str | None = None) -> KitPosted:
    """组装: components out, `qty` kits in at what the components cost."""
    return _move(session, actor=actor, template_id=template_id, warehouse_id=warehouse_id, qty=qty, note=note,
                 direction="assembly")


def disassemble(session: Session, *, actor: Principal | None, template_id: int, warehouse_id: int, qty: Decimal,
                note: str | None = None) -> KitPosted:
    """拆卸 / 拆包: `qty` kits out, the components back in at the kits' cost."""
    return _move(session, actor=actor, template_id=template_id, warehouse_id=warehouse_id, qty=qty, note=note,
                 direction="disassembly")


def _move(session: Session, *, actor: Principal | None, template_id: int, warehouse_id: int, qty: Decimal,
          note: str | None, direction: str) -> KitPosted:
    template = session.get(KitTemplate, template_id)
    if template is None:
        raise not_found("组合模板", "kit template", "template_id", template_id)
    if not template.active:
        raise Conflict(f"组合模板已停用：{template.code}", f"kit template {template.code} is inactive",
                       code="template_inactive", field="template_id")
    wh = session.get(Warehouse, warehouse_id)
    if wh is None:
        raise not_found("仓库", "warehouse", "warehouse_id", warehouse_id)
    if qty <= 0 or qty != qty.to_integral_value():
        raise Invalid("组装/拆卸数量必须是正整数", "kits are assembled and taken apart in whole units", code="qty",
                      field="qty")
    kits_m = to_milli(qty)
    parts = components_of(session, template.id)
    now = utcnow()
    doc = KitDocument(no=f"KT-{now.timestamp():.6f}", template_id=template.id, warehouse_id=warehouse_id,
                      direction=direction, qty_m=kits_m, created_at=now, created_by=_user(actor), note=note)
    session.add(doc)
    session.flush()
    doc.no = f"{'KA' if direction == 'assembly' else 'KD'}{now:%Y%m%d}-{doc.id:05d}"
    lock(session, [warehouse_id], [template.product_id, *(c.product_id for c in parts)])

    def movement(product_id: int, qty_m: int, line: int, value: int | None = None) -> Movement:
        return Movement(warehouse_id=warehouse_id, product_id=product_id, kind=direction, qty_m=qty_m,
                        source_type="kit", source_id=doc.no, source_line=line, occurred_at=now, value_fen=value,
                        user_id=_user(actor), note=f"{template.code} {template.name}"[:200])

    component_qty = [round_div(kits_m * c.qty_m, MILLI) for c in parts]
    if direction == "assembly":
        way_out = post(session, [movement(c.product_id, -q, i) for i, (c, q) in
                                 enumerate(zip(parts, component_qty, strict=True), start=1)], recorded_at=now)
        cost = None if any(v is None for v in way_out.values) else -sum(v or 0 for v in way_out.values)
        way_in = post(session, [movement(template.product_id, kits_m, 0, cost)], recorded_at=now)
        doc.value_fen = cost
    else:
        way_out = post(session, [movement(template.product_id, -kits_m, 0)], recorded_at=now)
        kit_value = way_out.values[0]
        shares: list[int | None] = [None] * len(parts)
        if kit_value is not None:
            weights = []
            for c, q in zip(parts, component_qty, strict=True):
                avg = cost_state(session, warehouse_id, c.product_id).unit_cost_mfen
                weights.append(q * avg // MILLI if avg is not None else q)
            shares = list(allocate(-kit_value, weights))
        way_in = post(session, [movement(c.product_id, q, i, share) for i, (c, q, share) in
                                enumerate(zip(parts, component_qty, shares, strict=True), start=1)], recorded_at=now)
        doc.value_fen = None if kit_value is None else -kit_value
    session.flush()
    record(session, actor=actor, action=f"kit.{direction}", entity_type="kit_document", entity_id=doc.no,
           after={"template": template.code, "warehouse_id": warehouse_id, "qty": str(qty), "value_fen": doc.value_fen})
    warnings = sorted(way_out.warnings + way_in.warnings, key=lambda w: (w.warehouse_id, w.product_id))
    return KitPosted(doc, warnings)
