"""Writing the demo business into a central database, fast and once.

One transaction, bulk inserts (INSERT … RETURNING for the ids), so the whole business is seeded in a
few seconds on SQLite. Idempotent: when store S01 already exists the database is left alone and the
summary (with the demo sign-ins) is printed again.
"""

from __future__ import annotations

import random
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from central.auth.passwords import hash_password
from central.catalog.models import Barcode, Brand, Category, Product, ProductUnit, Supplier
from central.catalog.pinyin import pinyin_initials
from central.costing.average import cost_of, fen_to_mfen
from central.customers.models import Customer
from central.demo import catalog as demo_catalog
from central.demo import people
from central.demo.field import customer_type_of, seed_field
from central.demo.stock import seed_stock
from central.finance.models import ReceivableAccount, ReceivableEntry
from central.inventory.models import StockBatch, StockMovement, StockOnHand
from central.members.models import Member, PointsEntry
from central.orders.models import SalesOrder
from central.org.models import Store, Warehouse
from central.org.service import create_store, create_warehouse, update_organisation
from central.pricing.models import (
    CustomerGroup,
    MemberLevel,
    MemberLevelPrice,
    PriceList,
    PriceListItem,
    Promotion,
    PromotionStore,
)
from central.users.models import User
from sync.events import uuid7
from sync.promotions import Promotion as PromotionRule
from sync.promotions import PromotionKind
from sync.store_time import STORE_TZ

ORG_NAME = "上海邻里鲜商贸有限公司"
STORES = [
    ("S01", "邻里鲜·张江店", "Linlixian Zhangjiang", "上海市浦东新区祖冲之路 1188 号", "jiao_down"),
    ("S02", "邻里鲜·徐家汇店", "Linlixian Xujiahui", "上海市徐汇区漕溪北路 398 号", "none"),
    ("S03", "邻里鲜·五角场店", "Linlixian Wujiaochang", "上海市杨浦区四平路 2500 号", "jiao_down"),
]
CENTRAL_WAREHOUSE = ("CW01", "闵行中心仓")
ADMIN_PASSWORD = "admin123"
STAFF_PASSWORD = "demo123"
CASHIER_PIN = "1234"
MANAGER_PIN = "888888"
MEMBERS = 500
CUSTOMERS = 200
REPS = 6
OPENING_STOCK_DAYS_AGO = 100
"""The opening stock arrived before any demo trading (`pos-central demo --history-days N`, N < 100)."""


@dataclass
class Login:
    username: str
    name: str
    role: str
    store: str | None
    password: str
    staff_code: str | None = None
    pin: str | None = None


@dataclass
class TryMember:
    """A member a new cashier can look up at the till (card, phone, or the phone's last four digits)."""

    card_no: str
    phone: str | None
    name: str | None
    level: str
    points: int
    stored_value_fen: int


@dataclass
class SeedSummary:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[Login] = field(default_factory=list)
    member: TryMember | None = None
    vouchers: list[tuple[str, str]] = field(default_factory=list)
    """(code, batch name) of a few unused vouchers to scan at a till."""


def _logins() -> list[Login]:
    out = [Login("admin", "系统管理员", "admin", None, ADMIN_PASSWORD)]
    cashier_names = ["李娜", "王芳", "陈静", "刘洋", "赵敏", "孙丽"]
    for i, (code, *_rest) in enumerate(STORES, start=1):
        out.append(Login(f"manager{i:02d}", ["张伟", "周杰", "吴磊"][i - 1] + "（店长）", "store_manager", code,
                         STAFF_PASSWORD, f"{i}900", MANAGER_PIN))
        for j in (1, 2):
            out.append(Login(f"cashier{i}{j}", cashier_names[(i - 1) * 2 + j - 1], "cashier", code,
                             STAFF_PASSWORD, f"{i}00{j}", CASHIER_PIN))
    rep_names = ["郭强", "何勇", "高洁", "林涛", "罗斌", "郑浩"]
    for r in range(REPS):
        out.append(Login(f"rep{r + 1:02d}", rep_names[r], "sales_rep", STORES[r % 3][0], STAFF_PASSWORD,
                         f"50{r + 1:02d}", CASHIER_PIN))
    out.append(Login("warehouse01", "马建国", "warehouse", None, STAFF_PASSWORD))
    out.append(Login("finance01", "徐春梅", "finance", None, STAFF_PASSWORD))
    return out


