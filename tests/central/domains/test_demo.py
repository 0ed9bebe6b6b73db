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
from central.demo.naming import shelf_name
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
        assert s.scalar(select(func.count()).select_from(Customer).where(Customer.rep_id.is_not(None),
                                                                         Customer.status == "active")) == 200
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


def test_shelf_names_in_both_languages_from_found_names() -> None:
    named = shelf_name("Beef Flavour Instant Noodles", "6923744344220")
    assert named is not None
    assert (named.name, named.name_en, named.category) == ("牛肉味方便面 105g", "Beef Instant Noodles 105g", "INS-NDL")
    canned = shelf_name("Mandarin Oranges In Light Syrup", "6923917200094")
    assert canned is not None
    assert canned.category == "INS-CAN"
    assert canned.name.startswith("水果罐头")
    assert canned.name_en.startswith("Canned Fruit")
    soy = shelf_name("Superior Dark Soy Sauce", "6900000000002")
    assert soy is not None
    assert (soy.name, soy.name_en) == ("老抽酱油 500ml", "Dark Soy Sauce 500ml")
    vinegar = shelf_name("zhenjiang vinegar 镇江香醋", "6902007505271")  # a Chinese name: the curated row
    assert vinegar is not None
    assert (vinegar.name, vinegar.name_en, vinegar.price_fen) == ("镇江香醋 550ml", "Zhenjiang Black Vinegar 550ml", 790)
    assert shelf_name("Happy Nero", "6900000000003") is None  # says nothing: the shop's own goods go there
    assert initials("可口可乐 330ml") == "kkkl"


def test_the_demo_catalog_is_believable() -> None:
    from central.demo.catalog import pack_amount

    products = build_catalog()
    # every product has an English name, and the Chinese and English names give the same pack size
    for p in products:
        assert p.name_en, p.name
        size = p.name.rsplit(" ", 1)[-1]
        if pack_amount(size) is not None:
            assert p.name_en.endswith(size), (p.name, p.name_en)
    # the three Coca-Colas are told apart by their size, at believable prices
    colas = {p.name: p.units[0].price_fen for p in products if p.name.startswith("可口可乐")}
    assert colas == {"可口可乐 330ml 罐装": 300, "可口可乐 500ml": 350, "可口可乐 1.25L": 550, "可口可乐 2L": 890}
    # a bottle of milk costs what a bottle of milk costs (the demo once sold 550 ml for ¥56.50)
    for p in products:
        amount = pack_amount(p.name.rsplit(" ", 1)[-1])
        if p.category == "DAI-MLK" and amount is not None and amount <= 1000:
            assert p.units[0].price_fen <= 3_000, (p.name, p.units[0].price_fen)
        if p.category.startswith("DRK") and amount is not None and amount <= 600:
            assert p.units[0].price_fen <= 1_000, (p.name, p.units[0].price_fen)
    noodles = next(p for p in products if p.name == "红烧牛肉方便面 桶装")
    assert 450 <= noodles.units[0].price_fen <= 700
    assert noodles.name_en == "Braised Beef Instant Noodles Cup"


def test_demo_command_prints_the_sign_ins_and_is_idempotent(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from central.cli import main as central_main

    assert central_main(["demo", "--db", db_url]) == 0
    first = capsys.readouterr().out
    assert "products 2002" in first  # the catalogue and two kits (a gift box, a 25 kg sack)
    assert "cashier11" in first
    assert "1234" in first
    # a member and vouchers a new cashier can try, printed both times
    assert "card 860000000001" in first
    assert "储值 stored value ¥200.00" in first
    assert "满100减20代金券" in first
    assert central_main(["demo", "--db", db_url]) == 0
    again = capsys.readouterr().out
    assert "already present" in again
    assert "card 860000000001" in again
    codes = [line.split()[0] for line in again.splitlines() if line.startswith("  99")]
    assert len(codes) == 3


@pytest.mark.slow
def test_demo_trading_goes_through_the_real_ingest(engine: Engine) -> None:
    from central.demo.history import seed_history
    from central.review.models import ReviewFlag
    from central.sales.models import Sale, SaleReturn, Shift
    from central.syncing.models import SyncQuarantine, TerminalContact

    with session_scope(engine) as s:
        seed_demo(s)
    summary = seed_history(engine, days=2, seed=5)
    assert summary.created
    assert summary.sales > 50
    assert set(summary.results) == {"applied"}, summary.results
    assert not seed_history(engine, days=2).created  # once only
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Sale)) == summary.sales
        assert s.scalar(select(func.count()).select_from(SaleReturn)) == summary.returns
        assert s.scalar(select(func.count()).select_from(Shift).where(Shift.status == "closed")) >= 6
        assert s.scalar(select(func.count()).select_from(SyncQuarantine)) == 0
        assert s.scalar(select(func.count()).select_from(ReviewFlag)) == 0  # prices and points hold
        assert s.scalar(select(func.count()).select_from(TerminalContact)) == summary.terminals == 6
        assert check_stock(s).ok
