"""The head-office console on a big chain: central on PostgreSQL (a fresh database on POS_TEST_PG_URL)
with 200,000 products and 1,000,000 sales (5,000,000 lines) loaded by COPY, served by
`pos-central serve --workers 2`, measured over HTTP with a signed-in console session.

Targets (issue 11): the dashboard and a month's sales report by category and store p95 ≤ 500 ms;
the product list search p95 ≤ 100 ms.

The data: 10 stores, 2 tills each, 400 days of trading (2,500 sales a day, 5 lines each, a third to
members), products named like a shop's (brand + item + flavour + size, pinyin initials), sold with a
long tail (a few thousand products make most of the sales), every line with its cost. Loaded straight
into the tables with COPY (central.bulk.insert_tuples), as a migration from another system would be;
the first dashboard and report requests then build the report rollups of the whole history (timed
apart: that happens once). Sizes: POS_BENCH_CONSOLE_SALES, POS_BENCH_CONSOLE_PRODUCTS.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any, cast

import httpx
from sqlalchemy import Table

from bench import _sync_common as common
from sync.store_time import STORE_TZ

SALES = int(os.environ.get("POS_BENCH_CONSOLE_SALES", "1000000"))
PRODUCTS = int(os.environ.get("POS_BENCH_CONSOLE_PRODUCTS", "200000"))
LINES_PER_SALE = 5
STORES = 10
DAYS = 400
CHUNK = 20_000
REQUESTS = 30
TZ = STORE_TZ

BRANDS = ["康师傅", "统一", "农夫山泉", "可口可乐", "百事", "娃哈哈", "蒙牛", "伊利", "光明", "旺旺", "达利园", "乐事",
          "好丽友", "雀巢", "立白", "蓝月亮", "海天", "李锦记", "金龙鱼", "鲁花", "五粮液", "青岛", "雪花", "燕京",
          "三只松鼠", "良品铺子", "百草味", "徐福记", "德芙", "奥利奥"]
ITEMS = ["方便面", "矿泉水", "绿茶", "可乐", "汽水", "纯牛奶", "酸奶", "饼干", "薯片", "巧克力", "洗衣液", "酱油",
         "食用油", "啤酒", "白酒", "坚果", "果汁", "咖啡", "蛋糕", "面包", "火腿肠", "牙膏", "洗发水", "纸巾",
         "大米", "挂面", "醋", "蚝油", "鸡精", "冰红茶"]
FLAVOURS = ["", "原味", "红烧牛肉", "香辣", "柠檬", "草莓", "低糖", "无糖", "经典", "海盐", "番茄", "麻辣", "清香", "浓香"]
SIZES = ["330ml", "500ml", "550ml", "1.5L", "2L", "100g", "150g", "200g", "250g", "400g", "500g", "1kg", "5kg", "6连包"]


def _say(message: str) -> None:
    print(f"[console {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _t(model: Any) -> Table:
    """A mapped class's table (for central.bulk.insert_tuples)."""
    return cast(Table, model.__table__)


def _ean13(body12: str) -> str:
    return common.ean13(body12)


def _initials() -> dict[str, str]:
    from central.catalog.pinyin import pinyin_initials

    return {w: pinyin_initials(w) for w in BRANDS + ITEMS + FLAVOURS + SIZES}


# ---------------------------------------------------------------- loading