def _bulk(session: Session, model: Any, rows: list[dict[str, Any]], *returning: Any) -> list[Any]:
    """INSERT many rows; with `returning` columns, their values in the order of `rows`."""
    if not rows:
        return []
    table = model.__table__  # Core insert: no ORM bookkeeping for thousands of plain rows
    if not returning:
        session.execute(insert(table), rows)
        return []
    cols = [table.c[c.key] for c in returning]
    result = session.execute(insert(table).returning(*cols, sort_by_parameter_order=True), rows)
    return list(result.all())


def seed_demo(session: Session, *, today: date | None = None) -> SeedSummary:
    """Seed the demo business in the caller's transaction; no-op (created=False) when already there."""
    logins = _logins()
    if session.scalar(select(Store.id).where(Store.code == STORES[0][0])) is not None:
        return SeedSummary(created=False, counts=_counts(session), logins=logins, member=_try_member(session),
                           vouchers=_try_vouchers(session))
    now = datetime.now(UTC)
    today = today or now.astimezone(STORE_TZ).date()
    rng = random.Random(42)

    update_organisation(session, name=ORG_NAME, name_en="Shanghai Linlixian Trading Co., Ltd.",
                        tax_id="91310115MA1K4DEMO1")
    store_ids: dict[str, int] = {}
    for code, name, name_en, address, rounding in STORES:
        store = create_store(session, code=code, name=name, name_en=name_en, address=address,
                             phone="021-5" + f"{rng.randrange(10**7):07d}", rounding_mode=rounding,
                             receipt_header=f"{name}\n欢迎光临，谢谢惠顾", receipt_footer="凭小票七日内可退换 · 会员积分请出示会员码")
        store_ids[code] = store.id
    create_warehouse(session, code=CENTRAL_WAREHOUSE[0], name=CENTRAL_WAREHOUSE[1], store_id=None)
    session.flush()
    warehouses = dict(session.execute(select(Warehouse.id, Warehouse.store_id)).all())

    user_ids = _seed_users(session, logins, store_ids)
    products = _seed_catalog(session, rng)
    _seed_pricing(session, rng, products, store_ids, now)
    _seed_stock(session, rng, products, warehouses, now, today)
    _seed_members(session, store_ids, now)
    _seed_customers(session, user_ids, logins, now, today)
    _seed_stored_value_and_vouchers(session, store_ids, now)
    session.flush()
    seed_field(session, today=today)  # routes, targets, orders in every state (through the order services)
    session.flush()
    seed_stock(session, today=today)  # supplier prices, sales history, purchase orders, kits, counts, loans
    session.flush()
    return SeedSummary(created=True, counts=_counts(session), logins=logins, member=_try_member(session),
                       vouchers=_try_vouchers(session))


def _seed_users(session: Session, logins: list[Login], store_ids: dict[str, int]) -> dict[str, int]:
    # argon2 is slow on purpose: hash each distinct demo secret once, in parallel (it releases the GIL)
    secrets = sorted({s for lg in logins for s in (lg.password, lg.pin) if s is not None})
    with ThreadPoolExecutor(max_workers=len(secrets)) as pool:
        hashes = dict(zip(secrets, pool.map(hash_password, secrets), strict=True))

    def hashed(secret: str | None) -> str | None:
        return None if secret is None else hashes[secret]

    rows = [{"username": lg.username, "display_name": lg.name, "role": lg.role,
             "store_id": store_ids[lg.store] if lg.store else None, "staff_code": lg.staff_code,
             "phone": None, "password_hash": hashed(lg.password), "pin_hash": hashed(lg.pin), "active": True}
            for lg in logins]
    return {u: i for i, u in _bulk(session, User, rows, User.id, User.username)}


