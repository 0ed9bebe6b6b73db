"""Price lists (价目表) in and out: one row per price of a product unit in a list.

Each row names its list by 价目表编码 and repeats the list's own columns (name, whom it applies to,
priority, active), so a row filtered or sorted in Excel still says what it is. On import a new
code creates the list (name, 适用于 and 对象编码 needed on its rows), an existing list takes the
list columns the rows give (all rows of one list must agree); each row then sets the price of its
SKU and unit in the list. Prices of a list that the file does not mention are kept, so a file of
the ten prices that changed changes ten prices; `删除 = 是` takes a price out of its list. The
validity window is kept as the list has it (set it in the console or the API).

The rules are the pricing service's: a new list through `create_price_list` (unique code, target
exists), list columns through `update_price_list`, each product and unit must exist, and every
list written must build the shared contract's `PriceList` (what tablets price from). Tablets pull
the changed lists through the change feed (the ORM hooks see every item written).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from central.audit import service as audit
from central.auth.principal import Principal
from central.auth.roles import Permission
from central.catalog.models import Product, ProductUnit
from central.customers.models import Customer
from central.errors import DomainError
from central.excel import cells
from central.excel.cells import CellError
from central.excel.columns import Column, Kind
from central.excel.importing import Applied, Reporter, read_cells, validation_problems
from central.excel.reader import Row, Table
from central.excel.writer import Sheet
from central.pricing import service
from central.pricing.models import CustomerGroup, PriceList, PriceListItem
from central.pricing.schemas import PriceListItemIn, PriceListPatch
from central.syncing.feed import rows_by_keys
from sync.catalog import PriceListScope
from sync.errors import ContractError

SCOPE_LABELS = {PriceListScope.CUSTOMER_GROUP: "客户分组", PriceListScope.CUSTOMER: "客户"}
_SCOPE_WORDS = {"客户分组": PriceListScope.CUSTOMER_GROUP, "分组": PriceListScope.CUSTOMER_GROUP,
                "customergroup": PriceListScope.CUSTOMER_GROUP, "group": PriceListScope.CUSTOMER_GROUP,
                "客户": PriceListScope.CUSTOMER, "customer": PriceListScope.CUSTOMER}

PRICE_LIST_COLUMNS: tuple[Column, ...] = (
    Column("价目表编码", "Price list", key="code", required=True, note="按它匹配已有价目表；新编码即新建"),
    Column("价目表名称", "Price list name", key="name", width=20, note="新价目表必填"),
    Column("适用于", "Applies to", key="scope", note="客户分组 或 客户（新价目表必填）"),
    Column("对象编码", "Group or customer code", key="target", note="客户分组编码或客户编码（新价目表必填）"),
    Column("优先级", "Priority", Kind.INT, key="priority", note="-1000…1000，大的优先"),
    Column("启用", "Active", Kind.BOOL, key="active"),
    Column("商品编码", "SKU", key="sku", required=True),
    Column("单位", "Unit", key="unit", required=True, note="商品的单位代码，如 pc、box"),
    Column("价格（元）", "Price (yuan)", Kind.MONEY, key="price_fen", note="元，最多两位小数"),
)
PRICE_LIST_EXTRA: tuple[Column, ...] = (
    Column("删除", "Remove", Kind.BOOL, key="remove", note="仅导入：是 = 从价目表删除这一商品单位的价格"),
    Column("商品名称", "Product name", key="product_name", width=28, note="仅导出"),
)
LIST_FIELDS = ("name", "scope", "target_id", "priority", "active")
"""The price list's own fields a row may give (besides its code)."""


# ---------------------------------------------------------------------------- export