def _load_master(url: str) -> dict[str, Any]:
    """Stores (with warehouses), cashiers, tills, categories, brands and products with units and barcodes."""
    from sqlalchemy import select

    from central.auth.passwords import hash_password
    from central.bulk import insert_tuples
    from central.catalog.models import Barcode, Brand, Category, Product, ProductUnit
    from central.db import get_engine, session_scope
    from central.members.models import Member
    from central.org.models import Terminal, Warehouse
    from central.org.service import create_store
    from central.users.models import User

    engine = get_engine(url)
    rng = random.Random(7)
    now = datetime.now(UTC)
    initials = _initials()
    with session_scope(engine) as s:
        stores = [create_store(s, code=f"S{i:02d}", name=f"测试门店{i:02d}").id for i in range(1, STORES + 1)]
        s.add(User(username="boss", display_name="老板", role="admin", password_hash=hash_password("bench-password-1")))
        cashiers = []
        for sid in stores:
            user = User(username=f"cash{sid}", display_name=f"收银员{sid}", role="cashier", store_id=sid)
            s.add(user)
            s.flush()
            cashiers.append(user.id)
        tills = []
        for sid in stores:
            for n in (1, 2):
                t = Terminal(code=f"S{sid:02d}-POS{n:02d}", store_id=sid, kind="pos", secret_hash="0" * 64)
                s.add(t)
                s.flush()
                tills.append((t.id, sid))
        warehouses = dict(s.execute(select(Warehouse.store_id, Warehouse.id)).all())
        top = [Category(code=f"C{i:02d}", name=f"大类{i:02d}") for i in range(12)]
        s.add_all(top)
        s.flush()
        leaves = []
        for parent in top:
            for j in range(20):
                c = Category(code=f"{parent.code}{j:02d}", name=f"{ITEMS[(parent.id + j) % len(ITEMS)]}{j:02d}",
                             parent_id=parent.id)
                s.add(c)
                leaves.append(c)
        brands = [Brand(name=b) for b in BRANDS]
        s.add_all(brands)
        s.flush()
        leaf_ids, brand_ids = [c.id for c in leaves], [b.id for b in brands]
    products: list[tuple[int, str, str, int, int]] = []
    for start in range(0, PRODUCTS, CHUNK):
        with session_scope(engine) as s:
            first = (s.scalar(select(Product.id).order_by(Product.id.desc()).limit(1)) or 0) + 1
            rows, units, codes = [], [], []
            for pid in range(first, first + min(CHUNK, PRODUCTS - start)):
                b, item, flavour, size = (rng.randrange(len(BRANDS)), rng.choice(ITEMS), rng.choice(FLAVOURS),
                                          rng.choice(SIZES))
                name = f"{BRANDS[b]}{item}{flavour} {size}"
                pinyin = re.sub(r"[^a-z0-9]", "", initials[BRANDS[b]] + initials[item] + initials[flavour]
                                + initials[size])
                price = rng.choice([150, 200, 250, 300, 350, 450, 550, 680, 890, 1250, 1990, 2990, 4990, 8800])
                cost = price * rng.randint(62, 82) // 100
                rows.append((pid, f"{pid:08d}", name, pinyin, leaf_ids[pid % len(leaf_ids)], brand_ids[b], 1300,
                             False, False, True, now, now))
                units.append((pid * 2, pid, "pc", "个", 1, price))
                codes.append((_ean13(f"69{pid:010d}"), pid, pid * 2))
                if pid % 10 == 0:
                    units.append((pid * 2 + 1, pid, "box", "箱", 12, price * 12 - 100))
                    codes.append((_ean13(f"68{pid:010d}"), pid, pid * 2 + 1))
                products.append((pid, f"{pid:08d}", name, price, cost))
            insert_tuples(s, _t(Product), ("id", "sku", "name", "pinyin", "category_id", "brand_id", "tax_rate_bp",
                                                 "weighed", "shelf_life_tracked", "active", "created_at", "updated_at"),
                          rows)
            insert_tuples(s, _t(ProductUnit), ("id", "product_id", "code", "name", "factor", "price_fen"), units)
            insert_tuples(s, _t(Barcode), ("barcode", "product_id", "unit_id"), codes)
    members = []
    with session_scope(engine) as s:
        member_rows: list[tuple[Any, ...]] = []
        for n in range(50_000):
            mid = str(uuid.uuid4())
            members.append(mid)
            member_rows.append((mid, f"86{n:010d}", f"139{n:08d}", f"会员{n}", f"hy{n}", "normal", stores[n % STORES], 0,
                         False, True, now, now, now))
        insert_tuples(s, _t(Member), ("id", "card_no", "phone", "name", "name_pinyin", "level", "home_store_id",
                                            "points_balance", "duplicate_phone", "active", "created_at", "received_at",
                                            "updated_at"), member_rows)
    with engine.begin() as conn:
        for table in ("products", "product_units", "barcodes"):
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.exec_driver_sql("ANALYZE")
    return {"stores": stores, "cashiers": dict(zip(stores, cashiers, strict=True)), "tills": tills,
            "warehouses": warehouses, "products": products, "members": members}


