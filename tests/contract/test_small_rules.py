"""One home for each small rule both ends compute (#12 item 4): these tests pin the rule in `sync/`
and prove the till and central use that very function rather than a copy of their own."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from sync.quantity import from_milli, normalize_qty, to_milli

ROOT = Path(__file__).resolve().parents[2]


def _defined_functions(name: str, *rooms: str) -> list[str]:
    """Every module under `rooms` that defines a top-level function called `name`."""
    found = []
    for room in rooms:
        for path in sorted((ROOT / room).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if any(isinstance(n, ast.FunctionDef) and n.name == name for n in tree.body):
                found.append(str(path.relative_to(ROOT)))
    return found


# ---------------------------------------------------------------------------- to_milli


@pytest.mark.parametrize(("qty", "milli"), [
    (3, 3000), (Decimal(3), 3000), (Decimal("1.5"), 1500), (Decimal("0.450"), 450), ("1.255", 1255),
    (Decimal("2.000"), 2000), (Decimal("100000"), 100_000_000),
    # beyond 3 places: half up, the same at the till and at central
    (Decimal("1.2345"), 1235), (Decimal("1.2344"), 1234), (Decimal("0.0005"), 1), (Decimal("0.0004"), 0),
    ("2.99950", 3000), (Decimal("-1.2345"), -1235),
])
def test_to_milli_is_exact_to_three_places_and_rounds_half_up_beyond(qty: object, milli: int) -> None:
    assert to_milli(qty) == milli  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [1.5, True, None])
def test_to_milli_refuses_floats_and_non_numbers(bad: object) -> None:
    with pytest.raises(TypeError):
        to_milli(bad)  # type: ignore[arg-type]


def test_to_milli_inverts_from_milli_for_pieces_and_weights() -> None:
    for milli in (1, 450, 1000, 1255, 99_999_999):
        assert to_milli(from_milli(milli, weighed=True)) == milli
    for milli in (1000, 24_000):
        assert to_milli(from_milli(milli, weighed=False)) == milli
        assert to_milli(normalize_qty(milli // 1000, weighed=False)) == milli


def test_to_milli_has_one_home() -> None:
    assert _defined_functions("to_milli", "sync", "central", "terminal") == ["sync/quantity.py"]


# ---------------------------------------------------------------------------- the store's time zone


def test_store_days_are_shanghai_days_whatever_the_machine_zone() -> None:
    from datetime import UTC, date, datetime

    from sync.store_time import STORE_TIMEZONE, STORE_TZ, business_date, day_start_utc, local_time

    assert STORE_TIMEZONE == "Asia/Shanghai"
    assert STORE_TZ.key == STORE_TIMEZONE
    late = datetime(2026, 2, 28, 16, 30, tzinfo=UTC)  # 00:30 on 1 March in Shanghai
    assert business_date(late) == date(2026, 3, 1)
    assert business_date(datetime(2026, 2, 28, 15, 59, 59, tzinfo=UTC)) == date(2026, 2, 28)
    assert day_start_utc(date(2026, 3, 1)) == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert local_time(late).strftime("%Y-%m-%d %H:%M") == "2026-03-01 00:30"
    assert business_date(day_start_utc(date(2026, 3, 1))) == date(2026, 3, 1)


def test_the_store_time_zone_has_one_home() -> None:
    """Nobody else names the zone or defines the day rule: central's old `central/sales/dates.py` is
    gone, the tablet's clock and the till's printing import `sync.store_time`, and the printer driver's
    own default is never imported by the terminal (printing passes the zone explicitly)."""
    assert not (ROOT / "central/sales/dates.py").exists()
    for name in ("business_date", "day_start_utc", "local_date"):
        assert _defined_functions(name, "central", "terminal") == [], name
    for room in ("central", "terminal", "sync"):
        for path in (ROOT / room).rglob("*.py"):
            if "migrations" in path.parts or path.name == "store_time.py":
                continue
            text = path.read_text(encoding="utf-8")
            assert "DEFAULT_TIMEZONE" not in text, path
            assert 'ZoneInfo("' not in text, path


# ---------------------------------------------------------------------------- phones


@pytest.mark.parametrize(("text", "member", "contact"), [
    ("13800138000", True, True), ("19912345678", True, True),
    ("23800138000", False, True), ("1380013800", False, True), ("138001380001", False, True),
    ("021-50001234", False, True), ("+852-2345-6789", False, True),
    ("138 0013 8000", False, False), ("abc", False, False), ("1234", False, False), ("+", False, False),
    ("１３８００１３８０００", False, False),  # full-width digits are not digits on the wire
    ("13800138000\n", False, False), ("1" * 21, False, False),
])
def test_phone_rules(text: str, member: bool, contact: bool) -> None:
    from sync.phones import is_contact_phone, is_member_phone

    assert is_member_phone(text) is member
    assert is_contact_phone(text) is contact


def test_the_till_and_central_accept_the_same_member_phones() -> None:
    """The till's offline member form and central's members API (and console, Excel import) take
    exactly the phones `sync.phones` calls a member's; customers take contact phones."""
    from pydantic import ValidationError

    from central.customers.schemas import CustomerIn
    from central.members.schemas import MemberIn
    from sync.phones import is_contact_phone, is_member_phone

    def central_member(phone: str) -> bool:
        try:
            MemberIn.model_validate({"card_no": "M1", "phone": phone})
        except ValidationError:
            return False
        return True

    def central_contact(phone: str) -> bool:
        try:
            CustomerIn.model_validate({"code": "C1", "name": "客户", "contact_phone": phone})
        except ValidationError:
            return False
        return True

    for phone in ("13800138000", "23800138000", "021-50001234", "1380013800", "abc", "+8613800138000"):
        assert central_member(phone) is is_member_phone(phone), phone
        assert central_contact(phone) is is_contact_phone(phone), phone
    assert central_member("  13800138000 ")  # blanks around are stripped, as at the till


