"""Customers from a spreadsheet (matched by 客户编码), through the customers service.

The same rules as the API: `CustomerIn` per row, the rep must be a sales rep, the group and price
list must exist (here named by login name and code, as the export writes them). A changed
customer goes through `service.update_customer`, so each field that changes lands in the
customer's field history (source `console`, the importing user) exactly as an edit in the console
would, and tablets pull the change through the feed. Customer lists are thousands of rows, so
the per-row service is fast enough and keeps one home for the rules.

A column left out of the file keeps each customer's value; an empty cell clears a text field (and
the rep, group, price list, tags), while an empty credit limit, credit days or 启用 keeps the value
(a new customer takes the defaults: no credit, active). Sales reps may not import (see
`importing.authorize`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.auth.principal import Principal, UserPrincipal
from central.auth.roles import Permission
from central.customers import service
from central.customers.models import Customer, customer_dict
from central.customers.schemas import CustomerIn
from central.errors import DomainError
from central.excel.columns import Column
from central.excel.importing import Applied, Reporter, read_cells, validation_problems
from central.excel.lists import CUSTOMER_COLUMNS
from central.excel.reader import Row, Table
from central.pricing.models import CustomerGroup, PriceList
from central.users.models import User

KEEP_WHEN_EMPTY = ("credit_limit_fen", "credit_days", "active")
"""Columns whose empty cell keeps the customer's value rather than clearing it."""
_REFERENCES = {"rep": ("rep_id", "业务员", "sales rep"), "group": ("group_id", "客户分组", "customer group"),
               "price_list": ("price_list_id", "价目表", "price list")}
_COLUMN_OF_FIELD = {"rep_id": "rep", "group_id": "group", "price_list_id": "price_list"}


class CustomerImporter:
    kind = "customers"
    title = "客户"
    permission = Permission.CUSTOMERS_WRITE
    columns: Sequence[Column] = CUSTOMER_COLUMNS
    extra: Sequence[Column] = ()

    def begin(self, session: Session, who: Principal | None, table: Table, report: Reporter) -> None:
        self.table, self.who = table, who
        self.user_id = who.user_id if isinstance(who, UserPrincipal) else None
        self.known = {
            "rep": dict(session.execute(select(User.username, User.id).where(User.role == "sales_rep")).all()),
            "group": dict(session.execute(select(CustomerGroup.code, CustomerGroup.id)).all()),
            "price_list": dict(session.execute(select(PriceList.code, PriceList.id)).all()),
        }
        self.codes: dict[str, int] = {}

    def parse(self, row: Row, report: Reporter) -> tuple[int, str, dict[str, Any]] | None:
        values = read_cells(row, self.table, report)
        if values is None:
            return None
        code = values["code"]
        first = self.codes.setdefault(code, row.number)
        if first != row.number:
            report(row.number, "code", f"客户编码重复：{code} 已在第 {first} 行",
                   f"customer code {code} repeats: already on row {first}")
            return None
        fields: dict[str, Any] = {}
        ok = True
        for name, value in values.items():
            if name in _REFERENCES:
                field, what, what_en = _REFERENCES[name]
                if value is not None and value not in self.known[name]:
                    report(row.number, name, f"没有这个{what}：{value}", f"no such {what_en}: {value}")
                    ok = False
                fields[field] = self.known[name].get(value) if value is not None else None
            elif value is None and name in KEEP_WHEN_EMPTY:
                continue
            else:
                fields[name] = value
        if not ok:
            return None
        try:
            checked = CustomerIn.model_validate({k: v for k, v in fields.items() if k != "active"})
        except ValidationError as exc:
            validation_problems(exc, row.number, report,
                                lambda loc: _COLUMN_OF_FIELD.get(str(loc[0]), str(loc[0])) if loc else None)
            return None
        fields.update({k: v for k, v in checked.model_dump().items() if k in fields})
        return row.number, fields["code"], fields

    def apply(self, session: Session, records: list[tuple[int, str, dict[str, Any]]], report: Reporter, *,
              write: bool) -> Applied:
        out = Applied()
        existing = {c.code: c for c in session.scalars(select(Customer).where(
            Customer.code.in_([code for _n, code, _f in records])))}
        write = write and not report.bad
        changes: list[tuple[int, dict[str, Any] | None, dict[str, Any]]] = []
        for number, code, fields in records:
            customer = existing.get(code)
            if customer is None:
                if write:
                    try:
                        made = service.create_customer(session, self.who, **fields)
                    except DomainError as exc:
                        report.error(number, _COLUMN_OF_FIELD.get(exc.field or "", exc.field), exc)
                        write = False
                        continue
                    out.created.append(str(made.id))
                    changes.append((made.id, None, customer_dict(made)))
                else:
                    out.created.append(code)
                continue
            before = customer_dict(customer)
            changed = {k: v for k, v in fields.items() if k != "code" and before[k] != v}
            if not changed:
                out.unchanged += 1
                continue
            if write:
                try:
                    service.update_customer(session, customer, self.who, self.user_id, changed)
                except DomainError as exc:
                    report.error(number, _COLUMN_OF_FIELD.get(exc.field or "", exc.field), exc)
                    write = False
                    continue
                changes.append((customer.id, {k: before[k] for k in changed}, changed))
            out.updated.append(str(customer.id) if write else code)
        if write and not report.bad:
            audit.record_many(session, actor=report.who, action="customer.import", entity_type="customer",
                              changes=changes, reason=report.reason)
        return out
