"""Write master rows directly, in the shape the sync client's pull writes them.

For tests, benchmarks and the offline demo catalog of `pos-terminal simulate --demo`: the till reads
these rows exactly as it reads synced ones (`master`, `barcode_index`, `product_search`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from pypinyin import Style, lazy_pinyin

from sync.catalog import Product
from sync.master import Entity
from terminal.store.db import Store


def pinyin_initials(name: str) -> str:
    """Lower-case pinyin initials of a name (可口可乐 → kkkl); other characters kept as they are."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()


def put_master(store: Store, entity: str, id_: str | int, data: dict[str, Any], version: int = 1) -> None:
    """Upsert one master row (joins the caller's transaction)."""
    with store.transaction():
        store.execute(
            "INSERT INTO master(entity, id, version, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(entity, id) DO UPDATE SET version=excluded.version, data=excluded.data",
            (entity, str(id_), version, json.dumps(data, ensure_ascii=False)),
        )


def put_products(store: Store, products: Iterable[Product], version: int = 1,
                 pinyin_of: Callable[[str], str] = pinyin_initials) -> int:
    """Upsert products with their barcode and search index rows; returns how many."""
    master_rows: list[tuple[str, str, int, str]] = []
    barcode_rows: list[tuple[str, str, str]] = []
    search_rows: list[tuple[str, str, str, str]] = []
    for p in products:
        pid = str(p.id)
        master_rows.append((Entity.PRODUCT.value, pid, version, json.dumps(p.to_dict(), ensure_ascii=False)))
        for u in p.units:
            barcode_rows.extend((b, pid, u.code) for b in u.barcodes)
        search_rows.append((pid, p.sku, p.name, pinyin_of(p.name)))
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO master(entity, id, version, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(entity, id) DO UPDATE SET version=excluded.version, data=excluded.data", master_rows)
        store.conn.executemany(
            "INSERT INTO barcode_index(barcode, product_id, unit_code) VALUES (?, ?, ?) "
            "ON CONFLICT(barcode) DO UPDATE SET product_id=excluded.product_id, unit_code=excluded.unit_code",
            barcode_rows)
        store.conn.executemany(
            "INSERT INTO product_search(product_id, sku, name, pinyin) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(product_id) DO UPDATE SET sku=excluded.sku, name=excluded.name, pinyin=excluded.pinyin",
            search_rows)
    return len(master_rows)


# ---------------------------------------------------------------------------- offline demo data

_DEMO_GOODS: tuple[tuple[str, int, int, int], ...] = (
    # name, price (fen), VAT (bp), category
    ("可口可乐 330ml", 300, 1300, 10), ("百事可乐 330ml", 300, 1300, 10), ("雪碧 330ml", 300, 1300, 10),
    ("农夫山泉 550ml", 200, 1300, 10), ("怡宝纯净水 555ml", 200, 1300, 10), ("康师傅冰红茶 500ml", 350, 1300, 10),
    ("统一绿茶 500ml", 350, 1300, 10), ("王老吉 310ml", 450, 1300, 10), ("红牛 250ml", 650, 1300, 10),
    ("蒙牛纯牛奶 250ml", 350, 900, 11), ("伊利安慕希 205g", 650, 900, 11), ("光明莫斯利安 200g", 580, 900, 11),
    ("乐事薯片 原味 70g", 850, 1300, 12), ("奥利奥饼干 116g", 790, 1300, 12), ("德芙巧克力 43g", 990, 1300, 12),
    ("旺旺雪饼 84g", 600, 1300, 12), ("三只松鼠 坚果 150g", 2990, 1300, 12), ("良品铺子 猪肉脯 100g", 2590, 1300, 12),
    ("康师傅红烧牛肉面", 450, 1300, 13), ("统一老坛酸菜面", 450, 1300, 13), ("今麦郎 弹面", 350, 1300, 13),
    ("五常大米 5kg", 5990, 900, 14), ("金龙鱼 调和油 5L", 6990, 900, 14), ("海天 生抽 500ml", 990, 1300, 14),
    ("老干妈 风味豆豉 280g", 1150, 1300, 14), ("太太乐 鸡精 200g", 890, 1300, 14), ("鲁花 花生油 1.8L", 4590, 900, 14),
    ("舒肤佳香皂 125g", 450, 1300, 15), ("高露洁牙膏 140g", 1290, 1300, 15), ("清风抽纸 3包", 1590, 1300, 15),
    ("立白洗衣液 2kg", 2990, 1300, 15), ("海飞丝洗发水 400ml", 4990, 1300, 15), ("维达卷纸 10卷", 2990, 1300, 15),
    ("青岛啤酒 500ml", 600, 1300, 16), ("雪花啤酒 500ml", 500, 1300, 16), ("燕京啤酒 500ml", 550, 1300, 16),
    ("双汇王中王 火腿肠", 1290, 1300, 17), ("思念 水饺 500g", 1690, 900, 17), ("三全 汤圆 400g", 1290, 900, 17),
    ("鸡蛋 10枚", 1290, 900, 18), ("豆腐 400g", 350, 900, 18),
)
_DEMO_WEIGHED: tuple[tuple[str, str, int], ...] = (
    # PLU (the scale's item code = SKU), name, price per kg (fen)
    ("00001", "红富士苹果", 1280), ("00002", "香蕉", 698), ("00003", "砂糖橘", 990), ("00004", "西红柿", 598),
    ("00005", "黄瓜", 498), ("00006", "五花肉", 2980), ("00007", "鸡胸肉", 1980), ("00008", "土豆", 398),
)


def demo_products() -> list[Product]:
    """A small supermarket catalog (about 50 products) with boxes for drinks and weighed fresh food."""
    from sync.barcodes import with_check_digit
    from sync.catalog import SaleUnit

    out: list[Product] = []
    for i, (name, price, tax, cat) in enumerate(_DEMO_GOODS, start=1):
        units = [SaleUnit("pc", 1, price, (with_check_digit(f"6901{i:08d}"),), "个")]
        if cat in (10, 11, 16):
            units.append(SaleUnit("box", 24 if cat != 11 else 12, price * (24 if cat != 11 else 12) * 92 // 100,
                                  (with_check_digit(f"6902{i:08d}"),), "箱"))
        out.append(Product(id=i, sku=f"{1000 + i}", name=name, tax_rate_bp=tax, weighed=False, category_id=cat,
                           units=tuple(units)))
    for j, (plu, name, price) in enumerate(_DEMO_WEIGHED, start=len(out) + 1):
        out.append(Product(id=j, sku=plu, name=name, tax_rate_bp=900, weighed=True, category_id=19,
                           units=(SaleUnit("kg", 1, price, (), "千克"),)))
    return out


def seed_demo(store: Store, *, terminal_id: int = 1, store_id: int = 1) -> None:
    """Fill an un-enrolled terminal with demo master data so it can sell offline at once:
    store S01 / terminal T01, cashier 1001 (PIN 1111), manager 9001 (PIN 999999), members, promotions."""
    from datetime import UTC, datetime, timedelta

    from argon2 import PasswordHasher

    from sync.promotions import Promotion, PromotionKind

    hasher = PasswordHasher()
    with store.transaction():
        for key, value in (("terminal_id", str(terminal_id)), ("store_id", str(store_id)), ("store_code", "S01"),
                           ("terminal_code", f"T{terminal_id:02d}"), ("demo_catalog", "1")):
            store.set_setting(key, value)
        put_master(store, Entity.STORE, store_id, {
            "id": store_id, "code": "S01", "name": "演示超市 一号店", "rounding_mode": "jiao_down",
            "receipt_header": "演示超市", "receipt_footer": "谢谢惠顾 欢迎再来\n退换货请凭小票 7 天内办理",
            "address": "北京市朝阳区建国路 1 号", "phone": "010-88886666", "points_per_yuan": 1,
        })
        put_master(store, Entity.TERMINAL, terminal_id, {
            "id": terminal_id, "code": f"T{terminal_id:02d}", "kind": "pos", "store_id": store_id,
            "receipt_prefix": f"S01-T{terminal_id:02d}",
        })
        for uid, code, name, role, pin in ((1, "1001", "张丽", "cashier", "1111"), (2, "1002", "王强", "cashier", "2222"),
                                           (3, "9001", "李店长", "store_manager", "999999")):
            put_master(store, Entity.USER, uid, {"id": uid, "code": code, "name": name, "role": role,
                                                 "pin_hash": hasher.hash(pin), "store_id": store_id, "active": True})
        put_master(store, Entity.MEMBER_LEVEL, "normal", {"code": "normal", "name": "普通会员", "points_per_yuan": 1})
        put_master(store, Entity.MEMBER_LEVEL, "gold", {"code": "gold", "name": "金卡会员", "points_per_yuan": 2,
                                                         "discount_bp": 500})
        for k in range(1, 21):
            put_master(store, Entity.MEMBER, f"demo-member-{k}", {
                "id": f"demo-member-{k}", "card_no": f"8800{k:04d}", "phone": f"1380000{k:04d}",
                "name": f"会员{k}", "level": "gold" if k % 4 == 0 else "normal", "points_balance": 500 * k,
                "active": True})
        now = datetime.now(UTC)
        start, end = now - timedelta(days=1), now + timedelta(days=365)
        promos = (
            Promotion(id=1, name="可乐买二送一", kind=PromotionKind.BUY_X_GET_Y, starts_at=start, ends_at=end,
                      product_ids=frozenset({1}), buy_qty=2, free_qty=1),
            Promotion(id=2, name="零食九折", kind=PromotionKind.PERCENT_OFF, starts_at=start, ends_at=end,
                      category_ids=frozenset({12}), percent_off_bp=1000),
            Promotion(id=3, name="满100减10", kind=PromotionKind.THRESHOLD, starts_at=start, ends_at=end,
                      threshold_fen=10000, amount_off_fen=1000),
            Promotion(id=4, name="会员牛奶特价", kind=PromotionKind.PRICE_CUT, starts_at=start, ends_at=end,
                      product_ids=frozenset({10}), special_price_fen=300, unit_code="pc", member_only=True),
        )
        for p in promos:
            put_master(store, Entity.PROMOTION, p.id, p.to_dict())
        put_products(store, demo_products())
