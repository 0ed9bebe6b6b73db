"""`price_cart`: the one pricing function the terminal (offline, on every scan) and central share.

Pure and deterministic: the same cart and context always give the same `PricedCart`, to the fen.
The rules (price precedence, how promotions combine, allocation, tax, 抹零, points) are written
down in `sync/PRICING.md`; this module follows that text step by step.

Hot path: plain frozen dataclasses with slots, integer fen and integer thousandths of a unit;
every fraction is rounded by `sync.money.div_round` only.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from sync.allocation import allocate
from sync.catalog import (
    CustomerTerms,
    MemberLevel,
    MemberLevelPrice,
    MemberRef,
    PriceList,
    PriceListScope,
    Product,
    SaleUnit,
    build_barcode_index,
    in_window,
    require_utc,
    time_from_wire,
    time_to_wire,
)
from sync.errors import ContractError, PricingError
from sync.money import MAX_FEN, Rounding, check_fen, div_round
from sync.points import PointsPolicy, sale_points_earned
from sync.promotions import Promotion, PromotionKind
from sync.quantity import normalize_qty, to_milli
from sync.rounding import RoundingPolicy, round_due
from sync.tax import included_tax_fen

# ---------------------------------------------------------------------------- price sources

SOURCE_BASE = "base"
SOURCE_PRICE_LIST = "price_list"
SOURCE_CUSTOMER = "customer"
SOURCE_MEMBER_LEVEL = "member_level"
SOURCE_OVERRIDE = "override"
SOURCE_SCALE = "scale"
SOURCE_GIFT = "gift"


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class CartLine:
    """One line as scanned or keyed: product, unit of sale and quantity, plus cashier actions.

    - `price_override_fen`: a manager-approved unit price; the line then takes no promotion.
    - `scale_amount_fen`: the amount printed in a price-embedded scale barcode; it is the line's
      list amount (only `percent_off` promotions apply to such lines).
    - `manual_discount_fen`: a cashier's discount on this line, after promotions.
    """

    product_id: int
    unit_code: str
    qty: int | str | Decimal = 1
    price_override_fen: int | None = None
    scale_amount_fen: int | None = None
    manual_discount_fen: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"product_id": self.product_id, "unit_code": self.unit_code, "qty": str(self.qty),
                "price_override_fen": self.price_override_fen, "scale_amount_fen": self.scale_amount_fen,
                "manual_discount_fen": self.manual_discount_fen}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CartLine:
        return cls(product_id=d["product_id"], unit_code=d["unit_code"], qty=d.get("qty", 1),
                   price_override_fen=d.get("price_override_fen"), scale_amount_fen=d.get("scale_amount_fen"),
                   manual_discount_fen=d.get("manual_discount_fen", 0))


@dataclass(frozen=True, slots=True)
class Cart:
    """What is being sold, to whom, and how the customer wants to use points / a whole-order discount."""

    lines: tuple[CartLine, ...] = ()
    member: MemberRef | None = None
    customer: CustomerTerms | None = None
    redeem_points: int = 0
    order_discount_fen: int = 0
    """A cashier's whole-order discount (整单优惠), allocated over the lines."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))

    def to_dict(self) -> dict[str, Any]:
        return {"lines": [ln.to_dict() for ln in self.lines],
                "member": self.member.to_dict() if self.member else None,
                "customer": self.customer.to_dict() if self.customer else None,
                "redeem_points": self.redeem_points, "order_discount_fen": self.order_discount_fen}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Cart:
        return cls(lines=tuple(CartLine.from_dict(x) for x in d.get("lines", ())),
                   member=MemberRef.from_dict(d["member"]) if d.get("member") else None,
                   customer=CustomerTerms.from_dict(d["customer"]) if d.get("customer") else None,
                   redeem_points=d.get("redeem_points", 0), order_discount_fen=d.get("order_discount_fen", 0))


_Cand = tuple[int, int, int, datetime | None, datetime | None]
"""(−priority, price_fen, list id, valid_from, valid_to): sorted, the first valid one wins."""