def price_list_sheets(session: Session, _f: date | None, _t: date | None, _who: Principal | None) -> list[Sheet]:
    """Every price of every list, by list code, SKU and unit (lists without prices have no rows)."""
    groups = dict(session.execute(select(CustomerGroup.id, CustomerGroup.code)).all())
    lists = {pl.id: pl for pl in session.execute(select(PriceList.id, PriceList.code, PriceList.name,
                                                        PriceList.scope, PriceList.target_id, PriceList.priority,
                                                        PriceList.active))}
    customers = dict(rows_by_keys(session, (Customer.id, Customer.code), Customer.id, sorted(
        {pl.target_id for pl in lists.values() if pl.scope == PriceListScope.CUSTOMER})))
    stmt = (select(PriceList.code, Product.sku, PriceListItem.unit_code, PriceListItem.price_fen,
                   PriceListItem.price_list_id, Product.name)
            .join(PriceList, PriceList.id == PriceListItem.price_list_id)
            .join(Product, Product.id == PriceListItem.product_id)
            .order_by(PriceList.code, Product.sku, PriceListItem.unit_code))

    def rows() -> Iterator[tuple[Any, ...]]:
        for code, sku, unit, price, list_id, name in session.execute(stmt.execution_options(yield_per=2000)):
            pl = lists[list_id]
            scope = PriceListScope(pl.scope)
            target = groups.get(pl.target_id) if scope is PriceListScope.CUSTOMER_GROUP else customers.get(pl.target_id)
            yield (code, pl.name, SCOPE_LABELS[scope], target, pl.priority, pl.active, sku, unit, price, None, name)

    return [Sheet("价目表", (*PRICE_LIST_COLUMNS, *PRICE_LIST_EXTRA), rows())]


# ---------------------------------------------------------------------------- import


@dataclass(frozen=True)
class PriceRow:
    row: int
    code: str
    fields: dict[str, Any]
    """The list's own fields this row gives (LIST_FIELDS)."""
    sku: str
    unit: str
    price_fen: int | None
    remove: bool


def read_scope(value: Any) -> PriceListScope | None:
    word = cells.text(value)
    if word is None:
        return None
    found = _SCOPE_WORDS.get(word.replace("_", "").replace(" ", "").casefold())
    if found is None:
        raise CellError(f"应填“客户分组”或“客户”：{word}", f"must be 客户分组 (customer group) or 客户 (customer): {word}")
    return found


_READERS: dict[str, Callable[[Any], Any]] = {"scope": read_scope}


