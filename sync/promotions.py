"""Promotions (促销): what they are, when and where they run, and their validation.

Kinds (parameters in brackets):
- `price_cut` 特价/直降: a special price per unit of `unit_code` [special_price_fen, unit_code], or
  an amount off per base unit [amount_off_fen] (a box of 24 gets 24 × the amount off).
- `percent_off` 折扣: [percent_off_bp] off the line (2000 = 20% off = 八折).
- `buy_x_get_y` 买X送Y: for every buy_qty + free_qty units of the same product and unit, free_qty are
  free (the cheapest units first) [buy_qty, free_qty].
- `gift` 买赠/绑赠: buying buy_qty base units of the target adds a free gift line [buy_qty,
  gift_product_id, gift_unit_code, gift_qty, repeat].
- `threshold` 满减: spend threshold_fen on the target, get amount_off_fen off the order, once or for
  every threshold reached [threshold_fen, amount_off_fen, repeat, max_repeats].

Which promotions combine and which wins is `sync/PRICING.md` (implemented in `sync/pricing.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sync.catalog import in_window, require_utc, time_from_wire, time_to_wire
from sync.errors import ContractError, PromotionError


class PromotionKind(StrEnum):
    PRICE_CUT = "price_cut"
    PERCENT_OFF = "percent_off"
    BUY_X_GET_Y = "buy_x_get_y"
    GIFT = "gift"
    THRESHOLD = "threshold"


ITEM_KINDS: frozenset[PromotionKind] = frozenset(
    {PromotionKind.PRICE_CUT, PromotionKind.PERCENT_OFF, PromotionKind.BUY_X_GET_Y})
"""Kinds that discount the lines they apply to; a line gets at most one of them."""

_PARAMS: dict[PromotionKind, tuple[set[str], set[str]]] = {
    # kind: (required parameters, allowed optional parameters)
    PromotionKind.PRICE_CUT: (set(), {"special_price_fen", "unit_code", "amount_off_fen"}),
    PromotionKind.PERCENT_OFF: ({"percent_off_bp"}, set()),
    PromotionKind.BUY_X_GET_Y: ({"buy_qty", "free_qty"}, set()),
    PromotionKind.GIFT: ({"buy_qty", "gift_product_id", "gift_unit_code", "gift_qty"}, set()),
    PromotionKind.THRESHOLD: ({"threshold_fen", "amount_off_fen"}, {"max_repeats"}),
}
_ALL_PARAMS = ("special_price_fen", "amount_off_fen", "unit_code", "percent_off_bp", "buy_qty", "free_qty",
               "gift_product_id", "gift_unit_code", "gift_qty", "threshold_fen", "max_repeats")


def _bad(name: str, zh: str, en: str, field: str | None = None) -> PromotionError:
    return PromotionError(f"促销“{name}”：{zh}", f"promotion {name!r}: {en}", field=field)


def _pos_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@dataclass(frozen=True, slots=True)
class Promotion:
    """A promotion with its time window [starts_at, ends_at) and scope. Validated on construction."""

    id: int
    name: str
    kind: PromotionKind
    starts_at: datetime
    ends_at: datetime
    store_ids: frozenset[int] = frozenset()
    """Stores where it runs; empty = every store."""
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    """Target products: those listed plus those in the categories; both empty = every product."""
    member_only: bool = False
    exclusive: bool = False
    """不与其他优惠同享: if it wins, it is the only promotion of the sale (see PRICING.md)."""
    priority: int = 0
    """Breaks ties only (higher first); the customer's benefit decides before it."""
    special_price_fen: int | None = None
    amount_off_fen: int | None = None
    unit_code: str | None = None
    percent_off_bp: int | None = None
    buy_qty: int | None = None
    free_qty: int | None = None
    gift_product_id: int | None = None
    gift_unit_code: str | None = None
    gift_qty: int | None = None
    threshold_fen: int | None = None
    repeat: bool = False
    max_repeats: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.id, bool) or not isinstance(self.id, int):
            raise PromotionError("促销编号必须是整数", "a promotion id is an integer", field="id")
        try:
            kind = PromotionKind(self.kind)
        except ValueError:
            raise _bad(self.name, f"未知的促销类型 {self.kind!r}", f"unknown kind {self.kind!r}", "kind") from None
        object.__setattr__(self, "kind", kind)
        try:
            object.__setattr__(self, "starts_at", require_utc(self.starts_at, what="starts_at"))
            object.__setattr__(self, "ends_at", require_utc(self.ends_at, what="ends_at"))
        except ContractError as e:
            raise _bad(self.name, e.message, e.message_en, e.field) from None
        if self.ends_at <= self.starts_at:
            raise PromotionError(f"促销“{self.name}”的结束时间必须晚于开始时间",
                                 f"promotion {self.name!r} ends before it starts", code="end_before_start",
                                 field="ends_at")
        for attr in ("store_ids", "product_ids", "category_ids"):
            object.__setattr__(self, attr, frozenset(getattr(self, attr)))
        required, optional = _PARAMS[kind]
        for p in _ALL_PARAMS:
            value = getattr(self, p)
            if p in required and value is None:
                raise _bad(self.name, f"缺少参数 {p}", f"missing parameter {p}", p)
            if value is not None and p not in required and p not in optional:
                raise _bad(self.name, f"参数 {p} 不适用于 {kind.value}", f"{p} does not apply to {kind.value}", p)
        if self.repeat and kind not in (PromotionKind.GIFT, PromotionKind.THRESHOLD):
            raise _bad(self.name, "只有买赠和满减可以设置“重复”", "only gift and threshold can repeat", "repeat")
        getattr(self, f"_check_{kind.value}")()

    def _check_price_cut(self) -> None:
        if (self.special_price_fen is None) == (self.amount_off_fen is None):
            raise _bad(self.name, "特价须设置特价或直降金额之一", "set exactly one of special_price_fen and "
                       "amount_off_fen", "special_price_fen")
        if self.special_price_fen is not None:
            if isinstance(self.special_price_fen, bool) or not isinstance(self.special_price_fen, int) \
                    or self.special_price_fen < 0:
                raise _bad(self.name, "特价必须是非负整数分", "special_price_fen must be ≥ 0 fen", "special_price_fen")
            if not self.unit_code:
                raise _bad(self.name, "特价须指定单位", "a special price needs unit_code", "unit_code")
        elif not _pos_int(self.amount_off_fen):
            raise _bad(self.name, "直降金额必须为正整数分", "amount_off_fen must be > 0 fen", "amount_off_fen")
        if self.amount_off_fen is not None and self.unit_code is not None:
            raise _bad(self.name, "直降按基本单位计算，不能指定单位", "amount_off_fen is per base unit; "
                       "unit_code does not apply", "unit_code")

    def _check_percent_off(self) -> None:
        bp = self.percent_off_bp
        if isinstance(bp, bool) or not isinstance(bp, int) or not 0 < bp < 10000:
            raise _bad(self.name, "折扣必须在 1–9999 基点之间", "percent_off_bp must be 1–9999", "percent_off_bp")

    def _check_buy_x_get_y(self) -> None:
        if not (_pos_int(self.buy_qty) and _pos_int(self.free_qty)):
            raise _bad(self.name, "买X送Y 的数量必须是正整数", "buy_qty and free_qty must be positive", "buy_qty")

    def _check_gift(self) -> None:
        if not (_pos_int(self.buy_qty) and _pos_int(self.gift_qty)):
            raise _bad(self.name, "买赠数量必须是正整数", "buy_qty and gift_qty must be positive", "buy_qty")
        if isinstance(self.gift_product_id, bool) or not isinstance(self.gift_product_id, int) \
                or not self.gift_unit_code:
            raise _bad(self.name, "须指定赠品及其单位", "gift_product_id and gift_unit_code are needed",
                       "gift_product_id")

    def _check_threshold(self) -> None:
        if not (_pos_int(self.threshold_fen) and _pos_int(self.amount_off_fen)):
            raise _bad(self.name, "满减金额必须为正整数分", "threshold_fen and amount_off_fen must be > 0",
                       "threshold_fen")
        assert self.threshold_fen is not None
        assert self.amount_off_fen is not None
        if self.amount_off_fen >= self.threshold_fen:
            raise _bad(self.name, "减免金额必须小于门槛金额", "amount_off_fen must be below threshold_fen",
                       "amount_off_fen")
        if self.max_repeats is not None and not _pos_int(self.max_repeats):
            raise _bad(self.name, "最多重复次数必须是正整数", "max_repeats must be positive", "max_repeats")
        if self.max_repeats is not None and not self.repeat:
            raise _bad(self.name, "未设置重复时不能设置最多重复次数", "max_repeats needs repeat", "max_repeats")

    # ------------------------------------------------------------------ scope

    def runs_at(self, at: datetime, store_id: int) -> bool:
        """Within its time window [starts_at, ends_at) and in scope for the store."""
        return in_window(at, self.starts_at, self.ends_at) and (
            not self.store_ids or store_id in self.store_ids)

    def targets(self, product_id: int, category_id: int | None) -> bool:
        """Whether a product is in the promotion's target."""
        if not self.product_ids and not self.category_ids:
            return True
        return product_id in self.product_ids or (category_id is not None and category_id in self.category_ids)

    @property
    def is_item(self) -> bool:
        return self.kind in ITEM_KINDS

    # ------------------------------------------------------------------ wire form

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id, "name": self.name, "kind": self.kind.value,
            "starts_at": time_to_wire(self.starts_at), "ends_at": time_to_wire(self.ends_at),
            "store_ids": sorted(self.store_ids), "product_ids": sorted(self.product_ids),
            "category_ids": sorted(self.category_ids), "member_only": self.member_only,
            "exclusive": self.exclusive, "priority": self.priority, "repeat": self.repeat,
        }
        for p in _ALL_PARAMS:
            value = getattr(self, p)
            if value is not None:
                d[p] = value
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Promotion:
        """Build from the wire form; PromotionError for anything missing or invalid."""
        try:
            starts = time_from_wire(d["starts_at"], what="starts_at")
            ends = time_from_wire(d["ends_at"], what="ends_at")
            if starts is None or ends is None:
                raise KeyError("starts_at" if starts is None else "ends_at")
            unknown = set(d) - {"id", "name", "kind", "starts_at", "ends_at", "store_ids", "product_ids",
                                "category_ids", "member_only", "exclusive", "priority", "repeat", *_ALL_PARAMS}
            if unknown:
                raise PromotionError(f"促销含未知字段：{sorted(unknown)}", f"unknown promotion fields: {sorted(unknown)}")
            return cls(
                id=d["id"], name=str(d.get("name", "")), kind=d["kind"], starts_at=starts, ends_at=ends,
                store_ids=frozenset(d.get("store_ids", ())), product_ids=frozenset(d.get("product_ids", ())),
                category_ids=frozenset(d.get("category_ids", ())), member_only=bool(d.get("member_only", False)),
                exclusive=bool(d.get("exclusive", False)), priority=int(d.get("priority", 0)),
                repeat=bool(d.get("repeat", False)), **{p: d.get(p) for p in _ALL_PARAMS},
            )
        except KeyError as e:
            raise PromotionError(f"促销缺少字段 {e.args[0]}", f"promotion is missing {e.args[0]}",
                                 field=str(e.args[0])) from None
        except ContractError as e:
            if isinstance(e, PromotionError):
                raise
            raise PromotionError(e.message, e.message_en, field=e.field) from None


def running(promotions: Iterable[Promotion], at: datetime, store_id: int) -> list[Promotion]:
    """The promotions running at `at` in `store_id`, in id order."""
    return sorted((p for p in promotions if p.runs_at(at, store_id)), key=lambda p: p.id)