def _sales(world: dict[str, Any], today: date) -> Iterator[tuple[list[Any], list[Any], list[Any], list[Any]]]:
    """Chunks of (shifts, sales, lines, payments) rows, day by day, oldest first."""
    rng = random.Random(11)
    products = world["products"]
    # a long tail: product k is picked with weight 1 / k^1.1 (shuffled so names vary)
    order = list(range(len(products)))
    rng.shuffle(order)
    cum, total = [], 0.0
    for rank in range(1, len(order) + 1):
        total += 1.0 / rank ** 1.1
        cum.append(total)
    per_day = SALES // DAYS
    tills = world["tills"]
    shifts: list[Any] = []
    sales: list[Any] = []
    lines: list[Any] = []
    pays: list[Any] = []
    receipt_n: dict[int, int] = {}
    for offset in range(DAYS, 0, -1):
        day = today - timedelta(days=offset)
        opened = datetime.combine(day, dtime(7, 0), tzinfo=TZ).astimezone(UTC)
        shift_of = {}
        for tid, sid in tills:
            shift_id = str(uuid.uuid4())
            shift_of[tid] = shift_id
            shifts.append((shift_id, sid, tid, world["cashiers"][sid], "closed", opened, 50_000,
                           opened + timedelta(hours=15), 0, 0, 0, 0, 0, 0, 0, 0))
        picks = rng.choices(order, cum_weights=cum, k=per_day * LINES_PER_SALE)
        for n in range(per_day):
            tid, sid = tills[n % len(tills)]
            receipt_n[tid] = receipt_n.get(tid, 0) + 1
            sold = opened + timedelta(seconds=rng.randint(0, 15 * 3600))
            sale_id = str(uuid.uuid4())
            member = rng.choice(world["members"]) if rng.random() < 0.33 else None
            total_fen = tax_fen = 0
            for line_no in range(1, LINES_PER_SALE + 1):
                pid, sku, name, price, cost = products[picks[n * LINES_PER_SALE + line_no - 1]]
                qty = rng.choice((1, 1, 1, 2, 3))
                amount = price * qty
                tax = amount * 1300 // 11300
                total_fen += amount
                tax_fen += tax
                lines.append((sale_id, line_no, pid, sku, name, "pc", 1, qty * 1000, price, "base", amount, 0, 0, amount,
                              1300, tax, [], False, cost, cost * qty, 0, 0, 0))
            sales.append((sale_id, f"S{sid:02d}-{tid:03d}-{receipt_n[tid]:07d}", sid, tid, shift_of[tid],
                          world["warehouses"][sid], world["cashiers"][sid], None, None, member,
                          "normal" if member else None, sold, sold + timedelta(seconds=30), day, total_fen, 0, 0,
                          total_fen, 0, tax_fen, 0, 0, 0, [], None, False, 0))
            pays.append((sale_id, rng.choice(("cash", "wechat", "wechat", "alipay", "bank_card")), total_fen))
            if len(sales) >= CHUNK:
                yield shifts, sales, lines, pays
                shifts, sales, lines, pays = [], [], [], []
    yield shifts, sales, lines, pays


def _load_sales(url: str, world: dict[str, Any], today: date) -> int:
    from central.bulk import insert_tuples
    from central.db import get_engine, session_scope
    from central.sales.models import Sale, SaleLine, SalePayment, Shift

    engine = get_engine(url)
    loaded = 0
    for shifts, sales, lines, pays in _sales(world, today):
        with session_scope(engine) as s:
            if shifts:
                insert_tuples(s, _t(Shift), (
                    "id", "store_id", "terminal_id", "cashier_id", "status", "opened_at", "opening_float_fen",
                    "closed_at", "sales_count", "sales_total_fen", "returns_count", "returns_total_fen", "cash_in_fen",
                    "cash_out_fen", "late_postings", "reported_sales_count"), shifts)
            insert_tuples(s, _t(Sale), (
                "id", "receipt_no", "store_id", "terminal_id", "shift_id", "warehouse_id", "cashier_id", "rep_id",
                "customer_id", "member_id", "member_level", "sold_at", "received_at", "business_date",
                "subtotal_fen", "discount_fen", "rounding_fen", "total_fen", "change_fen", "tax_fen",
                "points_earned", "points_redeemed", "price_version", "promotion_ids", "note", "late",
                "refunded_fen"), sales)
            insert_tuples(s, _t(SaleLine), (
                "sale_id", "line_no", "product_id", "sku", "name", "unit_code", "unit_factor", "qty_m",
                "unit_price_fen", "price_source", "list_amount_fen", "line_discount_fen", "order_discount_fen",
                "amount_fen", "tax_rate_bp", "tax_fen", "promotion_ids", "is_gift", "unit_cost_fen", "cost_fen",
                "returned_qty_m", "returned_amount_fen", "returned_cost_fen"), lines)
            insert_tuples(s, _t(SalePayment), ("sale_id", "tender", "amount_fen"), pays)
        loaded += len(sales)
        if loaded % 200_000 < CHUNK:
            _say(f"{loaded:,} sales loaded")
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return loaded


