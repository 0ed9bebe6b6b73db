"""Typed errors of the terminal core: a code for the UI, a zh-CN message and an English one.

Screens show `message` (or `message_en` in English mode); nothing is half-written when one is
raised, because every write happens in one `Store.transaction()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import ValidationError

from sync.ranges import describe


class TerminalError(Exception):
    """Base of every error a cashier can see."""

    code = "terminal_error"

    def __init__(self, message: str, message_en: str, *, code: str | None = None) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.message} ({self.message_en})"


class AuthError(TerminalError):
    code = "auth_failed"


ACTION_NAMES: dict[str, tuple[str, str]] = {
    "price_override": ("改价", "price override"),
    "discount": ("折扣", "discount"),
    "refund": ("退货退款", "refund"),
    "no_sale": ("开钱箱", "open the drawer (no sale)"),
    "view_quarantine": ("查看异常事件", "view quarantined events"),
    "take_over_shift": ("接班收银", "sell in another cashier's open shift"),
    "void_line": ("删除商品", "void a line"),
}
"""Actions that need a manager's PIN (terminal.session.Action values): (zh-CN, English) names."""

_ACTION_CODES_BY_ZH = {zh: code for code, (zh, _en) in ACTION_NAMES.items()}


def action_names(action: str) -> tuple[str, str]:
    """(zh-CN, English) names of an action, given its code (`Action.REFUND`, "refund") or its
    Chinese name ("退货退款"); an unknown action keeps its own text in both languages."""
    code = str(action)
    if code in ACTION_NAMES:
        return ACTION_NAMES[code]
    if code in _ACTION_CODES_BY_ZH:
        return ACTION_NAMES[_ACTION_CODES_BY_ZH[code]]
    return code, code


class ApprovalRequired(TerminalError):
    """The action needs a manager's PIN (price override, discount, refund, no-sale).

    `action` is the action's code or its Chinese name; the messages name it in each language
    (`action_zh`, `action_en`). `action` itself stays the Chinese name, as before."""

    code = "approval_required"

    def __init__(self, action: str) -> None:
        action_zh, action_en = action_names(action)
        super().__init__(f"此操作需要店长授权：{action_zh}", f"manager approval required: {action_en}",
                         code="approval_required")
        self.action = action_zh
        self.action_zh = action_zh
        self.action_en = action_en
        self.action_code = _ACTION_CODES_BY_ZH.get(action_zh, str(action))


class ShiftError(TerminalError):
    code = "shift"


class NotFound(TerminalError):
    code = "not_found"


class CartError(TerminalError):
    code = "cart"


class PaymentError(TerminalError):
    code = "payment"


class ReturnError(TerminalError):
    code = "return"


class MemberError(TerminalError):
    code = "member"


class StoreBusy(TerminalError):
    """Another writer (e.g. a long sync) held the database past the wait: nothing was saved."""

    code = "db_busy"


class StoreFull(TerminalError):
    """The disk under the till's database is full: nothing was saved, the cart is kept."""

    code = "disk_full"


class RefusedByContract(TerminalError):
    """What the till was about to record breaks the wire contract both sides share (`sync/ranges.py`:
    a control character in a name or note, an amount or quantity out of range, a clock far off).
    Central would refuse it, and on PostgreSQL a NUL byte once blocked every push behind it, so the
    till refuses it first and says what and why (`sync.ranges.describe`); nothing was saved."""

    code = "out_of_range"

    @classmethod
    def of(cls, exc: ValidationError) -> RefusedByContract:
        code, zh, en = describe(exc.errors())
        return cls(f"未保存：{zh}", f"not saved: {en}", code=code)


@contextmanager
def contract_checked() -> Iterator[None]:
    """Around code that builds what the till records (`Store.transaction` does it for every write):
    the wire contract's refusal comes out as `RefusedByContract`, in plain words."""
    try:
        yield
    except ValidationError as exc:
        raise RefusedByContract.of(exc) from exc

