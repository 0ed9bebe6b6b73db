"""Display formatting for the screens (money from integer fen, local times) and the parsing of what a
cashier typed into the types the till's areas take (yuan text → integer fen, quantities → Decimal)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sync.store_time import local_time as store_local_time
from terminal.errors import CartError


def money(fen: int) -> str:
    """"¥12.50" / "-¥3.00" from integer fen (no float ever touches the amount)."""
    try:
        from sync.money import format_fen
    except ImportError:  # the contract module is not in this build: same rule, done here
        sign = "-" if fen < 0 else ""
        yuan, cents = divmod(abs(int(fen)), 100)
        return f"{sign}¥{yuan}.{cents:02d}"
    return format_fen(int(fen))


def parse_yuan(text: str) -> int:
    """Integer fen from what a cashier typed ("12", "12.5", "12.50"); ValueError on anything else."""
    from sync.money import parse_yuan as contract_parse

    return contract_parse(text.strip())


def parse_qty(text: str) -> Decimal:
    """A quantity or weight as typed ("2", "0.355"); whether it is allowed is the checkout's rule."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise CartError(f"数量无效：{text}", f"not a quantity: {text}", code="bad_qty") from None
    if not value.is_finite():
        raise CartError(f"数量无效：{text}", f"not a quantity: {text}", code="bad_qty")
    return value


def parse_whole(text: str) -> int:
    """A whole number as typed (points to redeem): "200" → 200."""
    value = parse_qty(text)
    if value != value.to_integral_value():
        raise CartError("积分必须是非负整数", "points are a whole non-negative number", code="bad_points")
    return int(value)


def local_time(when: datetime) -> str:
    """A stored UTC time shown to the minute in the store's time zone (`sync.store_time`, the one its
    receipts print in), whatever zone the till's clock is set to: a till running in UTC showed a
    sale as 09:58 on the returns screen that its receipt said was 17:58."""
    return store_local_time(when).strftime("%m-%d %H:%M")
