"""The other lists an operator exports: customers, members, stock on hand, sales of a period.

Column layouts are those the imports read back (customers, members, opening stock); columns an
import ignores are marked `export only` in the README. Rows stream from the database a partition
at a time (`yield_per`), so a year of sales never sits in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from central.auth.principal import Principal
from central.catalog.models import Product, ProductUnit
from central.customers.models import Customer
from central.customers.service import scope_customers
from central.excel.columns import Column, Kind
from central.excel.writer import Sheet
from central.inventory.models import StockOnHand
from central.members.models import Member
from central.org.models import Store, Terminal, Warehouse
from central.pricing.models import CustomerGroup, PriceList
from central.sales.models import Sale, SaleLine, SaleReturn
from central.users.models import User

PARTITION = 2000

CUSTOMER_COLUMNS: tuple[Column, ...] = (
    Column("客户编码", "Code", key="code", required=True), Column("客户名称", "Name", key="name", required=True, width=28),
    Column("联系人", "Contact", key="contact_name"), Column("联系电话", "Phone", key="contact_phone"),
    Column("地址", "Address", key="address", width=30), Column("区域", "Region", key="region"),
    Column("行业", "Industry", key="industry"), Column("来源", "Source", key="source"),
    Column("标签", "Tags", Kind.LIST, key="tags"), Column("业务员", "Sales rep", key="rep", note="业务员的登录名"),
    Column("客户分组", "Customer group", key="group", note="分组编码"),
    Column("价目表", "Price list", key="price_list", note="价目表编码"),
    Column("信用额度（元）", "Credit limit (yuan)", Kind.MONEY, key="credit_limit_fen"),
    Column("账期(天)", "Credit days", Kind.INT, key="credit_days"), Column("备注", "Notes", key="notes", width=30),
    Column("启用", "Active", Kind.BOOL, key="active"),
)

MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("会员卡号", "Card no.", key="card_no", required=True), Column("手机号", "Phone", key="phone"),
    Column("姓名", "Name", key="name"), Column("生日", "Birthday", Kind.DATE, key="birthday"),
    Column("等级", "Level", key="level", note="会员等级代码，空为 normal"),
    Column("所属门店", "Home store", key="home_store", note="门店编码"),
    Column("启用", "Active", Kind.BOOL, key="active"),
)
MEMBER_EXPORT_ONLY: tuple[Column, ...] = (
    Column("积分余额", "Points", Kind.INT, key="points_balance", note="仅导出：积分只经积分流水变动"),
    Column("注册时间", "Joined", Kind.DATETIME, key="created_at", note="仅导出"),
)

STOCK_COLUMNS: tuple[Column, ...] = (
    Column("仓库编码", "Warehouse", key="warehouse", required=True),
    Column("商品编码", "SKU", key="sku", required=True),
    Column("数量", "Quantity", Kind.QTY, key="qty_m", required=True, note="基本单位，称重商品按千克，最多三位小数"),
)
STOCK_IMPORT_ONLY: tuple[Column, ...] = (
    Column("成本单价（元）", "Unit cost (yuan)", Kind.MONEY, key="unit_cost_fen",
           note="仅导入：每基本单位的成本，用于增加的数量；空则按已有的移动平均成本"),
)
STOCK_EXPORT_ONLY: tuple[Column, ...] = (
    Column("仓库名称", "Warehouse name", key="warehouse_name", note="仅导出"),
    Column("商品名称", "Product name", key="product_name", width=28, note="仅导出"),
    Column("基本单位", "Base unit", key="base_unit", note="仅导出"),
)


def _stream(session: Session, stmt: Any) -> Iterator[Any]:
    yield from session.execute(stmt.execution_options(yield_per=PARTITION))


def customer_sheets(session: Session, _f: date | None, _t: date | None, who: Principal | None) -> list[Sheet]:
    """Every customer `who` may see (a sales rep: their own; a store manager: their store's reps')."""
    reps = dict(session.execute(select(User.id, User.username)).all())
    groups = dict(session.execute(select(CustomerGroup.id, CustomerGroup.code)).all())
    lists = dict(session.execute(select(PriceList.id, PriceList.code)).all())
    stmt = select(Customer).order_by(Customer.code)
    if who is not None:
        stmt = scope_customers(stmt, who, Customer.id)

    def rows() -> Iterator[tuple[Any, ...]]:
        for (c,) in _stream(session, stmt):
            yield (c.code, c.name, c.contact_name, c.contact_phone, c.address, c.region, c.industry, c.source,
                   c.tags or [], reps.get(c.rep_id), groups.get(c.group_id), lists.get(c.price_list_id),
                   c.credit_limit_fen, c.credit_days, c.notes, c.active)
            session.expunge(c)

    return [Sheet("客户", CUSTOMER_COLUMNS, rows())]


def member_sheets(session: Session, _f: date | None, _t: date | None, who: Principal | None) -> list[Sheet]:
    """Every member (a store's staff: the members whose home store is theirs)."""
    store_id = who.store_id if who is not None else None
    stores = dict(session.execute(select(Store.id, Store.code)).all())
    stmt = select(Member.card_no, Member.phone, Member.name, Member.birthday, Member.level, Member.home_store_id,
                  Member.active, Member.points_balance, Member.created_at).order_by(Member.card_no)
    if store_id is not None:
        stmt = stmt.where(Member.home_store_id == store_id)

    def rows() -> Iterator[tuple[Any, ...]]:
        for m in _stream(session, stmt):
            yield (m.card_no, m.phone, m.name, m.birthday, m.level, stores.get(m.home_store_id), m.active,
                   m.points_balance, m.created_at)

    return [Sheet("会员", (*MEMBER_COLUMNS, *MEMBER_EXPORT_ONLY), rows())]


def stock_sheets(session: Session, _f: date | None, _t: date | None, who: Principal | None) -> list[Sheet]:
    """On-hand by warehouse and product (a store's staff: their store's warehouses)."""
    store_id = who.store_id if who is not None else None
    units: dict[int, str] = {}
    stmt = (select(Warehouse.code, Product.sku, StockOnHand.qty_m, Warehouse.name, Product.name, Product.id)
            .join(Warehouse, Warehouse.id == StockOnHand.warehouse_id)
            .join(Product, Product.id == StockOnHand.product_id).order_by(Warehouse.code, Product.sku))
    if store_id is not None:
        stmt = stmt.where(Warehouse.store_id == store_id)

    def rows() -> Iterator[tuple[Any, ...]]:
        for part in session.execute(stmt.execution_options(yield_per=PARTITION)).partitions():
            missing = [r[5] for r in part if r[5] not in units]
            if missing:
                for pid, code in session.execute(select(ProductUnit.product_id, ProductUnit.code)
                                                 .where(ProductUnit.product_id.in_(missing), ProductUnit.factor == 1)
                                                 .order_by(ProductUnit.code.desc())):
                    units[pid] = code
            for wh, sku, qty_m, wh_name, name, pid in part:
                yield (wh, sku, qty_m, wh_name, name, units.get(pid))

    return [Sheet("库存", (*STOCK_COLUMNS, *STOCK_EXPORT_ONLY), rows())]


SALE_COLUMNS = (
    Column("小票号", "Receipt no."), Column("门店", "Store"), Column("终端", "Terminal"), Column("收银员", "Cashier"),
    Column("销售时间", "Sold at", Kind.DATETIME), Column("营业日", "Business day", Kind.DATE),
    Column("商品金额（元）", "Subtotal (yuan)", Kind.MONEY), Column("折扣（元）", "Discount (yuan)", Kind.MONEY),
    Column("抹零（元）", "Rounding (yuan)", Kind.MONEY), Column("实收（元）", "Total (yuan)", Kind.MONEY),
    Column("税额（元）", "Tax (yuan)", Kind.MONEY), Column("会员卡号", "Member card"), Column("客户编码", "Customer"),
    Column("获得积分", "Points earned", Kind.INT), Column("使用积分", "Points redeemed", Kind.INT),
    Column("已退款（元）", "Refunded (yuan)", Kind.MONEY), Column("迟到", "Late", Kind.BOOL),
)
LINE_COLUMNS = (
    Column("小票号", "Receipt no."), Column("行号", "Line", Kind.INT), Column("商品编码", "SKU"),
    Column("商品名称", "Product", width=28), Column("单位", "Unit"), Column("数量", "Quantity", Kind.QTY),
    Column("单价（元）", "Unit price (yuan)", Kind.MONEY), Column("原价金额（元）", "List amount (yuan)", Kind.MONEY),
    Column("折扣（元）", "Discount (yuan)", Kind.MONEY), Column("金额（元）", "Amount (yuan)", Kind.MONEY),
    Column("税率(%)", "VAT (%)", Kind.PERCENT), Column("税额（元）", "Tax (yuan)", Kind.MONEY),
    Column("赠品", "Gift", Kind.BOOL), Column("已退数量", "Returned qty", Kind.QTY),
)
RETURN_COLUMNS = (
    Column("退货单号", "Return no."), Column("原小票号", "Original receipt"), Column("门店", "Store"),
    Column("退货时间", "Returned at", Kind.DATETIME), Column("营业日", "Business day", Kind.DATE),
    Column("退款（元）", "Refund (yuan)", Kind.MONEY), Column("税额（元）", "Tax (yuan)", Kind.MONEY),
    Column("原因", "Reason", width=24),
)


def sales_sheets(session: Session, date_from: date | None, date_to: date | None,
                 who: Principal | None) -> list[Sheet]:
    """Sales, their lines and returns whose business day (store local date) is in [from, to] (a
    store's staff: their store's)."""
    store_id = who.store_id if who is not None else None
    if date_from is None or date_to is None:
        raise ValueError("a sales export needs a first and a last business day")
    stores = dict(session.execute(select(Store.id, Store.code)).all())
    terminals = dict(session.execute(select(Terminal.id, Terminal.code)).all())
    users = dict(session.execute(select(User.id, User.username)).all())
    in_period = Sale.business_date.between(date_from, date_to)
    scope = [Sale.store_id == store_id] if store_id is not None else []
    member, customer = aliased(Member), aliased(Customer)

    def sales() -> Iterator[tuple[Any, ...]]:
        stmt = (select(Sale, member.card_no, customer.code).outerjoin(member, member.id == Sale.member_id)
                .outerjoin(customer, customer.id == Sale.customer_id).where(in_period, *scope)
                .order_by(Sale.business_date, Sale.sold_at, Sale.receipt_no))
        for s, card, code in _stream(session, stmt):
            yield (s.receipt_no, stores.get(s.store_id), terminals.get(s.terminal_id), users.get(s.cashier_id),
                   s.sold_at, s.business_date, s.subtotal_fen, s.discount_fen, s.rounding_fen, s.total_fen, s.tax_fen,
                   card, code, s.points_earned, s.points_redeemed, s.refunded_fen, s.late)
            session.expunge(s)

    def lines() -> Iterator[tuple[Any, ...]]:
        stmt = (select(Sale.receipt_no, SaleLine).join(Sale, Sale.id == SaleLine.sale_id).where(in_period, *scope)
                .order_by(Sale.business_date, Sale.sold_at, Sale.receipt_no, SaleLine.line_no))
        for receipt, ln in _stream(session, stmt):
            yield (receipt, ln.line_no, ln.sku, ln.name, ln.unit_code, ln.qty_m, ln.unit_price_fen, ln.list_amount_fen,
                   ln.line_discount_fen + ln.order_discount_fen, ln.amount_fen, ln.tax_rate_bp, ln.tax_fen, ln.is_gift,
                   ln.returned_qty_m)
            session.expunge(ln)

    def returns() -> Iterator[tuple[Any, ...]]:
        original = aliased(Sale)
        stmt = (select(SaleReturn, original.receipt_no).join(original, original.id == SaleReturn.original_sale_id)
                .where(SaleReturn.business_date.between(date_from, date_to),
                       *([SaleReturn.store_id == store_id] if store_id is not None else []))
                .order_by(SaleReturn.business_date, SaleReturn.returned_at))
        for r, receipt in _stream(session, stmt):
            yield (r.receipt_no, receipt, stores.get(r.store_id), r.returned_at, r.business_date, r.total_fen,
                   r.tax_fen, r.reason)
            session.expunge(r)

    return [Sheet("销售单", SALE_COLUMNS, sales()), Sheet("销售明细", LINE_COLUMNS, lines()),
            Sheet("退货单", RETURN_COLUMNS, returns())]