# ---------------------------------------------------------------- measuring


def _signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf
    r = client.post("/login", data={"username": "boss", "password": "bench-password-1", "csrf": csrf.group(1),
                                    "next": "/"})
    assert r.status_code in (200, 303), r.text
    return client


def _p95(client: httpx.Client, paths: list[str], rounds: int = REQUESTS) -> tuple[float, float]:
    """(p50, p95) in ms of GET `paths`, each asked `rounds` times in turn."""
    took = []
    for _ in range(rounds):
        for path in paths:
            started = time.perf_counter()
            r = client.get(path)
            took.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
    took.sort()
    return statistics.median(took), took[int(len(took) * 0.95) - 1]


def run() -> list[tuple[str, str]]:
    from central.db import dispose_engine

    rows: list[tuple[str, str]] = []
    today = datetime.now(TZ).date()
    with common.pg_db() as url:
        if url is None:
            return [("PostgreSQL", "not reachable: set POS_TEST_PG_URL")]
        started = time.perf_counter()
        _say(f"loading {PRODUCTS:,} products")
        world = _load_master(url)
        rows.append((f"load {PRODUCTS:,} products (COPY)", f"{time.perf_counter() - started:.0f} s"))
        started = time.perf_counter()
        loaded = _load_sales(url, world, today)
        rows.append((f"load {loaded:,} sales, {loaded * LINES_PER_SALE:,} lines (COPY)",
                     f"{time.perf_counter() - started:.0f} s"))
        dispose_engine(url)
        with common.server(url, workers=2) as base:
            client = _signed_in(base)
            month_start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
            month_end = today.replace(day=1) - timedelta(days=1)
            report = f"/reports/sales?date_from={month_start}&date_to={month_end}&g1=category&g2=store&g3=&last_year=0"
            started = time.perf_counter()
            client.get(f"/reports/sales?date_from={today - timedelta(days=DAYS)}&date_to={today}&g1=month&g2=&g3="
                       "&last_year=0")
            rows.append(("first report: build the rollups of 400 days (once)", f"{time.perf_counter() - started:.1f} s"))
            for period in ("today", "7d", "30d"):
                p50, p95 = _p95(client, [f"/dashboard?period={period}"])
                rows.append((f"dashboard {period}: p50 / p95", f"{p50:.0f} ms / {p95:.0f} ms (target p95 ≤ 500 ms)"))
            p50, p95 = _p95(client, [report])
            rows.append(("a month's sales report by category and store: p50 / p95",
                         f"{p50:.0f} ms / {p95:.0f} ms (target p95 ≤ 500 ms)"))
            p50, p95 = _p95(client, [report.replace("last_year=0", "last_year=1")], rounds=10)
            rows.append(("  the same with last year beside it: p50 / p95", f"{p50:.0f} ms / {p95:.0f} ms"))
            searches = ["kskfbm", "nfsq", "可乐", "红烧牛肉", "00012345", "6900000", "康师傅方便面",
                        _ean13("690000012345"), "zzzz", "伊利纯牛奶低糖"]
            p50, p95 = _p95(client, [f"/catalog/products?q={q}" for q in searches], rounds=10)
            rows.append((f"product list search ({len(searches)} kinds of term): p50 / p95",
                         f"{p50:.0f} ms / {p95:.0f} ms (target p95 ≤ 100 ms)"))
            client.close()
    return rows
