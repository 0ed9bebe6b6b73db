"""`pos-central demo` seeds a realistic, consistent business once, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from central.auth.passwords import verify_password
from central.catalog.models import Barcode, Product, ProductUnit
from central.customers.models import Customer
from central.db import session_scope
from central.demo.catalog import build_catalog, initials, real_barcodes
from central.demo.naming import chinese_name
from central.demo.seed import seed_demo
from central.finance.models import ReceivableAccount, ReceivableEntry
from central.inventory.check import check_stock
from central.members.models import Member, PointsEntry
from central.org.models import Store, Warehouse
from central.pricing.models import Promotion, PromotionStore
from central.users.models import User
from sync.barcodes import is_valid_ean13
from sync.promotions import Promotion as PromotionRule


def test_seed_is_complete_consistent_and_idempotent(engine: Engine) -> None:
    # when the demo is seeded twice
    with session_scope(engine) as s:
        first = seed_demo(s)
    with session_scope(engine) as s:
        second = seed_demo(s)
    # then the second run changes nothing
    assert first.created
    assert not second.created
    assert first.counts == second.counts
    with Session(engine) as s:
        assert sorted(s.scalars(select(Store.code))) == ["S01", "S02", "S03"]
        assert s.scalar(select(func.count()).select_from(Warehouse).where(Warehouse.store_id.is_(None))) == 1
        assert (s.scalar(select(func.count()).select_from(Product)) or 0) >= 2000
        codes = list(s.scalars(select(Barcode.barcode)))
        assert codes
        assert all(is_valid_ean13(c) for c in codes)
        weighed = s.scalars(select(Product).where(Product.weighed)).all()
        assert len(weighed) >= 30
        assert all(p.sku.isdigit() and len(p.sku) == 5 for p in weighed)  # the scale PLU
        boxes = s.scalar(select(func.count()).select_from(ProductUnit).where(ProductUnit.factor > 1))
        assert boxes
        assert boxes >= 100
        roles = set(s.scalars(select(User.role)))
        assert roles == {"admin", "store_manager", "cashier", "sales_rep", "warehouse", "finance"}
        cashier = s.scalars(select(User).where(User.username == "cashier11")).one()
        assert verify_password(cashier.pin_hash, "1234")
        assert verify_password(cashier.password_hash, "demo123")
        # promotions are valid sync-contract promotions, running now, of at least five kinds
        now = datetime.now(UTC)
        kinds = set()
        for promo in s.scalars(select(Promotion)):
            stores = list(s.scalars(select(PromotionStore.store_id).where(PromotionStore.promotion_id == promo.id)))
            rule = PromotionRule.from_dict({**promo.params, "id": promo.id, "starts_at": _wire(promo.starts_at),
                                            "ends_at": _wire(promo.ends_at), "store_ids": stores})
            assert rule.starts_at <= now < rule.ends_at
            kinds.add(rule.kind)
        assert len(kinds) == 5
        assert s.scalar(select(func.count()).select_from(Promotion)) == 6
        # members: 500, balance = ledger; customers: 200, each with a rep; receivables agree
        assert s.scalar(select(func.count()).select_from(Member)) == 500
        assert s.scalar(select(func.sum(Member.points_balance))) == s.scalar(select(func.sum(PointsEntry.points)))
        assert s.scalar(select(func.count()).select_from(Customer).where(Customer.rep_id.is_not(None))) == 200
        assert s.scalar(select(func.sum(ReceivableAccount.balance_fen))) == s.scalar(
            select(func.sum(ReceivableEntry.amount_fen)))
        assert check_stock(s).ok


def _wire(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_catalog_uses_the_bundled_real_barcodes_with_attribution() -> None:
    text = resources.files("central.demo").joinpath("data/real-barcodes-cn.tsv").read_text(encoding="utf-8")
    assert "Open Food Facts contributors" in text
    assert "ODbL" in text
    real = real_barcodes()
    assert len(real) == 1560  # the one row with a bad check digit is skipped
    assert "6913555892619" not in {code for code, _ in real}
    products = build_catalog()
    assert len(products) == 2000
    assert sum(p.real_barcode for p in products) == 1560
    codes = [b for p in products for u in p.units for b in u.barcodes]
    assert len(codes) == len(set(codes))
    assert build_catalog() == products  # deterministic


def test_chinese_names_and_categories_from_found_names() -> None:
    assert chinese_name("Beef Flavour Instant Noodles", "6923744344220") == ("牛肉味方便面 150g", "INS-NDL")
    name, category = chinese_name("Mandarin Oranges In Light Syrup", "6923917200094")
    assert category == "INS-CAN"
    assert name.startswith("水果罐头")
    assert chinese_name("zhenjiang vinegar 镇江香醋", "6902007505271") == ("镇江香醋", "SEA-VIN")
    assert initials("可口可乐 330ml") == "kkkl"


def test_demo_command_prints_the_sign_ins_and_is_idempotent(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from central.cli import main as central_main

    assert central_main(["demo", "--db", db_url]) == 0
    first = capsys.readouterr().out
    assert "products 2000" in first
    assert "cashier11" in first
    assert "1234" in first
    assert central_main(["demo", "--db", db_url]) == 0
    assert "already present" in capsys.readouterr().out
