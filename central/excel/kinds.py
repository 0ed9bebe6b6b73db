"""Which lists can be exported and which kinds imported: one table each, for the CLI, the API and
the console alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from central.auth.principal import Principal
from central.auth.roles import Permission
from central.excel import customers, lists, members, price_lists, products, stock
from central.excel.importing import Importer
from central.excel.writer import Sheet


@dataclass(frozen=True)
class Export:
    """An exportable list: its title, the permission it needs, and how to build its sheets."""

    title: str
    permission: Permission
    sheets: Callable[[Session, date | None, date | None, Principal | None], list[Sheet]]
    """(session, from, to, who reads it: None for a command) → the sheets, rows still lazy; a store's
    staff get their store's rows, a sales rep their own customers."""
    dated: bool = False
    """Needs --from/--to (business days in the store's time zone)."""


def _products(session: Session, _f: date | None, _t: date | None, _who: Principal | None) -> list[Sheet]:
    columns = products.export_columns(session)
    return [Sheet("商品", columns, products.export_rows(session, columns))]


EXPORTS: dict[str, Export] = {
    "products": Export("商品", Permission.CATALOG_READ, _products),
    "customers": Export("客户", Permission.CUSTOMERS_READ, lists.customer_sheets),
    "members": Export("会员", Permission.MEMBERS_READ, lists.member_sheets),
    "stock": Export("库存", Permission.INVENTORY_READ, lists.stock_sheets),
    "sales": Export("销售", Permission.SALES_READ, lists.sales_sheets, dated=True),
    "price-lists": Export("价目表", Permission.PRICING_READ, price_lists.price_list_sheets),
}

IMPORTERS: dict[str, Callable[[], Importer]] = {
    "products": products.ProductImporter,
    "members": members.MemberImporter,
    "customers": customers.CustomerImporter,
    "stock": stock.StockImporter,
    "price-lists": price_lists.PriceListImporter,
}
