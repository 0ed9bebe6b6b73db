"""Targeted tests of the contract's seams: wire forms, event payload compatibility, barcode lookup,
points ledger entries and context re-use between scans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sync.catalog import (
    CustomerTerms,
    MemberLevel,
    MemberLevelPrice,
    MemberRef,
    PriceList,
    PriceListEntry,
    PriceListScope,
    Product,
    SaleUnit,
)
from sync.errors import BarcodeError, CatalogError, PricingError
from sync.events import SaleCompleted, SaleLinePayload
from sync.points import PointsEntry, PointsEntryKind, sale_points_entries
from sync.pricing import Cart, CartLine, PricingContext, price_cart
from sync.promotions import Promotion, PromotionKind
from sync.rounding import RoundingPolicy, RoundingUnit

AT = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
COLA = Product(1, "COLA", "可乐", 1300, False, 10,
               (SaleUnit("pc", 1, 350, ("036000291452",)), SaleUnit("box", 24, 7200, ("6901234567892",))))
CUP = Product(5, "CUP", "杯", 1300, False, 90, (SaleUnit("pc", 1, 1500),))
GIFT = Promotion(7, "送杯", PromotionKind.GIFT, AT - timedelta(days=1), AT + timedelta(days=1),
                 product_ids=frozenset({1}), buy_qty=2, gift_product_id=5, gift_unit_code="pc", gift_qty=1)
CTX = PricingContext(at=AT, store_id=1, products={1: COLA, 5: CUP}, promotions=(GIFT,),
                     member_levels={"normal": MemberLevel("normal", "普通")},
                     rounding=RoundingPolicy(RoundingUnit.JIAO))


def test_upc_a_and_ean13_forms_find_the_same_unit() -> None:
    # given a unit registered with its UPC-A code (stored as EAN-13)
    assert COLA.units[0].barcodes == ("0036000291452",)
    # when either form is scanned, then the same unit is found
    for scanned in ("036000291452", "0036000291452"):
        found = CTX.lookup_barcode(scanned)
        assert found is not None
        assert (found[0].id, found[1].code) == (1, "pc")
    assert CTX.lookup_barcode("96385074") is None
    with pytest.raises(BarcodeError):
        CTX.lookup_barcode("6901234567890")


def test_priced_cart_fits_the_sale_completed_event() -> None:
    # given a priced cart with a gift line and rounding
    cart = Cart((CartLine(1, "pc", 3, manual_discount_fen=3), CartLine(1, "box", 1)), member=MemberRef("m", "normal"))
    priced = price_cart(cart, CTX)
    # when the terminal builds the wire event from it
    event = SaleCompleted(
        sale_id="s1", receipt_no="R1", store_id=1, terminal_id=1, shift_id="sh", sold_at=AT,
        lines=[SaleLinePayload(**ln.to_payload_dict()) for ln in priced.lines],
        subtotal_fen=priced.subtotal_fen, discount_fen=priced.discount_fen, rounding_fen=priced.rounding_fen,
        total_fen=priced.total_fen, tax_fen=priced.tax_fen, points_earned=priced.points_earned,
        points_redeemed=priced.points_redeemed, promotion_ids=list(priced.promotion_ids))
    # then the event validates and keeps the lead's invariant Σ line amounts + rounding = total
    assert sum(ln.amount_fen for ln in event.lines) + event.rounding_fen == event.total_fen
    assert event.lines[-1].is_gift
    assert event.lines[-1].amount_fen == 0
    # 1047 + 7200 = 8247 → 抹零 to the jiao, down: 8240; points on 82.47 yuan
    assert (priced.rounding_fen, priced.total_fen, priced.points_earned) == (-7, 8240, 82)


def test_wire_forms_round_trip() -> None:
    pl = PriceList(3, "批发", PriceListScope.CUSTOMER_GROUP, 1, (PriceListEntry(1, "box", 6000),),
                   valid_from=AT, valid_to=AT + timedelta(days=30), priority=2)
    mp = MemberLevelPrice("gold", 1, "pc", 300, valid_from=AT)
    for obj in (COLA, pl, mp, MemberLevel("gold", "金卡", Decimal("1.5"), 500), CustomerTerms(9, 1, 300),
                MemberRef("m", "gold", 12), GIFT, RoundingPolicy(RoundingUnit.YUAN)):
        assert type(obj).from_dict(obj.to_dict()) == obj
    assert PricingContext.from_dict(CTX.to_dict()).to_dict() == CTX.to_dict()


def test_context_at_time_shares_indexes_and_moves_time() -> None:
    later = CTX.at_time(AT + timedelta(days=2))  # the gift promotion has ended
    assert later._index is CTX._index
    cart = Cart((CartLine(1, "pc", 2),))
    assert len(price_cart(cart, CTX).lines) == 2
    assert len(price_cart(cart, later).lines) == 1
    with pytest.raises(CatalogError):
        CTX.at_time(datetime(2026, 6, 15, 2, 0))  # naive: refused


def test_points_ledger_entries_for_a_sale() -> None:
    entries = sale_points_entries(member_id="m", sale_id="s1", occurred_at=AT, points_earned=20, points_redeemed=300)
    assert [(e.kind, e.points) for e in entries] == [(PointsEntryKind.REDEEM, -300), (PointsEntryKind.EARN, 20)]
    assert sum(e.points for e in entries) == -280
    assert PointsEntry.from_dict(entries[0].to_dict()) == entries[0]
    with pytest.raises(PricingError):
        PointsEntry("m", PointsEntryKind.EARN, -5, "s1", AT)


def test_bad_catalog_data_is_refused_on_construction() -> None:
    with pytest.raises(CatalogError):
        Product(2, "X", "x", 1700, False, None, (SaleUnit("pc", 1, 100),))  # not a VAT rate
    with pytest.raises(CatalogError):
        Product(2, "X", "x", 1300, False, None, ())  # no unit
    with pytest.raises(CatalogError):
        Product(2, "X", "x", 1300, True, None, (SaleUnit("box", 6, 100),))  # weighed with a factor
    with pytest.raises(BarcodeError):
        SaleUnit("pc", 1, 100, ("12345",))
    with pytest.raises(CatalogError):
        SaleUnit("pc", 0, 100)


def test_fast_line_constructor_equals_the_dataclass_constructor() -> None:
    from dataclasses import fields

    from sync.pricing import PricedLine, _new_line

    values = (1, 2, "SKU", "名", "pc", 1, Decimal("2"), 350, "base", 700, 10, 5, 685, 1300, 79, (3,), False, 0, 0, False)
    assert len(values) == len(fields(PricedLine))
    made = _new_line(*values)
    assert made == PricedLine(*values)
    assert type(made) is PricedLine
    with pytest.raises(AttributeError):
        made.amount_fen = 1  # type: ignore[misc]  # still frozen