class _Index:
    """Lookups built once per context (not per cart): prices, promotions by product, barcodes."""

    __slots__ = ("active_cache", "barcodes", "boundaries", "by_category", "by_product", "customer", "everywhere",
                 "group", "member", "per_product", "price_bounds", "store_promos", "unit_prices")

    def __init__(self, ctx: PricingContext) -> None:
        self.customer: dict[tuple[int, int, str], list[_Cand]] = {}
        self.group: dict[tuple[int, int, str], list[_Cand]] = {}
        for pl in ctx.price_lists:
            target = self.customer if pl.scope is PriceListScope.CUSTOMER else self.group
            for e in pl.entries:
                target.setdefault((pl.target_id, e.product_id, e.unit_code), []).append(
                    (-pl.priority, e.price_fen, pl.id, pl.valid_from, pl.valid_to))
        for cands in (*self.customer.values(), *self.group.values()):
            cands.sort(key=lambda c: c[:3])
        self.member: dict[tuple[str, int, str], list[MemberLevelPrice]] = {}
        for mp in ctx.member_prices:
            self.member.setdefault((mp.level, mp.product_id, mp.unit_code), []).append(mp)
        for mps in self.member.values():
            mps.sort(key=lambda m: m.price_fen)
        self.by_product: dict[int, list[Promotion]] = {}
        self.by_category: dict[int, list[Promotion]] = {}
        self.everywhere: list[Promotion] = []
        self.store_promos: list[Promotion] = []
        for p in sorted(ctx.promotions, key=lambda p: p.id):
            if p.store_ids and ctx.store_id not in p.store_ids:
                continue
            self.store_promos.append(p)
            if not p.product_ids and not p.category_ids:
                self.everywhere.append(p)
            for pid in p.product_ids:
                self.by_product.setdefault(pid, []).append(p)
            for cid in p.category_ids:
                self.by_category.setdefault(cid, []).append(p)
        self.boundaries: list[datetime] = sorted({t for p in self.store_promos for t in (p.starts_at, p.ends_at)})
        self.price_bounds: list[datetime] = sorted(
            {t for pl in ctx.price_lists for t in (pl.valid_from, pl.valid_to) if t is not None}
            | {t for mp in ctx.member_prices for t in (mp.valid_from, mp.valid_to) if t is not None})
        """Every time a price list or member price starts or ends: unit prices are constant in between."""
        self.unit_prices: dict[tuple[Any, ...], tuple[int, str]] = {}
        """`_unit_price` results by (customer terms, level, product, unit, base price, price interval)."""
        """Every time a promotion of this store starts or ends: the running set is constant in between."""
        self.active_cache: dict[bool, tuple[datetime | None, datetime | None, frozenset[int]]] = {}
        self.barcodes: dict[str, tuple[int, str]] | None = None
        """Built on the first `lookup_barcode` only: pricing never needs it."""
        self.per_product: dict[tuple[int, int | None, frozenset[int]],
                               tuple[tuple[Promotion, ...], tuple[Promotion, ...]]] = {}

    def active(self, at: datetime, has_member: bool) -> frozenset[int]:
        """Ids of the promotions running at `at` (member-only ones only for a member).

        The set only changes at a promotion's start or end, so it is kept with the interval
        [lo, hi) between the two boundaries around `at` and reused while `at` stays inside it.
        """
        hit = self.active_cache.get(has_member)
        if hit is not None and (hit[0] is None or hit[0] <= at) and (hit[1] is None or at < hit[1]):
            return hit[2]
        active = frozenset(p.id for p in self.store_promos
                           if (has_member or not p.member_only) and in_window(at, p.starts_at, p.ends_at))
        k = bisect_right(self.boundaries, at)
        lo = self.boundaries[k - 1] if k else None
        hi = self.boundaries[k] if k < len(self.boundaries) else None
        self.active_cache[has_member] = (lo, hi, active)
        return active

    def promos_for(self, product: Product, active: frozenset[int]
                   ) -> tuple[tuple[Promotion, ...], tuple[Promotion, ...]]:
        """The promotions among `active` that target a product, by id: (item kinds, gift/threshold
        promotions with a target list; `everywhere_others` has those without one).

        Cached per (product, its category, set of running promotions): the set changes only when a
        promotion starts or ends or a member is scanned, so the till's re-pricing on every scan hits
        the cache; the category is in the key because a lazily loaded catalog may move a product.
        """
        key = (product.id, product.category_id, active)
        hit = self.per_product.get(key)
        if hit is None:
            pool = {p.id: p for p in self.everywhere}
            pool.update((p.id, p) for p in self.by_product.get(product.id, ()))
            if product.category_id is not None:
                pool.update((p.id, p) for p in self.by_category.get(product.category_id, ()))
            mine = sorted((p for p in pool.values() if p.id in active), key=lambda p: p.id)
            hit = (tuple(p for p in mine if p.is_item),
                   tuple(p for p in mine if not p.is_item and (p.product_ids or p.category_ids)))
            if len(self.per_product) > 100_000:
                self.per_product.clear()
            self.per_product[key] = hit
        return hit

    def everywhere_others(self, active: frozenset[int]) -> tuple[Promotion, ...]:
        """Gift / threshold promotions among `active` that target every product, by id."""
        return tuple(p for p in self.everywhere if not p.is_item and p.id in active)

    def item_promos_for(self, product: Product, active: frozenset[int]) -> tuple[Promotion, ...]:
        """The item promotions among `active` that target a product, by id."""
        return self.promos_for(product, active)[0]