@dataclass
class _Seeded:
    id: int
    demo: demo_catalog.DemoProduct


def _seed_catalog(session: Session, rng: random.Random) -> list[_Seeded]:
    cat_ids: dict[str, int] = {}
    for order, (code, name, name_en, parent) in enumerate(demo_catalog.category_rows()):
        row = _bulk(session, Category, [{"code": code, "name": name, "name_en": name_en, "sort_order": order,
                                         "parent_id": cat_ids[parent] if parent else None, "active": True}],
                    Category.id)
        cat_ids[code] = row[0][0]
    brand_rows = [{"name": n, "name_en": e, "active": True} for n, e in
                  [("邻里鲜优选", "Linlixian Select"), ("惠家", "Huijia"), ("鲜到家", "Fresh Home"),
                   ("田园牧场", "Tianyuan Farm"), ("洁净坊", "Clean Studio")]]
    brands = [b for (b,) in _bulk(session, Brand, brand_rows, Brand.id)]
    supplier_rows = [{"code": f"SUP{i:03d}", "name": n, "contact_name": c, "phone": f"021-6{i:03d}{i * 37 % 10000:04d}",
                      "address": a, "active": True} for i, (n, c, a) in enumerate([
                          ("上海东方食品批发有限公司", "王建", "上海市闵行区七莘路 88 号"),
                          ("华东粮油贸易有限公司", "李强", "上海市嘉定区曹安公路 1500 号"),
                          ("申城饮料经销部", "陈刚", "上海市宝山区沪太路 3100 号"),
                          ("江南日化用品有限公司", "刘芳", "浙江省嘉兴市南湖区东栅路 12 号"),
                          ("沪郊生鲜农产品合作社", "赵国庆", "上海市松江区泗泾镇 6 号"),
                          ("长三角休闲食品有限公司", "孙悦", "江苏省苏州市相城区 215 号"),
                      ], start=1)]
    suppliers = [s for (s,) in _bulk(session, Supplier, supplier_rows, Supplier.id)]
    demo = demo_catalog.build_catalog()
    rows = []
    for p in demo:
        top = p.category.split("-")[0]
        rows.append({
            "sku": p.sku, "name": p.name, "name_en": p.name_en, "pinyin": p.pinyin, "spec": p.spec,
            "category_id": cat_ids[p.category], "tax_rate_bp": p.tax_rate_bp, "weighed": p.weighed,
            "brand_id": None if p.real_barcode else rng.choice(brands),
            "supplier_id": suppliers[{"GRN": 1, "DRK": 2, "ALC": 2, "HOM": 3, "FRS": 4, "SNK": 5}.get(top, 0)],
            "shelf_life_tracked": p.shelf_life_days is not None, "shelf_life_days": p.shelf_life_days,
            "active": True})
    ids = [i for (i,) in _bulk(session, Product, rows, Product.id)]
    unit_rows, unit_keys = [], []
    for pid, p in zip(ids, demo, strict=True):
        for u in p.units:
            unit_rows.append({"product_id": pid, "code": u.code, "name": u.name, "factor": u.factor,
                              "price_fen": u.price_fen})
            unit_keys.append((pid, u))
    unit_ids = [i for (i,) in _bulk(session, ProductUnit, unit_rows, ProductUnit.id)]
    _bulk(session, Barcode, [{"barcode": b, "product_id": pid, "unit_id": uid}
                             for uid, (pid, u) in zip(unit_ids, unit_keys, strict=True) for b in u.barcodes])
    return [_Seeded(pid, p) for pid, p in zip(ids, demo, strict=True)]