def test_phone_patterns_have_one_home() -> None:
    """No module of the till or central writes a phone pattern of its own (the till checks with
    `sync.phones.is_member_phone`: tests/terminal/test_checkout.py creates members with it)."""
    copies = [str(f.relative_to(ROOT)) for room in ("terminal", "central") for f in (ROOT / room).rglob("*.py")
              if any(p in f.read_text(encoding="utf-8") for p in ("1\\d{10}", "1[0-9]{10}", "[0-9-]+$"))]
    assert copies == []


# ---------------------------------------------------------------------------- protocol 4: weighed, points value

WIRE = ROOT / "tests" / "golden" / "wire"


def _golden_sale() -> dict[str, object]:
    import json

    return dict(json.loads((WIRE / "event.sale.completed.json").read_text(encoding="utf-8"))["payload"])


def test_the_protocol_is_4_and_names_the_sale_facts() -> None:
    from sync.protocol import MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, SALE_FACTS_PROTOCOL

    assert PROTOCOL_VERSION >= SALE_FACTS_PROTOCOL == 4
    assert MIN_PROTOCOL_VERSION == 1  # older tills are still served


def test_a_line_is_weighed_when_the_till_says_so() -> None:
    from sync.events import SaleCompleted, line_is_weighed

    sale = SaleCompleted.model_validate(_golden_sale())
    assert [line_is_weighed(ln) for ln in sale.lines] == [False, True]
    # the flag decides, not the Decimal's form: a weighed line of exactly 2 kg written "2"
    two_kg = sale.lines[1].model_copy(update={"qty": Decimal(2)})
    assert line_is_weighed(two_kg)
    assert not line_is_weighed(sale.lines[0].model_copy(update={"qty": Decimal("2.000")}))


def test_an_older_tills_sale_still_parses_and_answers_the_same() -> None:
    """A protocol-3 till sends no `weighed` and no `points_value_fen`: it still pushes, and the rules
    answer from its stored form exactly as the receipt used to work them out."""
    from sync.events import SaleCompleted, SaleLinePayload, line_is_weighed, sale_points_value_fen

    old = _golden_sale()
    del old["points_value_fen"]
    old["lines"] = [{k: v for k, v in ln.items() if k != "weighed"} for ln in old["lines"]]  # type: ignore[attr-defined]
    sale = SaleCompleted.model_validate(old)
    assert sale.points_value_fen is None
    assert [ln.weighed for ln in sale.lines] == [None, None]
    assert [line_is_weighed(ln) for ln in sale.lines] == [False, True]  # "2" pieces, "1.250" kg
    assert sale_points_value_fen(sale) == 500
    assert isinstance(sale.lines[0], SaleLinePayload)


def test_the_points_value_is_what_the_sale_says() -> None:
    from sync.events import SaleCompleted, points_value_from_discounts, sale_points_value_fen

    sale = SaleCompleted.model_validate(_golden_sale())
    assert sale_points_value_fen(sale) == sale.points_value_fen == 500
    # the event's own figure wins over the discounts' arithmetic (which only older sales need)
    assert sale_points_value_fen(sale.model_copy(update={"points_value_fen": 0})) == 0
    assert points_value_from_discounts(100, 500, 100) == 500


def test_a_line_of_pieces_has_a_whole_quantity() -> None:
    from pydantic import ValidationError

    from sync.events import SaleCompleted

    bad = _golden_sale()
    bad["lines"] = [dict(bad["lines"][0], qty="1.5")]  # type: ignore[index]
    with pytest.raises(ValidationError, match="whole quantity"):
        SaleCompleted.model_validate(bad)


def test_the_till_writes_both_facts_into_its_sale_event() -> None:
    from sync.catalog import Product, SaleUnit
    from sync.events import SaleLinePayload
    from sync.pricing import Cart, CartLine, PricingContext, price_cart

    apples = Product(2, "APL", "苹果", 900, True, 10, (SaleUnit("kg", 1, 1280),))
    cola = Product(1, "COLA", "可乐", 1300, False, 10, (SaleUnit("pc", 1, 350),))
    from datetime import UTC, datetime

    ctx = PricingContext(at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC), store_id=1, products={1: cola, 2: apples})
    priced = price_cart(Cart(lines=(CartLine(1, "pc", 2), CartLine(2, "kg", Decimal("2.000")))), ctx)
    lines = [SaleLinePayload.model_validate(ln.to_payload_dict()) for ln in priced.lines]
    assert [ln.weighed for ln in lines] == [False, True]


def test_no_one_guesses_weighed_from_a_decimal_or_derives_points_from_discounts() -> None:
    offenders = []
    for room in ("terminal", "central"):
        for f in (ROOT / room).rglob("*.py"):
            text = f.read_text(encoding="utf-8")
            if "as_tuple().exponent" in text and ("qty" in text.split("as_tuple().exponent")[0][-40:]):
                offenders.append(str(f.relative_to(ROOT)))
            if "order_discount_fen for ln in" in text and "- sale.discount_fen" in text and \
                    "points_value_from_discounts" not in text:
                offenders.append(str(f.relative_to(ROOT)))
    assert offenders == []