@dataclass(frozen=True, slots=True)
class PricingContext:
    """Everything but the cart: time, store, catalog, prices, promotions and the store's policies.

    Build it once when master data changes and call `at_time(now)` before each pricing: the
    lookups are indexed once and shared.
    """

    at: datetime
    store_id: int
    products: Mapping[int, Product]
    promotions: tuple[Promotion, ...] = ()
    price_lists: tuple[PriceList, ...] = ()
    member_levels: Mapping[str, MemberLevel] = field(default_factory=dict)
    member_prices: tuple[MemberLevelPrice, ...] = ()
    rounding: RoundingPolicy = RoundingPolicy()
    points: PointsPolicy = PointsPolicy()
    _index: _Index = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", require_utc(self.at, what="at"))
        if not isinstance(self.products, Mapping):
            object.__setattr__(self, "products", {p.id: p for p in self.products})
        for attr in ("promotions", "price_lists", "member_prices"):
            object.__setattr__(self, attr, tuple(getattr(self, attr)))
        if not isinstance(self.member_levels, Mapping):
            object.__setattr__(self, "member_levels", {m.code: m for m in self.member_levels})
        object.__setattr__(self, "_index", _Index(self))

    def at_time(self, at: datetime) -> PricingContext:
        """The same context at another time, sharing the indexes (cheap: call it on every scan)."""
        new = object.__new__(PricingContext)
        for f in fields(PricingContext):
            object.__setattr__(new, f.name, getattr(self, f.name))
        object.__setattr__(new, "_index", self._index)
        object.__setattr__(new, "at", require_utc(at, what="at"))
        return new

    def to_dict(self) -> dict[str, Any]:
        """Wire/golden-file form: time, store, catalog, prices, promotions and policies."""
        return {
            "at": time_to_wire(self.at), "store_id": self.store_id,
            "products": [p.to_dict() for p in sorted(self.products.values(), key=lambda p: p.id)],
            "promotions": [p.to_dict() for p in self.promotions],
            "price_lists": [p.to_dict() for p in self.price_lists],
            "member_levels": [m.to_dict() for m in self.member_levels.values()],
            "member_prices": [m.to_dict() for m in self.member_prices],
            "rounding": self.rounding.to_dict(), "points": self.points.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PricingContext:
        at = time_from_wire(d["at"], what="at")
        assert at is not None
        return cls(
            at=at, store_id=d["store_id"],
            products={p.id: p for p in (Product.from_dict(x) for x in d.get("products", ()))},
            promotions=tuple(Promotion.from_dict(x) for x in d.get("promotions", ())),
            price_lists=tuple(PriceList.from_dict(x) for x in d.get("price_lists", ())),
            member_levels={m.code: m for m in (MemberLevel.from_dict(x) for x in d.get("member_levels", ()))},
            member_prices=tuple(MemberLevelPrice.from_dict(x) for x in d.get("member_prices", ())),
            rounding=RoundingPolicy.from_dict(d.get("rounding", {})),
            points=PointsPolicy.from_dict(d.get("points", {})),
        )

    def lookup_barcode(self, barcode: str) -> tuple[Product, SaleUnit] | None:
        """The product and unit a (normalised) barcode belongs to, or None."""
        from sync.barcodes import normalize_barcode

        if self._index.barcodes is None:
            self._index.barcodes = build_barcode_index(self.products)
        hit = self._index.barcodes.get(normalize_barcode(barcode))
        if hit is None:
            return None
        product = self.products[hit[0]]
        return product, product.unit(hit[1])


# ---------------------------------------------------------------------------- outputs


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A priced line; field names match `sync.events.SaleLinePayload`."""

    line_no: int
    product_id: int
    sku: str
    name: str
    unit_code: str
    unit_factor: int
    qty: Decimal
    unit_price_fen: int
    price_source: str
    list_amount_fen: int
    line_discount_fen: int
    order_discount_fen: int
    amount_fen: int
    tax_rate_bp: int
    tax_fen: int
    promotion_ids: tuple[int, ...] = ()
    is_gift: bool = False
    points_fen: int = 0
    """The part of order_discount_fen paid with points (returns give these points back)."""
    cart_index: int | None = None
    """Index of the cart line this came from; None for a gift line the pricing added."""
    weighed: bool = False
    """Sold by weight (the product's `weighed`): the sale event's line says so (protocol 4)."""

    def to_payload_dict(self) -> dict[str, Any]:
        """The keyword arguments of `sync.events.SaleLinePayload` for this line."""
        return {"line_no": self.line_no, "product_id": self.product_id, "sku": self.sku, "name": self.name,
                "unit_code": self.unit_code, "unit_factor": self.unit_factor, "qty": self.qty,
                "unit_price_fen": self.unit_price_fen, "price_source": self.price_source,
                "list_amount_fen": self.list_amount_fen, "line_discount_fen": self.line_discount_fen,
                "order_discount_fen": self.order_discount_fen, "amount_fen": self.amount_fen,
                "tax_rate_bp": self.tax_rate_bp, "tax_fen": self.tax_fen,
                "promotion_ids": list(self.promotion_ids), "is_gift": self.is_gift, "weighed": self.weighed}


def _slot_constructor(cls: type[PricedLine]) -> Callable[..., PricedLine]:
    """A positional constructor for a frozen slots dataclass that sets the slots directly.

    The generated frozen `__init__` goes through `object.__setattr__` once per field; setting the
    slot descriptors is twice as fast, and the till builds ~50 lines on every scan. The result is
    equal to `cls(*values)` (tested); no validation is skipped because the dataclass has none.
    """
    names = [f.name for f in fields(cls)]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    body = ["    obj = _new(_cls)"]
    for n in names:
        namespace[f"_set_{n}"] = getattr(cls, n).__set__
        body.append(f"    _set_{n}(obj, {n})")
    source = f"def make({', '.join(names)}):\n" + "\n".join(body) + "\n    return obj\n"
    exec(source, namespace)  # the source is built from the dataclass's own field names only
    made: Callable[..., PricedLine] = namespace["make"]
    return made


_new_line = _slot_constructor(PricedLine)


@dataclass(frozen=True, slots=True)
class AppliedPromotion:
    """A promotion that changed the sale, with the value it gave (for the receipt)."""

    promotion_id: int
    name: str
    kind: PromotionKind
    discount_fen: int
    """Money off, or for a gift the list value of the gift."""


@dataclass(frozen=True, slots=True)
class PricedCart:
    """The priced sale; totals match `sync.events.SaleCompleted`.

    subtotal − discount − points_value + rounding = total; Σ line amounts + rounding = total.
    """

    lines: tuple[PricedLine, ...]
    subtotal_fen: int
    """Σ list amounts (gift lines at their list value)."""
    discount_fen: int
    """Σ line discounts + Σ order discounts − points value (points are not a discount)."""
    points_value_fen: int
    """Value paid with points, allocated to lines inside order_discount_fen."""
    due_before_rounding_fen: int
    rounding_fen: int
    """抹零: rounded − exact (≤ 0 when rounding down)."""
    total_fen: int
    """Amount to pay in money."""
    tax_fen: int
    points_earned: int
    points_redeemed: int
    max_redeemable_points: int
    """Most points this cart could take now (0 without a member)."""
    promotion_ids: tuple[int, ...]
    applied: tuple[AppliedPromotion, ...]


# ---------------------------------------------------------------------------- engine


class _Work:
    """Mutable per-line state while pricing (internal)."""

    __slots__ = ("amount", "cands", "factor", "i", "item", "item_promo", "list", "manual", "milli",
                 "order", "points", "price", "product", "promo_ok", "qty", "scale", "source", "threshold_share",
                 "unit")

    def __init__(self, i: int, product: Product, unit: SaleUnit, qty: Decimal, milli: int, price: int,
                 source: str, list_amount: int, manual: int, promo_ok: bool, scale: bool) -> None:
        self.i = i
        self.product = product
        self.unit = unit
        self.factor = unit.factor
        self.qty = qty
        self.milli = milli
        self.price = price
        self.source = source
        self.list = list_amount
        self.manual = manual
        self.promo_ok = promo_ok
        self.scale = scale
        self.item = 0
        self.item_promo: Promotion | None = None
        self.order = 0
        self.points = 0
        self.amount = 0
        self.cands: tuple[Promotion, ...] = ()
        self.threshold_share = False
        """This line took a share of the winning 满减."""


def _first_valid(cands: list[_Cand] | None, at: datetime) -> _Cand | None:
    if cands:
        for c in cands:
            if in_window(at, c[3], c[4]):
                return c
    return None


def unit_price_rule(base_fen: int, *, customer: CustomerTerms | None = None, customer_price_fen: int | None = None,
                    group_price_fen: int | None = None, level: MemberLevel | None = None,
                    member_price_fen: int | None = None) -> tuple[int, str]:
    """Price precedence (PRICING.md §1): customer list > group list (× customer rate) > member > base.

    The inputs are what is in force for this line at the sale's time: the unit's base price, the
    customer's own list price and group list price (each the first valid one by priority), the
    member level and its 会员价. Returns (unit price, price source). The till (through
    `price_cart`) and central (checking a pushed sale's unit prices) both call this one rule.
    """
    if customer is not None:
        if customer_price_fen is not None:
            return customer_price_fen, SOURCE_CUSTOMER
        price, source = base_fen, SOURCE_BASE
        if group_price_fen is not None:
            price, source = group_price_fen, SOURCE_PRICE_LIST
        if customer.percent_off_bp:
            return div_round(price * (10000 - customer.percent_off_bp), 10000), SOURCE_CUSTOMER
        if source != SOURCE_BASE:
            return price, source
    if level is not None:
        best = base_fen
        if level.percent_off_bp:
            best = div_round(base_fen * (10000 - level.percent_off_bp), 10000)
        if member_price_fen is not None:
            best = min(best, member_price_fen)
        if best < base_fen:
            return best, SOURCE_MEMBER_LEVEL
    return base_fen, SOURCE_BASE


def _unit_price(ctx: PricingContext, cart: Cart, level: MemberLevel | None, product: Product,
                unit: SaleUnit) -> tuple[int, str]:
    """`unit_price_rule` with this context's price lists and member prices valid at `ctx.at`."""
    idx = ctx._index
    at = ctx.at
    customer = cart.customer
    own = grp = None
    if customer is not None:
        hit = _first_valid(idx.customer.get((customer.customer_id, product.id, unit.code)), at)
        own = hit[1] if hit is not None else None
        if own is None and customer.group_id is not None:
            hit = _first_valid(idx.group.get((customer.group_id, product.id, unit.code)), at)
            grp = hit[1] if hit is not None else None
    member_price = None
    if level is not None:
        for mp in idx.member.get((level.code, product.id, unit.code), ()):
            if in_window(at, mp.valid_from, mp.valid_to):
                member_price = mp.price_fen
                break
    return unit_price_rule(unit.price_fen, customer=customer, customer_price_fen=own, group_price_fen=grp,
                           level=level, member_price_fen=member_price)


_QTY_CACHE: dict[tuple[Decimal, bool], tuple[Decimal, int]] = {}
"""Decimal quantity (the till keeps them normalised) → (normalised, thousandths), for valid ones only."""


def _qty(value: int | str | Decimal, weighed: bool) -> tuple[Decimal, int]:
    """`normalize_qty` and `to_milli`, remembered for Decimal input.

    A valid Decimal's normalised form depends on its value alone (quantize fixes the exponent),
    so equal values share an entry; `type(...) is Decimal` keeps bools and floats (equal to some
    Decimals) out, and errors are never cached, so a bad quantity raises as before.
    """
    if type(value) is Decimal:
        try:
            hit = _QTY_CACHE.get((value, weighed))
        except TypeError:  # a signalling NaN cannot be hashed: let normalize_qty refuse it
            hit = None
        if hit is not None:
            return hit
        qty = normalize_qty(value, weighed=weighed)
        if len(_QTY_CACHE) > 10_000:
            _QTY_CACHE.clear()
        hit = _QTY_CACHE[(value, weighed)] = (qty, to_milli(qty))
        return hit
    qty = normalize_qty(value, weighed=weighed)
    return qty, to_milli(qty)


def _resolve_lines(cart: Cart, ctx: PricingContext, level: MemberLevel | None) -> list[_Work]:
    works: list[_Work] = []
    get_product = ctx.products.get
    plain_prices = cart.customer is None and level is None  # base prices only: no lookup needed
    if not plain_prices:
        # what else a unit price depends on (see _unit_price): the customer's terms, the level and
        # which price lists / member prices are valid now (constant between two of their boundaries)
        idx = ctx._index
        customer = cart.customer
        terms = (None if customer is None else (customer.customer_id, customer.group_id, customer.percent_off_bp),
                 None if level is None else (level.code, level.percent_off_bp),
                 bisect_right(idx.price_bounds, ctx.at))
        unit_prices = idx.unit_prices
    for i, line in enumerate(cart.lines):
        try:
            product = get_product(line.product_id)
            if product is None:
                raise PricingError(f"未知商品：{line.product_id}", f"unknown product: {line.product_id}",
                                   code="unknown_product", field="product_id")
            unit = product.unit(line.unit_code)
            qty_in = line.qty
            whole = 0
            if type(qty_in) is int and 0 < qty_in <= 100_000 and not product.weighed:
                qty, milli, whole = Decimal(qty_in), qty_in * 1000, qty_in  # = normalize_qty / to_milli
            else:
                qty, milli = _qty(qty_in, product.weighed)
                if milli % 1000 == 0 and not product.weighed:
                    whole = milli // 1000
            manual = line.manual_discount_fen
            if manual or type(manual) is not int:
                check_fen(manual, field="manual_discount_fen")
            override = line.price_override_fen
            scale_amount = line.scale_amount_fen
            if override is not None:
                price, source = check_fen(override, field="price_override_fen"), SOURCE_OVERRIDE
            elif plain_prices:
                price, source = unit.price_fen, SOURCE_BASE
            else:
                key = (terms, product.id, unit.code, unit.price_fen)
                hit = unit_prices.get(key)
                if hit is None:
                    hit = _unit_price(ctx, cart, level, product, unit)
                    if len(unit_prices) > 100_000:
                        unit_prices.clear()
                    unit_prices[key] = hit
                price, source = hit
            if scale_amount is not None and override is None:
                list_amount = check_fen(scale_amount, field="scale_amount_fen")
                source = SOURCE_SCALE
            elif whole:
                list_amount = price * whole  # exact: whole pieces leave no fraction to round
            else:
                list_amount = div_round(price * milli, 1000)
            if list_amount > MAX_FEN:
                check_fen(list_amount, field="list_amount_fen")
        except ContractError as e:
            e.field = f"lines[{i}].{e.field}" if e.field else f"lines[{i}]"
            raise
        works.append(_Work(i, product, unit, qty, milli, price, source, list_amount, manual,
                           override is None, scale_amount is not None))
    return works


def _item_discounts(p: Promotion, group: list[_Work]) -> list[int]:
    """What promotion `p` takes off each line of a (product, unit) group; 0 where it does not apply."""
    kind = p.kind
    out = [0] * len(group)
    if kind is PromotionKind.PERCENT_OFF:
        bp = p.percent_off_bp or 0
        for k, w in enumerate(group):
            out[k] = div_round(w.list * bp, 10000)
    elif kind is PromotionKind.PRICE_CUT:
        for k, w in enumerate(group):
            if w.scale:
                continue
            if p.special_price_fen is not None:
                if w.unit.code == p.unit_code:
                    out[k] = max(0, w.list - div_round(p.special_price_fen * w.milli, 1000))
            else:
                out[k] = min(w.list, div_round((p.amount_off_fen or 0) * w.factor * w.milli, 1000))
    elif kind is PromotionKind.BUY_X_GET_Y:
        buy, free = p.buy_qty or 0, p.free_qty or 0
        eligible = [k for k, w in enumerate(group) if not w.scale and not w.product.weighed]
        units = sum(group[k].milli // 1000 for k in eligible)
        free_units = units // (buy + free) * free
        for k in sorted(eligible, key=lambda k: (group[k].price, group[k].i)):
            if free_units <= 0:
                break
            n = min(free_units, group[k].milli // 1000)
            out[k] = min(group[k].list, n * group[k].price)
            free_units -= n
    return out


@dataclass(slots=True)
class _Plan:
    """One way of applying promotions (an option in PRICING.md §2) and its value to the customer."""

    items: dict[int, tuple[Promotion, list[int]]]
    gifts: list[tuple[Promotion, int]]
    threshold: tuple[Promotion, int] | None
    benefit: int


def _prio(p: Promotion) -> tuple[int, int]:
    return (-p.priority, p.id)


_Option = tuple[int, tuple[int, int], Promotion, list[int]]
"""An item promotion's effect on one group: (total discount > 0, _prio, promotion, discount per line)."""


def _plan(items: dict[int, _Option], others: Sequence[Promotion], groups: list[list[_Work]], works: list[_Work],
          elig: dict[int, list[_Work]], ctx: PricingContext) -> _Plan:
    """The plan with these item promotions (group index → option) and these gift / 满减 promotions
    (in id order): which gifts are reached, which 满减 wins, and the customer's total benefit."""
    benefit = 0
    for option in items.values():
        benefit += option[0]
    gifts: list[tuple[Promotion, int]] = []
    threshold: tuple[Promotion, int] | None = None
    if others:
        item_disc: list[int] | None = None
        bases: dict[int, int] = {}
        threshold_key: tuple[int, tuple[int, int]] | None = None
        for p in others:
            if p.kind is PromotionKind.GIFT:
                count = sum(w.milli // 1000 * w.factor for w in elig.get(p.id, ())
                            if not w.scale and not w.product.weighed)
                times = count // (p.buy_qty or 1)
                if times and not p.repeat:
                    times = 1
                if times:
                    gifts.append((p, times))
                    benefit += _gift_unit(p, ctx)[1].price_fen * (p.gift_qty or 0) * times
            elif p.kind is PromotionKind.THRESHOLD:
                targets = elig.get(p.id, ())
                base = bases.get(id(targets), -1)
                if base < 0:  # promotions on the same lines (e.g. all "whole store" 满减) share one sum
                    if item_disc is None:
                        item_disc = [0] * len(works)
                        for g, option in items.items():
                            for w, d in zip(groups[g], option[3], strict=True):
                                item_disc[w.i] = d
                    base = 0
                    for w in targets:
                        left = w.list - item_disc[w.i] - w.manual
                        if left > 0:
                            base += left
                    bases[id(targets)] = base
                times = base // (p.threshold_fen or 1)
                if not p.repeat:
                    times = min(times, 1)
                elif p.max_repeats is not None:
                    times = min(times, p.max_repeats)
                off = times * (p.amount_off_fen or 0)
                if off > 0 and (threshold_key is None or off > threshold_key[0]
                                or (off == threshold_key[0] and _prio(p) < threshold_key[1])):
                    threshold, threshold_key = (p, off), (off, _prio(p))
        if threshold is not None:
            benefit += threshold[1]
    return _Plan({g: (o[2], o[3]) for g, o in items.items()}, gifts, threshold, benefit)


def _gift_unit(p: Promotion, ctx: PricingContext) -> tuple[Product, SaleUnit]:
    product = ctx.products.get(p.gift_product_id or 0)
    if product is None:
        raise PricingError(f"促销“{p.name}”的赠品 {p.gift_product_id} 不在商品目录中",
                           f"promotion {p.name!r}: gift product {p.gift_product_id} is not in the catalog",
                           code="unknown_gift_product")
    return product, product.unit(p.gift_unit_code or "")


def price_cart(cart: Cart, context: PricingContext) -> PricedCart:
    """Price a cart: unit prices, promotions, order discounts, points, tax, 抹零 and points earned.

    Raises a `ContractError` subclass for any bad input (unknown product or unit, bad quantity,
    discount larger than the line, points over the balance or the cap ...): never a wrong total.
    """
    ctx = context
    member = cart.member
    level: MemberLevel | None = None
    if member is not None:
        level = ctx.member_levels.get(member.level)
        if level is None:
            raise PricingError(f"未知的会员等级：{member.level}", f"unknown member level: {member.level}",
                               code="unknown_member_level", field="member.level")
    check_fen(cart.order_discount_fen, field="order_discount_fen")
    if isinstance(cart.redeem_points, bool) or not isinstance(cart.redeem_points, int) or cart.redeem_points < 0:
        raise PricingError("抵扣积分必须是非负整数", "redeem_points must be a non-negative integer",
                           code="invalid_points", field="redeem_points")

    works = _resolve_lines(cart, ctx, level)

    # -- promotions that may apply (time window, store, member-only), candidates per line
    idx = ctx._index
    at = ctx.at
    active = idx.active(at, member is not None)
    running: dict[int, Promotion] = {}
    groups_by_key: dict[tuple[int, str], list[_Work]] = {}
    ok_lines = [w for w in works if w.promo_ok]
    elig: dict[int, list[_Work]] = {}
    """Gift / threshold promotion id → the lines it targets (in cart order)."""
    if active:
        for w in ok_lines:
            items, others = idx.promos_for(w.product, active)
            if items:
                w.cands = items
                for p in items:
                    running[p.id] = p
                groups_by_key.setdefault((w.product.id, w.unit.code), []).append(w)
            for p in others:
                targets = elig.get(p.id)
                if targets is None:
                    elig[p.id] = [w]
                    running[p.id] = p
                else:
                    targets.append(w)
        if ok_lines:
            for p in idx.everywhere_others(active):
                elig[p.id] = ok_lines  # one list: promotions on the same lines share one sum in _plan
                running[p.id] = p
    groups = list(groups_by_key.values())  # lines of a group share their candidates (same product)

    # -- options: every non-exclusive promotion together, or one exclusive promotion alone
    options: list[list[_Option]] = []
    """Per group, each candidate item promotion that takes something off (computed once for all plans)."""
    for group in groups:
        opts: list[_Option] = []
        for p in group[0].cands:
            disc = _item_discounts(p, group)
            value = sum(disc)
            if value > 0:
                opts.append((value, _prio(p), p, disc))
        options.append(opts)
    combined: dict[int, _Option] = {}
    for g, opts in enumerate(options):
        chosen: _Option | None = None
        for o in opts:
            if not o[2].exclusive and (chosen is None or o[0] > chosen[0]
                                       or (o[0] == chosen[0] and o[1] < chosen[1])):
                chosen = o
        if chosen is not None:
            combined[g] = chosen
    promos = sorted(running.values(), key=lambda p: p.id)
    best = _plan(combined, [p for p in promos if not p.exclusive and not p.is_item], groups, works, elig, ctx)
    for p in sorted((p for p in promos if p.exclusive), key=_prio):
        if p.is_item:
            alone = {g: o for g, opts in enumerate(options) for o in opts if o[2] is p}
            alt = _plan(alone, (), groups, works, elig, ctx)
        else:
            alt = _plan({}, (p,), groups, works, elig, ctx)
        if alt.benefit > best.benefit:
            best = alt

    # -- apply the winning plan: item discounts, manual line discounts
    applied: dict[int, int] = {}
    for g, (p, disc) in best.items.items():
        pid = p.id
        for w, d in zip(groups[g], disc, strict=True):
            if d:
                w.item, w.item_promo = d, p
                applied[pid] = applied.get(pid, 0) + d
    for w in works:
        amount = w.amount = w.list - w.item - w.manual
        if amount < 0:
            raise PricingError(f"第 {w.i + 1} 行的折扣超过了金额", f"line {w.i + 1}: discount exceeds the amount",
                               code="discount_exceeds_line", field=f"lines[{w.i}].manual_discount_fen")

    # -- order level, in this order: 满减, whole-order discount, points (PRICING.md §3)
    threshold_id = 0
    if best.threshold is not None:
        p, off = best.threshold
        threshold_id = p.id
        targets = elig[p.id]
        for w, share in zip(targets, allocate(off, [w.amount for w in targets]), strict=True):
            if share:
                w.order += share
                w.amount -= share
                w.threshold_share = True
        applied[p.id] = off
    if cart.order_discount_fen:
        total = sum(w.amount for w in works)
        if cart.order_discount_fen > total:
            raise PricingError("整单优惠超过了应付金额", "the order discount exceeds the amount due",
                               code="discount_exceeds_total", field="order_discount_fen")
        for w, share in zip(works, allocate(cart.order_discount_fen, [w.amount for w in works]), strict=True):
            w.order += share
            w.amount -= share
    due_before_points = sum(w.amount for w in works)
    max_points = 0
    if member is not None:
        max_points = ctx.points.max_redeemable(due_fen=due_before_points, balance=member.points_balance)
    points_value = 0
    if cart.redeem_points:
        if member is None:
            raise PricingError("非会员不能使用积分", "points need a member", code="points_need_member",
                               field="redeem_points")
        if cart.redeem_points > member.points_balance:
            raise PricingError(f"积分不足：余额 {member.points_balance}，需要 {cart.redeem_points}",
                               f"not enough points: balance {member.points_balance}, asked {cart.redeem_points}",
                               code="insufficient_points", field="redeem_points")
        points_value = ctx.points.value_fen(cart.redeem_points)
        if cart.redeem_points > max_points:
            raise PricingError(f"本单最多可用 {max_points} 积分", f"this sale can take at most {max_points} points",
                               code="points_cap_exceeded", field="redeem_points")
        for w, share in zip(works, allocate(points_value, [w.amount for w in works]), strict=True):
            w.order += share
            w.points = share
            w.amount -= share

    # -- lines out (with the totals summed on the way), gift lines appended
    out: list[PricedLine] = []
    subtotal = due = discount = tax = 0
    for w in works:
        product = w.product
        rate = product.tax_rate_bp
        amount = w.amount
        line_tax = included_tax_fen(amount, rate) if rate and amount else 0
        item_promo = w.item_promo
        if item_promo is not None:
            ids: tuple[int, ...] = (item_promo.id, threshold_id) if w.threshold_share else (item_promo.id,)
        else:
            ids = (threshold_id,) if w.threshold_share else ()
        line_discount = w.item + w.manual
        # positional, in field order (see _slot_constructor)
        out.append(_new_line(
            w.i + 1, product.id, product.sku, product.name, w.unit.code, w.factor, w.qty, w.price, w.source,
            w.list, line_discount, w.order, amount, rate, line_tax, ids, False, w.points, w.i, product.weighed))
        subtotal += w.list
        due += amount
        discount += line_discount + w.order
        tax += line_tax
    for p, times in best.gifts:
        product, unit = _gift_unit(p, ctx)
        qty = (p.gift_qty or 0) * times
        value = unit.price_fen * qty
        applied[p.id] = value
        out.append(PricedLine(
            line_no=len(out) + 1, product_id=product.id, sku=product.sku, name=product.name,
            unit_code=unit.code, unit_factor=unit.factor, qty=Decimal(qty), unit_price_fen=unit.price_fen,
            price_source=SOURCE_GIFT, list_amount_fen=value, line_discount_fen=value, order_discount_fen=0,
            amount_fen=0, tax_rate_bp=product.tax_rate_bp, tax_fen=0, promotion_ids=(p.id,), is_gift=True,
            weighed=product.weighed))
        subtotal += value
        discount += value

    discount -= points_value
    rounding = round_due(due, ctx.rounding)
    earned = sale_points_earned(due, level.earn_milli if level is not None else None, ctx.points)
    return PricedCart(
        lines=tuple(out), subtotal_fen=subtotal, discount_fen=discount, points_value_fen=points_value,
        due_before_rounding_fen=due, rounding_fen=rounding, total_fen=due + rounding,
        tax_fen=tax, points_earned=earned, points_redeemed=cart.redeem_points,
        max_redeemable_points=max_points, promotion_ids=tuple(sorted(applied)),
        applied=tuple(AppliedPromotion(pid, running[pid].name, running[pid].kind, v)
                      for pid, v in sorted(applied.items())),
    )


def price_lines(lines: Iterable[CartLine], context: PricingContext, **cart: Any) -> PricedCart:
    """Shorthand: `price_cart(Cart(lines=tuple(lines), **cart), context)`."""
    return price_cart(Cart(lines=tuple(lines), **cart), context)


__all__ = [
    "SOURCE_BASE", "SOURCE_CUSTOMER", "SOURCE_GIFT", "SOURCE_MEMBER_LEVEL", "SOURCE_OVERRIDE",
    "SOURCE_PRICE_LIST", "SOURCE_SCALE", "AppliedPromotion", "Cart", "CartLine", "PricedCart", "PricedLine",
    "PricingContext", "Rounding", "price_cart", "price_lines", "unit_price_rule",
]
