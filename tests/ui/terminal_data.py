"""A real terminal data folder for the UI tests and the start-up benchmark: an enrolled till with
synced users, products (piece + box units, a weighed item), promotions and a member, written into
the same master tables the sync client fills."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pypinyin import Style, lazy_pinyin

from sync.barcodes import with_check_digit
from sync.catalog import MemberLevel, Product, SaleUnit
from sync.master import Entity, MemberInfo, StoreSettings, TerminalInfo, UserInfo
from sync.promotions import Promotion, PromotionKind
from sync.vouchers import VoucherBatch, VoucherInfo, VoucherKind, VoucherStatus
from terminal.session import hash_pin
from terminal.store import open_store

CASHIER = ("1001", "1234")
MANAGER = ("9001", "999999")
CASHIER2 = ("1002", "2468")
"""A second cashier, for the next shift (交接班)."""
MEMBER_CARD = "88000001"
MEMBER_PHONE = "13800138000"
MEMBER_STORED_VALUE_FEN = 5000
"""The member's stored value (储值) at central's last sync."""
VOUCHER_CODE = "VC2026120700015"
"""A ¥5 代金券 (minimum spend ¥10) head office issued, active."""

# EAN-13 codes with valid check digits
COLA_PC = with_check_digit("690123456789")
COLA_BOX = with_check_digit("690123456790")
WATER = with_check_digit("690234567890")
NOODLES = with_check_digit("690345678901")
BREAD = with_check_digit("690456789012")
DETERGENT = with_check_digit("690567890123")

PRODUCTS: tuple[Product, ...] = (
    Product(id=1, sku="100001", name="可口可乐 330ml", tax_rate_bp=1300, weighed=False, category_id=1,
            units=(SaleUnit("pc", 1, 350, (COLA_PC,), "瓶"), SaleUnit("box", 24, 7200, (COLA_BOX,), "箱"))),
    Product(id=2, sku="100002", name="农夫山泉 550ml", tax_rate_bp=1300, weighed=False, category_id=1,
            units=(SaleUnit("pc", 1, 200, (WATER,), "瓶"),)),
    Product(id=3, sku="100003", name="康师傅红烧牛肉面", tax_rate_bp=1300, weighed=False, category_id=2,
            units=(SaleUnit("pc", 1, 450, (NOODLES,), "包"),)),
    Product(id=4, sku="100004", name="全麦吐司面包", tax_rate_bp=900, weighed=False, category_id=2,
            units=(SaleUnit("pc", 1, 1290, (BREAD,), "袋"),)),
    Product(id=5, sku="100005", name="蓝月亮洗衣液 2kg", tax_rate_bp=1300, weighed=False, category_id=3,
            units=(SaleUnit("pc", 1, 3990, (DETERGENT,), "瓶"),)),
    Product(id=6, sku="200001", name="红富士苹果", tax_rate_bp=900, weighed=True, category_id=4,
            units=(SaleUnit("kg", 1, 1280, (), "千克"),)),
)


def _promotions(now: datetime) -> tuple[Promotion, ...]:
    start, end = now - timedelta(days=1), now + timedelta(days=30)
    return (
        Promotion(id=11, name="农夫山泉买二送一", kind=PromotionKind.BUY_X_GET_Y, starts_at=start, ends_at=end,
                  product_ids=frozenset({2}), buy_qty=2, free_qty=1),
        Promotion(id=12, name="面包九折", kind=PromotionKind.PERCENT_OFF, starts_at=start, ends_at=end,
                  product_ids=frozenset({4}), percent_off_bp=1000),
    )


def _initials(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower().replace(" ", "")


def make_terminal_data(data_dir: Path, *, rounding_mode: str = "jiao_down",
                       extra_settings: dict[str, str] | None = None) -> Path:
    """Create (or refill) a terminal data folder ready to sign in and sell offline."""
    now = datetime.now(UTC)
    store = open_store(data_dir)
    rows: list[tuple[str, str, dict[str, Any]]] = []
    rows.append((Entity.STORE, "1", StoreSettings(
        id=1, code="S01", name="示范超市 人民路店", rounding_mode=rounding_mode,
        receipt_header="示范超市 欢迎光临", receipt_footer="谢谢惠顾 请保留小票",
        address="上海市人民路 88 号", phone="021-12345678").model_dump(mode="json")))
    rows.append((Entity.TERMINAL, "3", TerminalInfo(id=3, code="T03", store_id=1,
                                                    receipt_prefix="S01-T03").model_dump(mode="json")))
    rows.append((Entity.USER, "1", UserInfo(id=1, code=CASHIER[0], name="张敏", role="cashier",
                                            pin_hash=hash_pin(CASHIER[1]), store_id=1).model_dump(mode="json")))
    rows.append((Entity.USER, "2", UserInfo(id=2, code=MANAGER[0], name="王店长", role="store_manager",
                                            pin_hash=hash_pin(MANAGER[1]), store_id=1).model_dump(mode="json")))
    rows.append((Entity.USER, "4", UserInfo(id=4, code=CASHIER2[0], name="李娜", role="cashier",
                                            pin_hash=hash_pin(CASHIER2[1]), store_id=1).model_dump(mode="json")))
    for level in (MemberLevel("normal", "普通会员"), MemberLevel("gold", "金卡会员", points_per_yuan=Decimal(2))):
        rows.append((Entity.MEMBER_LEVEL, level.code, level.to_dict()))
    rows.append((Entity.MEMBER, "m-1", MemberInfo(id="m-1", card_no=MEMBER_CARD, phone=MEMBER_PHONE,
                                                  name="李华", level="gold", points_balance=1200,
                                                  stored_value_fen=MEMBER_STORED_VALUE_FEN).model_dump(mode="json")))
    rows.append((Entity.VOUCHER_BATCH, "31", VoucherBatch(id=31, code="NEW5", name="新店开业 5 元券",
                                                          kind=VoucherKind.VALUE, value_fen=500,
                                                          min_spend_fen=1000).model_dump(mode="json")))
    rows.append((Entity.VOUCHER, VOUCHER_CODE, VoucherInfo(code=VOUCHER_CODE, batch_id=31,
                                                           status=VoucherStatus.ACTIVE).model_dump(mode="json")))
    for product in PRODUCTS:
        rows.append((Entity.PRODUCT, str(product.id), product.to_dict()))
    for promo in _promotions(now):
        rows.append((Entity.PROMOTION, str(promo.id), promo.to_dict()))
    with store.transaction():
        for key, value in {"terminal_id": "3", "store_id": "1", "store_code": "S01", "terminal_code": "T03",
                           **(extra_settings or {})}.items():
            store.set_setting(key, value)
        for version, (entity, id_, data) in enumerate(rows, start=1):
            store.execute("INSERT OR REPLACE INTO master(entity, id, version, data) VALUES (?, ?, ?, ?)",
                          (str(entity), id_, version, json.dumps(data, ensure_ascii=False)))
        for product in PRODUCTS:
            store.execute("INSERT OR REPLACE INTO product_search(product_id, sku, name, pinyin) VALUES (?,?,?,?)",
                          (str(product.id), product.sku, product.name, _initials(product.name)))
            for unit in product.units:
                for code in unit.barcodes:
                    store.execute("INSERT OR REPLACE INTO barcode_index(barcode, product_id, unit_code) "
                                  "VALUES (?, ?, ?)", (code, str(product.id), unit.code))
    store.close()
    return data_dir