def _seed_pricing(session: Session, rng: random.Random, products: list[_Seeded], store_ids: dict[str, int],
                  now: datetime) -> None:
    groups = {code: gid for gid, code in _bulk(session, CustomerGroup, [
        {"code": "WHOLESALE", "name": "批发客户"}, {"code": "RESTAURANT", "name": "餐饮客户"}],
        CustomerGroup.id, CustomerGroup.code)}
    _bulk(session, MemberLevel, [
        {"code": "normal", "name": "普通会员", "points_per_yuan": Decimal(1), "percent_off_bp": 0, "sort_order": 0},
        {"code": "silver", "name": "银卡会员", "points_per_yuan": Decimal("1.5"), "percent_off_bp": 0, "sort_order": 1},
        {"code": "gold", "name": "金卡会员", "points_per_yuan": Decimal(2), "percent_off_bp": 0, "sort_order": 2}])
    packaged = [p for p in products if not p.demo.weighed]
    # 批发价: boxes 8-10% below shelf price, pieces 5% below, for the wholesale group
    wholesale = []
    for p in packaged[::2]:
        for u in p.demo.units:
            cut = rng.choice([90, 92]) if u.code == "box" else 95
            wholesale.append((p.id, u.code, u.price_fen * cut // 100 // 10 * 10))
    restaurant = [(p.id, u.code, u.price_fen * 92 // 100 // 10 * 10) for p in products
                  if p.demo.category.startswith(("GRN", "SEA", "FRS", "DRY", "ALC")) for u in p.demo.units]
    lists = _bulk(session, PriceList, [
        {"code": "PL-WHOLESALE", "name": "批发客户价", "scope": "customer_group", "target_id": groups["WHOLESALE"],
         "valid_from": now - timedelta(days=90), "valid_to": None, "priority": 0, "active": True},
        {"code": "PL-RESTAURANT", "name": "餐饮客户价", "scope": "customer_group", "target_id": groups["RESTAURANT"],
         "valid_from": now - timedelta(days=90), "valid_to": None, "priority": 0, "active": True}], PriceList.id)
    items = [{"price_list_id": lists[0][0], "product_id": pid, "unit_code": u, "price_fen": f} for pid, u, f in wholesale]
    items += [{"price_list_id": lists[1][0], "product_id": pid, "unit_code": u, "price_fen": f}
              for pid, u, f in restaurant]
    _bulk(session, PriceListItem, items)
    # 会员价 on 120 everyday products: silver 3% and gold 6% below shelf price
    member_prices = []
    for p in rng.sample(packaged, 120):
        base = p.demo.units[0]
        for level, cut in (("silver", 97), ("gold", 94)):
            member_prices.append({"level_code": level, "product_id": p.id, "unit_code": base.code,
                                  "price_fen": base.price_fen * cut // 100 // 10 * 10,
                                  "valid_from": now - timedelta(days=30), "valid_to": None})
    _bulk(session, MemberLevelPrice, member_prices)
    _seed_promotions(session, products, store_ids, now)


def _category_products(products: list[_Seeded], prefix: str) -> list[_Seeded]:
    return [p for p in products if p.demo.category.startswith(prefix)]


def _seed_promotions(session: Session, products: list[_Seeded], store_ids: dict[str, int], now: datetime) -> None:
    """Six running promotions, one of each kind plus a members' day; validated by the sync contract."""
    cat_ids = {code: cid for cid, code in session.execute(select(Category.id, Category.code))}
    starts = (now - timedelta(days=3)).replace(microsecond=0)
    ends = (now + timedelta(days=60)).replace(microsecond=0)
    drinks = _category_products(products, "DRK")
    noodles = _category_products(products, "INS-NDL")
    milk = _category_products(products, "DAI-MLK")
    snacks = _category_products(products, "SNK-PUF")
    specials: list[dict[str, Any]] = [
        {"name": "饮料特价 · 第一款直降", "kind": PromotionKind.PRICE_CUT, "product_ids": [drinks[0].id],
             "special_price_fen": max(100, drinks[0].demo.units[0].price_fen * 8 // 10 // 10 * 10), "unit_code": "pc"},
        {"name": "膨化零食八五折", "kind": PromotionKind.PERCENT_OFF, "category_ids": [cat_ids["SNK-PUF"]],
             "percent_off_bp": 1500},
        {"name": "方便面买二送一", "kind": PromotionKind.BUY_X_GET_Y, "product_ids": [p.id for p in noodles[:12]],
             "buy_qty": 2, "free_qty": 1},
        {"name": "买牛奶两件赠薯片一包", "kind": PromotionKind.GIFT, "product_ids": [p.id for p in milk[:6]], "buy_qty": 2,
             "gift_product_id": snacks[0].id, "gift_unit_code": "pc", "gift_qty": 1},
        {"name": "满100减10（张江、徐家汇）", "kind": PromotionKind.THRESHOLD, "threshold_fen": 10_000,
             "amount_off_fen": 1_000, "repeat": True, "max_repeats": 3, "store_ids": [store_ids["S01"], store_ids["S02"]]},
        {"name": "会员日 · 日化九五折", "kind": PromotionKind.PERCENT_OFF, "category_ids": [cat_ids["HOM"]]
             + [cid for code, cid in cat_ids.items() if code.startswith("HOM-")], "percent_off_bp": 500,
             "member_only": True},
    ]
    for i, spec in enumerate(specials, start=1):
        store_scope = spec.pop("store_ids", [])
        rule = PromotionRule(id=i, starts_at=starts, ends_at=ends, store_ids=frozenset(store_scope),
                             priority=10 - i, **spec)
        wire = rule.to_dict()
        params = {k: v for k, v in wire.items() if k not in ("id", "starts_at", "ends_at", "store_ids")}
        (pid,) = _bulk(session, Promotion, [{"code": f"PROMO-{i:02d}", "name": rule.name, "kind": rule.kind.value,
                                              "starts_at": starts, "ends_at": ends, "params": params,
                                              "active": True}], Promotion.id)[0]
        _bulk(session, PromotionStore, [{"promotion_id": pid, "store_id": sid} for sid in store_scope])


def _seed_stock(session: Session, rng: random.Random, products: list[_Seeded], warehouses: dict[int, int | None],
                now: datetime, today: date) -> None:
    """Opening stock: one purchase receipt per warehouse (ledger rows and on-hand written together),
    before the sales history (central/demo/stock.py) begins; batches of tracked goods expire a shelf
    life after they were received."""
    movements, hand, batches = [], [], []
    opened = today - timedelta(days=OPENING_STOCK_DAYS_AGO)
    received = datetime.combine(opened, time(1, 0), tzinfo=UTC)
    for wid, store_id in sorted(warehouses.items()):
        doc = f"GR-OPEN-{wid:03d}"
        for line_no, p in enumerate(products, start=1):
            if p.demo.weighed:
                qty_m = rng.randint(15, 60) * 1000 + rng.choice([0, 250, 500, 750])
            else:
                box = max((u.factor for u in p.demo.units), default=1)
                qty_m = (rng.randint(2, 10) * box if box > 1 else rng.randint(12, 96)) * 1000
            if store_id is None:
                qty_m *= 5  # the central warehouse holds a few weeks for every store
            tracked = p.demo.shelf_life_days is not None
            movements.append({
                "warehouse_id": wid, "product_id": p.id, "kind": "purchase_receipt", "qty_m": qty_m,
                "balance_after_m": qty_m, "unit_cost_fen": p.demo.cost_fen,
                "value_fen": cost_of(fen_to_mfen(p.demo.cost_fen), qty_m),
                "batch_no": f"B{opened:%Y%m%d}" if tracked else None,
                "expiry_date": opened + timedelta(days=p.demo.shelf_life_days or 0) if tracked else None,
                "source_type": "purchase_receipt", "source_id": doc, "source_line": line_no, "occurred_at": received,
                "recorded_at": now, "user_id": None, "note": "期初库存 / opening stock"})
            hand.append({"warehouse_id": wid, "product_id": p.id, "qty_m": qty_m, "updated_at": now,
                         "value_fen": cost_of(fen_to_mfen(p.demo.cost_fen), qty_m),
                         "avg_cost_mfen": fen_to_mfen(p.demo.cost_fen)})
            if tracked:
                batches.append({"warehouse_id": wid, "product_id": p.id, "batch_no": movements[-1]["batch_no"],
                                "qty_m": qty_m, "expiry_date": movements[-1]["expiry_date"],
                                "production_date": opened - timedelta(days=1), "received_at": received})
    _bulk(session, StockMovement, movements)
    _bulk(session, StockOnHand, hand)
    _bulk(session, StockBatch, batches)


def _seed_members(session: Session, store_ids: dict[str, int], now: datetime) -> None:
    rows, ledger = [], []
    for m in people.members(MEMBERS, list(store_ids)):
        mid = uuid7()
        joined = now - timedelta(days=m.joined_days_ago)
        rows.append({"id": mid, "card_no": m.card_no, "phone": m.phone, "name": m.name,
                     "name_pinyin": pinyin_initials(m.name or ""), "birthday": m.birthday,
                     "level": m.level, "home_store_id": store_ids[m.home_store], "points_balance": m.points,
                     "duplicate_phone": False, "active": True, "created_at": joined, "received_at": joined,
                     "created_by_terminal_id": None, "updated_at": now})
        if m.points:
            ledger.append({"member_id": mid, "kind": "adjust", "points": m.points, "balance_after": m.points,
                           "overdrawn": False, "source_type": "migration", "source_id": m.card_no,
                           "store_id": store_ids[m.home_store], "occurred_at": joined, "recorded_at": now,
                           "user_id": None, "note": "旧系统积分迁入 / points carried over"})
    _bulk(session, Member, rows)
    _bulk(session, PointsEntry, ledger)


def _seed_customers(session: Session, user_ids: dict[str, int], logins: list[Login], now: datetime,
                    today: date) -> None:
    reps = [user_ids[lg.username] for lg in logins if lg.role == "sales_rep"]
    groups = {code: gid for gid, code in session.execute(select(CustomerGroup.id, CustomerGroup.code))}
    demo = people.customers(CUSTOMERS, len(reps))
    rows = [{"code": c.code, "name": c.name, "name_pinyin": pinyin_initials(c.name), "contact_name": c.contact_name, "contact_phone": c.contact_phone,
             "address": c.address, "region": c.region, "industry": c.industry, "source": c.source, "tags": c.tags,
             "rep_id": reps[c.rep_index], "group_id": groups[c.group], "price_list_id": None,
             "credit_limit_fen": c.credit_limit_fen, "credit_days": c.credit_days, "notes": None, "active": True,
             "customer_type": customer_type_of(c.industry, i), "status": "active",
             "contacts": [{"name": c.contact_name, "phone": c.contact_phone, "role": "老板"}],
             "created_at": now - timedelta(days=200), "updated_at": now} for i, c in enumerate(demo)]
    ids = [i for (i,) in _bulk(session, Customer, rows, Customer.id)]
    entries: list[dict[str, Any]] = []
    balances: defaultdict[int, int] = defaultdict(int)
    finance = user_ids["finance01"]
    for cid, c in zip(ids, demo, strict=True):
        for n, (ago, amount, kind) in enumerate(sorted(c.history, key=lambda h: -h[0]), start=1):
            doc_date = today - timedelta(days=ago)
            balances[cid] += amount
            at = datetime.combine(doc_date, time(2, 0), tzinfo=UTC)
            entries.append({
                "customer_id": cid, "kind": kind, "amount_fen": amount, "balance_after_fen": balances[cid],
                "doc_type": "delivery" if kind == "charge" else "payment", "doc_id": f"{c.code}-{n:03d}",
                "doc_no": f"{'DN' if kind == 'charge' else 'RC'}{doc_date:%Y%m%d}{cid:04d}{n:02d}",
                "doc_date": doc_date, "due_date": doc_date + timedelta(days=c.credit_days) if kind == "charge" else None,
                "over_credit_limit": kind == "charge" and balances[cid] > c.credit_limit_fen,
                "method": "bank_transfer" if kind == "payment" else None, "occurred_at": at, "recorded_at": now,
                "user_id": finance if kind == "payment" else None,
                "note": "期初应收 / opening receivable" if kind == "charge" else "银行转账回款"})
    _bulk(session, ReceivableEntry, entries)
    _bulk(session, ReceivableAccount, [{"customer_id": cid, "balance_fen": b, "updated_at": now}
                                       for cid, b in balances.items()])


TRY_MEMBER_CARD = "860000000001"
"""The demo member to try at a till: a gold member with points and stored value."""


def _seed_stored_value_and_vouchers(session: Session, store_ids: dict[str, int], now: datetime) -> None:
    """Head office's top-up bonus tiers, ¥200 of stored value on the member to try, and three voucher
    batches: ¥20 off ¥100 (代金券), 10% off up to ¥50 (折扣券) and a pre-sold rice voucher (提货券)."""
    from central.stored_value import ledger
    from central.stored_value.service import create_rule
    from central.vouchers.service import create_batch, issue

    create_rule(session, actor=None, name="充500送50", min_topup_fen=50_000, bonus_fen=5_000)
    create_rule(session, actor=None, name="充1000送120", min_topup_fen=100_000, bonus_fen=12_000)
    member_id = session.scalar(select(Member.id).where(Member.card_no == TRY_MEMBER_CARD))
    if member_id is not None:
        session.execute(update(Member).where(Member.id == member_id).values(level="gold"))
        ledger.post(session, member_id=member_id, amount_fen=20_000, kind="topup", source_type="adjust",
                    source_id=f"demo-{TRY_MEMBER_CARD}", occurred_at=now - timedelta(days=3),
                    store_id=store_ids["S01"], note="演示储值 / demo stored value")
    until = now + timedelta(days=90)
    off20 = create_batch(session, actor=None, code="DEMO-20OFF100", name="满100减20代金券", kind="value",
                         value_fen=2_000, min_spend_fen=10_000, valid_to=until)
    issue(session, off20, count=20, actor=None)
    ten = create_batch(session, actor=None, code="DEMO-10PCT", name="全场九折券（最高减50元）", kind="percent",
                       percent_off_bp=1_000, max_off_fen=5_000, valid_to=until)
    issue(session, ten, count=20, actor=None)
    rice = session.scalars(select(Product).where(Product.name.like("%大米 5kg%"), Product.weighed.is_(False))
                           .order_by(Product.id)).first()
    if rice is not None:
        price = session.scalar(select(ProductUnit.price_fen).where(ProductUnit.product_id == rice.id,
                                                                   ProductUnit.code == "pc")) or 5_000
        goods = create_batch(session, actor=None, code="DEMO-RICE", name=f"{rice.name} 提货券", kind="goods",
                             product_id=rice.id, unit_code="pc", sale_price_fen=price, valid_to=until + timedelta(days=275))
        issue(session, goods, count=20, actor=None)


def _try_member(session: Session) -> TryMember | None:
    m = session.scalar(select(Member).where(Member.card_no == TRY_MEMBER_CARD))
    if m is None:
        return None
    return TryMember(card_no=m.card_no, phone=m.phone, name=m.name, level=m.level, points=m.points_balance,
                     stored_value_fen=m.stored_value_fen)


def _try_vouchers(session: Session) -> list[tuple[str, str]]:
    from central.vouchers.models import Voucher, VoucherBatch

    out = []
    for code in ("DEMO-20OFF100", "DEMO-10PCT", "DEMO-RICE"):
        row = session.execute(select(Voucher.code, VoucherBatch.name).join(VoucherBatch)
                              .where(VoucherBatch.code == code, Voucher.status.in_(("active", "unsold")))
                              .order_by(Voucher.id).limit(1)).first()
        if row is not None:
            out.append((row[0], row[1]))
    return out


def _counts(session: Session) -> dict[str, int]:
    def n(model: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)

    return {"stores": n(Store), "warehouses": n(Warehouse), "users": n(User), "products": n(Product),
            "barcodes": n(Barcode), "promotions": n(Promotion), "members": n(Member), "customers": n(Customer),
            "stock_movements": n(StockMovement), "sales_orders": n(SalesOrder)}
