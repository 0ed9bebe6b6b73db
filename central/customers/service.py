"""Head-office and rep work on customers: create, edit with history (orders: `central.orders`)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from central.auth.principal import Principal
from central.customers.history import apply_field_changes
from central.customers.models import REP_EDITABLE_FIELDS, Customer, CustomerFieldChange, CustomerType
from central.db import utcnow
from central.errors import Conflict, Forbidden, Invalid, not_found
from central.pricing.models import CustomerGroup, PriceList
from central.users.models import User
from sync.field import CustomerStatus

S = TypeVar("S", bound=Select[*tuple[Any, ...]])  # any select, whatever its columns


def search_customers(who: Principal, *, q: str | None = None, region: str | None = None, rep_id: int | None = None,
                     group_id: int | None = None, active: bool | None = None, status: str | None = None,
                     customer_type: str | None = None) -> Select[Customer]:
    """A select of the customers `who` may see matching the filters (a rep: their own only). `q` is an
    exact code, part of the name, contact or phone, or the name's pinyin initials (华联超市 → hlcs)."""
    stmt = scope_customers(select(Customer), who, Customer.id)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Customer.code == q, Customer.name.like(like), Customer.contact_name.like(like),
                              Customer.contact_phone.like(like), Customer.name_pinyin.like(f"{q.lower()}%")))
    if region:
        stmt = stmt.where(Customer.region == region)
    if rep_id is not None:
        stmt = stmt.where(Customer.rep_id == rep_id)
    if group_id is not None:
        stmt = stmt.where(Customer.group_id == group_id)
    if active is not None:
        stmt = stmt.where(Customer.active == active)
    if status is not None:
        stmt = stmt.where(Customer.status == status)
    if customer_type is not None:
        stmt = stmt.where(Customer.customer_type == customer_type)
    return stmt


def visible_customer_ids(who: Principal) -> Select[Any] | None:
    """The ids of the customers `who` may see, or None for every customer.

    A customer belongs to a store through its rep (the rep's home store): a rep (user or tablet) sees
    their own customers; a store-scoped user (store manager) the customers of their store's reps;
    head-office roles every customer."""
    if who.rep_id is not None:
        return select(Customer.id).where(Customer.rep_id == who.rep_id)
    if who.store_id is not None:
        return (select(Customer.id).join(User, User.id == Customer.rep_id)
                .where(User.store_id == who.store_id))
    return None


def scope_customers(stmt: S, who: Principal, customer_column: Any) -> S:
    """`stmt` limited to rows whose `customer_column` is a customer `who` may see."""
    visible = visible_customer_ids(who)
    return stmt if visible is None else stmt.where(customer_column.in_(visible))


def rep_visible(session: Session, who: Principal, rep_id: int) -> bool:
    """May `who` see this rep's work (route, targets, figures)? A rep: only their own; a store-scoped
    user: their store's reps."""
    if who.rep_id is not None:
        return who.rep_id == rep_id
    if who.store_id is not None:
        return session.scalar(select(User.store_id).where(User.id == rep_id)) == who.store_id
    return True


def get_customer(session: Session, customer_id: int, who: Principal | None = None) -> Customer:
    """The customer, if `who` may see it (`visible_customer_ids`); others read as not found."""
    customer = session.get(Customer, customer_id)
    visible = visible_customer_ids(who) if who is not None else None
    if customer is None or (visible is not None and session.scalar(
            visible.where(Customer.id == customer_id)) is None):
        raise not_found("客户", "customer", "customer_id", customer_id)
    return customer


def _check_refs(session: Session, fields: dict[str, Any]) -> None:
    if fields.get("rep_id") is not None:
        rep = session.get(User, fields["rep_id"])
        if rep is None or rep.role != "sales_rep":
            raise Invalid("业务员不存在", "no such sales rep", code="rep_not_found", field="rep_id")
    if fields.get("group_id") is not None and session.get(CustomerGroup, fields["group_id"]) is None:
        raise not_found("客户分组", "customer group", "group_id", fields["group_id"])
    if fields.get("price_list_id") is not None and session.get(PriceList, fields["price_list_id"]) is None:
        raise not_found("价目表", "price list", "price_list_id", fields["price_list_id"])
    if fields.get("customer_type") is not None and session.get(CustomerType, fields["customer_type"]) is None:
        raise not_found("客户类型", "customer type", "customer_type", fields["customer_type"])
    if fields.get("parent_id") is not None and session.get(Customer, fields["parent_id"]) is None:
        raise not_found("上级客户", "parent customer", "parent_id", fields["parent_id"])
    if "code" in fields and session.scalar(select(Customer.id).where(Customer.code == fields["code"])) is not None:
        raise Conflict(f"客户编码已存在：{fields['code']}", f"customer code {fields['code']} already exists",
                       code="duplicate", field="code")


def create_customer(session: Session, who: Principal | None, **fields: Any) -> Customer:
    """A new customer; a rep's new customer is theirs (`who` None: a command, not a person)."""
    if who is not None and who.rep_id is not None:
        fields["rep_id"] = who.rep_id
    _check_refs(session, fields)
    customer = Customer(**{**{"tags": []}, **fields})
    session.add(customer)
    session.flush()
    return customer


def update_customer(session: Session, customer: Customer, who: Principal | None, user_id: int | None,
                    changes: dict[str, Any]) -> list[CustomerFieldChange]:
    """Edit fields one by one into the history; reps may only touch contact fields and notes."""
    rep = who is not None and who.rep_id is not None
    if rep:
        denied = sorted(set(changes) - set(REP_EDITABLE_FIELDS))
        if denied:
            raise Forbidden(f"业务员不能修改 {denied[0]}", f"a rep may not change {denied[0]}",
                            code="field_not_editable", field=denied[0])
    if "code" in changes and changes["code"] == customer.code:
        changes.pop("code")
    if changes.get("parent_id") is not None and changes["parent_id"] == customer.id:
        raise Invalid("客户不能是自己的上级", "a customer cannot be its own head office", code="parent_self",
                      field="parent_id")
    if customer.status == CustomerStatus.PENDING and changes.get("credit_limit_fen") and "status" not in changes:
        changes["status"] = CustomerStatus.ACTIVE.value  # head office set its credit: reviewed
    _check_refs(session, changes)
    return apply_field_changes(session, customer, changes, source="rep" if rep else "console",
                               edited_at=utcnow(), user_id=user_id)