class PriceListImporter:
    kind = "price-lists"
    title = "价目表"
    permission = Permission.PRICING_WRITE
    columns: Sequence[Column] = PRICE_LIST_COLUMNS
    extra: Sequence[Column] = PRICE_LIST_EXTRA

    def begin(self, session: Session, who: Principal | None, table: Table, report: Reporter) -> None:
        self.table = table
        self.targets = {PriceListScope.CUSTOMER_GROUP: dict(session.execute(select(CustomerGroup.code,
                                                                                  CustomerGroup.id)).all()),
                        PriceListScope.CUSTOMER: dict(session.execute(select(Customer.code, Customer.id)).all())}
        self.heads: dict[str, tuple[int, dict[str, Any]]] = {}
        """List code → (first row, the list fields the file gives it): every row of a list must agree."""
        self.seen: dict[tuple[str, str, str], int] = {}
        self.loaded: dict[str, PriceList] = {}
        """Lists read (or created) so far, by code; they stay in the session for later chunks."""
        self.new_codes: set[str] = set()
        """Codes a dry run found new (not created, so later chunks must not look them up)."""
        self.indexes: dict[str, dict[tuple[int, str], PriceListItem]] = {}

    def parse(self, row: Row, report: Reporter) -> PriceRow | None:
        values = read_cells(row, self.table, report, _READERS)
        if values is None:
            return None
        n, code = row.number, values["code"]
        fields: dict[str, Any] = {k: values[k] for k in ("name", "priority", "active") if values.get(k) is not None}
        scope, target = values.get("scope"), values.get("target")
        if scope is not None:
            fields["scope"] = scope
        if target is not None:
            if scope is None:
                report(n, "scope", "填了对象编码，也要填适用于（客户分组 或 客户）",
                       "with a group or customer code, say what it is (客户分组 or 客户)")
                return None
            found = self.targets[scope].get(target)
            if found is None:
                what, what_en = ("客户分组", "customer group") if scope is PriceListScope.CUSTOMER_GROUP else (
                    "客户", "customer")
                report(n, "target", f"没有这个{what}：{target}", f"no such {what_en}: {target}")
                return None
            fields["target_id"] = found
        elif scope is not None:
            report(n, "target", "填了适用于，也要填对象编码", "with 适用于, give the group or customer code")
            return None
        try:
            PriceListPatch.model_validate({"code": code, **fields})
        except ValidationError as exc:
            validation_problems(exc, n, report, lambda loc: {"target_id": "target"}.get(str(loc[0]), str(loc[0]))
                                if loc else None)
            return None
        remove = bool(values.get("remove"))
        price = values.get("price_fen")
        if price is None and not remove:
            report(n, "price_fen", "价格不能为空", "the price is required")
            return None
        first, head = self.heads.setdefault(code, (n, {}))
        for key, value in fields.items():
            if head.setdefault(key, value) != value:
                column = {"target_id": "target"}.get(key, key)
                report(n, column, f"价目表 {code} 的这一列与第 {first} 行不一致",
                       f"this column of price list {code} differs from row {first}")
                return None
        sku, unit = values["sku"], values["unit"]
        earlier = self.seen.setdefault((code, sku, unit), n)
        if earlier != n:
            report(n, "unit", f"价目表 {code} 中 {sku} {unit} 重复：已在第 {earlier} 行",
                   f"{sku} {unit} repeats in price list {code}: already on row {earlier}")
            return None
        return PriceRow(n, code, fields, values["sku"], values["unit"], price, remove)

    def _lists(self, session: Session, codes: set[str]) -> None:
        wanted = sorted(codes - set(self.loaded) - self.new_codes)
        if wanted:
            for pl in session.scalars(select(PriceList).where(PriceList.code.in_(wanted))
                                      .options(selectinload(PriceList.items))):
                self.loaded[pl.code] = pl

    def apply(self, session: Session, records: list[PriceRow], report: Reporter, *, write: bool) -> Applied:
        out = Applied()
        self._lists(session, {r.code for r in records})
        products = dict(rows_by_keys(session, (Product.sku, Product.id), Product.sku, list({r.sku for r in records})))
        units: dict[int, set[str]] = {}
        for pid, code in rows_by_keys(session, (ProductUnit.product_id, ProductUnit.code), ProductUnit.product_id,
                                      list(set(products.values()))):
            units.setdefault(pid, set()).add(code)
        good: list[tuple[PriceRow, int]] = []
        for rec in records:
            pid = products.get(rec.sku)
            if pid is None:
                report(rec.row, "sku", f"没有这个商品：{rec.sku}", f"no such product: {rec.sku}")
                continue
            if rec.unit not in units.get(pid, ()):
                report(rec.row, "unit", f"商品 {rec.sku} 没有单位 {rec.unit}（有 {'、'.join(sorted(units.get(pid, ())))}）",
                       f"product {rec.sku} has no unit {rec.unit} (it has {', '.join(sorted(units.get(pid, ())))})")
                continue
            try:
                PriceListItemIn.model_validate({"product_id": pid, "unit_code": rec.unit,
                                                "price_fen": rec.price_fen or 0})
            except ValidationError as exc:
                validation_problems(exc, rec.row, report, lambda _loc: "price_fen")
                continue
            if rec.code not in self.loaded and rec.code not in self.new_codes:
                missing = [c for c, k in (("name", "name"), ("scope", "scope"), ("target", "target_id"))
                           if k not in self.heads[rec.code][1]]
                if missing:
                    report(rec.row, missing[0], f"新价目表 {rec.code} 需要填写价目表名称、适用于和对象编码",
                           f"the new price list {rec.code} needs a name, 适用于 and a group or customer code")
                    continue
            good.append((rec, pid))
        write = write and not report.bad
        touched: dict[str, tuple[PriceList, int, dict[str, Any], dict[str, Any]]] = {}
        for rec, pid in good:
            pl = self.loaded.get(rec.code)
            head = self.heads[rec.code][1]
            if pl is None:
                if write:
                    try:
                        pl = service.create_price_list(session, code=rec.code, items=[], **{
                            "priority": 0, "active": True, **head})
                    except DomainError as exc:
                        report.error(rec.row, _column_of(exc.field), exc)
                        write = False
                        continue
                    self.loaded[rec.code] = pl
                    touched[rec.code] = (pl, rec.row, {}, {"created": True, **head})
                else:
                    self.new_codes.add(rec.code)
                    out.created.append(f"{rec.code}/{rec.sku}/{rec.unit}")
                    continue
            outcome = self._apply_row(session, pl, rec, pid, head, touched, write=write, report=report)
            if outcome == "error":
                write = False
            elif outcome == "created":
                out.created.append(f"{rec.code}/{rec.sku}/{rec.unit}")
            elif outcome == "updated":
                out.updated.append(f"{rec.code}/{rec.sku}/{rec.unit}")
            else:
                out.unchanged += 1
        if not write or report.bad or not touched:
            return out
        session.flush()
        for pl, row, _before, _after in touched.values():
            try:
                service.price_list_to_contract(pl)
            except (ContractError, DomainError) as exc:
                report.error(row, None, exc)
                return out
        audit.record_many(session, actor=report.who, action="price_list.import", entity_type="price_list",
                          changes=((pl.id, before or None, after) for pl, _row, before, after in touched.values()),
                          reason=report.reason)
        return out

    def _apply_row(self, session: Session, pl: PriceList, rec: PriceRow, pid: int, head: dict[str, Any],
                   touched: dict[str, tuple[PriceList, int, dict[str, Any], dict[str, Any]]], *, write: bool,
                   report: Reporter) -> str:
        """Set one row's price (and its list's own fields) in an existing list: created, updated,
        unchanged, or error."""
        result = "unchanged"
        changes = {k: v for k, v in head.items() if getattr(pl, k) != v}
        if changes:
            result = "updated"
            if write:
                before = {k: getattr(pl, k) for k in changes}
                try:
                    service.update_price_list(session, pl, dict(changes))
                except DomainError as exc:
                    report.error(rec.row, _column_of(exc.field), exc)
                    return "error"
                entry = touched.setdefault(rec.code, (pl, rec.row, {}, {}))
                entry[2].update(before)
                entry[3].update(changes)
        index = self._index(pl)
        item = index.get((pid, rec.unit))
        key = f"{rec.sku}/{rec.unit}"
        if rec.remove:
            if item is None:
                return result
            if write:
                pl.items.remove(item)
                del index[(pid, rec.unit)]
                self._note(touched, pl, rec, key, item.price_fen, None)
            return "updated"
        assert rec.price_fen is not None  # parse requires it unless the row removes the price
        if item is None:
            if write:
                index[(pid, rec.unit)] = added = PriceListItem(product_id=pid, unit_code=rec.unit,
                                                               price_fen=rec.price_fen)
                pl.items.append(added)
                self._note(touched, pl, rec, key, None, rec.price_fen)
            return "created"
        if item.price_fen != rec.price_fen:
            if write:
                self._note(touched, pl, rec, key, item.price_fen, rec.price_fen)
                item.price_fen = rec.price_fen
            return "updated"
        return result

    def _index(self, pl: PriceList) -> dict[tuple[int, str], PriceListItem]:
        """(product id, unit) → item of a list, built once per list (lists hold thousands of prices)."""
        index = self.indexes.get(pl.code)
        if index is None:
            index = self.indexes[pl.code] = {(i.product_id, i.unit_code): i for i in pl.items}
        return index

    @staticmethod
    def _note(touched: dict[str, tuple[PriceList, int, dict[str, Any], dict[str, Any]]], pl: PriceList, rec: PriceRow,
              key: str, before: int | None, after: int | None) -> None:
        entry = touched.setdefault(rec.code, (pl, rec.row, {}, {}))
        entry[2].setdefault("prices", {})[key] = before
        entry[3].setdefault("prices", {})[key] = after


def _column_of(field: str | None) -> str | None:
    return {"target_id": "target", "code": "code", "name": "name", "scope": "scope", "priority": "priority"}.get(
        field or "")
