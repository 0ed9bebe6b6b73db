"""The local catalog: find what was scanned or typed, and gather the pricing inputs, offline.

Reads the master tables the sync client fills (`master`, `barcode_index`, `product_search`, see
INTERFACES.md). Parsed products are kept in a small in-memory cache keyed by id and master row
version, so a scan costs one indexed lookup and a dict hit; promotions and settings are
re-read only when their rows change.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sync.barcodes import normalize_barcode
from sync.catalog import MemberLevel, MemberLevelPrice, PriceList, Product, SaleUnit
from sync.errors import BarcodeError
from sync.master import Entity, StoreSettings
from sync.money import Rounding
from sync.points import PointsPolicy
from sync.pricing import PricingContext
from sync.promotions import Promotion
from sync.rounding import RoundingPolicy, RoundingUnit
from sync.scale_barcode import ScaleLayout, is_scale_barcode, parse_scale_barcode
from terminal.errors import NotFound
from terminal.store import Store

_CACHE_SIZE = 20_000
Lang = Literal["zh", "en"]
"""A language things are printed or shown to customers in."""

ROUNDING_MODES: dict[str, RoundingPolicy] = {
    "none": RoundingPolicy(),
    "jiao_down": RoundingPolicy(RoundingUnit.JIAO, Rounding.DOWN),
    "yuan_down": RoundingPolicy(RoundingUnit.YUAN, Rounding.DOWN),
    "half_jiao": RoundingPolicy(RoundingUnit.JIAO, Rounding.HALF_UP),
    "jiao_half_up": RoundingPolicy(RoundingUnit.JIAO, Rounding.HALF_UP),
    "half_yuan": RoundingPolicy(RoundingUnit.YUAN, Rounding.HALF_UP),
    "yuan_half_up": RoundingPolicy(RoundingUnit.YUAN, Rounding.HALF_UP),
}
"""Store setting `rounding_mode` (抹零) → the shared rounding policy."""


@dataclass(frozen=True)
class Scanned:
    """What a scan resolved to: a product in a unit, and for scale labels the weight or amount."""

    product: Product
    unit: SaleUnit
    barcode: str
    weight_kg: Decimal | None = None
    amount_fen: int | None = None


@dataclass(frozen=True)
class SearchHit:
    product_id: int
    sku: str
    name: str


def rounding_policy(mode: str) -> RoundingPolicy:
    """The store's `rounding_mode` (`none` or `<unit>_<mode>` of sync.rounding, e.g. `jiao_down`)."""
    known = ROUNDING_MODES.get(mode)
    if known is not None:
        return known
    unit, _, how = (mode or "").partition("_")
    try:
        return RoundingPolicy(RoundingUnit(unit), Rounding(how))
    except ValueError:
        return RoundingPolicy()  # an unknown setting must not stop the till: no 抹零


class LazyProducts(Mapping[int, Product]):
    """The catalog as the pricing engine's `products` mapping, loaded on demand.

    `price_cart` only asks for the products in the cart (and gift products), so the terminal never
    loads 200,000 products into memory; iteration covers the products loaded so far.
    """

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def __getitem__(self, product_id: int) -> Product:
        try:
            return self._catalog.product(product_id)
        except NotFound:
            raise KeyError(product_id) from None

    def get(self, product_id: int, default: Any = None) -> Any:  # noqa: D102 - Mapping.get, without a raise per miss
        catalog = self._catalog
        if product_id in catalog._verified:  # the till's re-pricing: every product of the cart is known
            hit = catalog._products.get(product_id)
            if hit is not None:
                return hit[1]
        try:
            return catalog.product(product_id)
        except NotFound:
            return default

    def __iter__(self) -> Iterator[int]:
        return iter(list(self._catalog._products))

    def __len__(self) -> int:
        return len(self._catalog._products)


class MemberLevels(Mapping[str, MemberLevel]):
    """Member levels by code; a level central has not shipped yet prices like a plain member
    (no discount, 1 point per yuan) instead of refusing the sale."""

    def __init__(self, levels: dict[str, MemberLevel]) -> None:
        self._levels = levels

    def __getitem__(self, code: str) -> MemberLevel:
        return self._levels[code]

    def get(self, code: str, default: Any = None) -> Any:  # noqa: D102 - Mapping.get with a fallback
        return self._levels.get(code) or MemberLevel(code=code, name=code)

    def __iter__(self) -> Iterator[str]:
        return iter(self._levels)

    def __len__(self) -> int:
        return len(self._levels)


class Catalog:
    """Read access to the synced master data of this terminal."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._products: OrderedDict[int, tuple[int, Product]] = OrderedDict()
        self._entity_cache: dict[str, tuple[tuple[int, int], list[dict[str, Any]]]] = {}
        self._context: PricingContext | None = None
        self._context_stamp: tuple[tuple[int, int], ...] = ()
        self._token: tuple[int, int] = (-1, -1)
        self._verified: set[int] = set()
        self._stamps: dict[str, tuple[int, int]] = {}
        self._has_master: bool | None = None
        self._english: dict[int, tuple[int, str]] = {}
        """product id → (master row version, English name or ""), filled as rows are parsed."""

    def refresh(self) -> None:
        """Notice master-data changes since the last call (another connection's commit moves
        `PRAGMA data_version`, this connection's own writes move `total_changes`); until then,
        cached products and settings are used without asking SQLite again."""
        token = self.store.change_token()
        if token != self._token:
            self._token = token
            self._verified.clear()
            self._stamps.clear()
            if not self._has_master:
                self._has_master = None

    # ------------------------------------------------------------------ presence

    def has_catalog(self) -> bool:
        """True when master data has been loaded (at least one product)."""
        return self.store.master.has_any(Entity.PRODUCT.value)

    # ------------------------------------------------------------------ products

    def product(self, product_id: int | str) -> Product:
        """A product by id (cached while its master row version is unchanged)."""
        pid = int(product_id)
        if pid in self._verified:
            hit = self._products.get(pid)
            if hit is not None:
                return hit[1]
        row = self.store.master.product_row(pid)
        if row is None:
            raise NotFound(f"商品不存在：{product_id}", f"no such product: {product_id}", code="no_product")
        return self._product_from_row(pid, row[0], row[1])

    def _product_from_row(self, pid: int, version: int, data: str) -> Product:
        """The product of a master row: the cached one while the row version is the same, else parsed."""
        version = int(version)
        cached = self._products.get(pid)
        if cached is not None and cached[0] == version:
            self._products.move_to_end(pid)
            self._verified.add(pid)
            return cached[1]
        row = json.loads(data)
        product = Product.from_dict(row)
        self._products[pid] = (version, product)
        self._english[pid] = (version, str(row.get("name_en") or "").strip())
        self._verified.add(pid)
        if len(self._products) > _CACHE_SIZE:
            self._products.popitem(last=False)
        return product

    def _by_barcode(self, code: str) -> tuple[Product, SaleUnit] | None:
        """One indexed query: the barcode's product and unit with the product's master row."""
        row = self.store.master.by_barcode(code)
        if row is None:
            return None
        pid, unit_code, version, data = row
        if version is None or data is None:
            raise NotFound(f"商品不存在：{pid}", f"no such product: {pid}", code="no_product")
        product = self._product_from_row(pid, version, data)
        return product, product.unit(unit_code)

    def name_in(self, product_id: int, name: str, lang: str) -> str:
        """A product's name for a screen in `lang`: its English name from head office (the row's
        `name_en`) in English when it has one, else `name` (the Chinese name, as sold)."""
        if not lang.startswith("en"):
            return name
        try:
            self.product(product_id)
        except NotFound:
            return name
        english = self._english.get(int(product_id))
        return english[1] if english and english[1] else name

    def unit_name(self, product_id: int, unit_code: str) -> str:
        """A unit as people read it (个, 箱, 千克); its code when the product or unit is gone from the
        catalog (an old receipt)."""
        try:
            unit = self.product(product_id).unit(unit_code)
        except (NotFound, ValueError):
            return unit_code
        return unit.name or unit_code

    def scale_layout(self) -> ScaleLayout:
        extra = self.store_settings().extra.get("scale_layout")
        return ScaleLayout.from_dict(extra) if isinstance(extra, dict) else ScaleLayout()

    def lookup(self, code: str) -> Scanned:
        """Resolve a scanned or typed code: a unit barcode (piece or box), a scale label
        (weight/price embedded), or a SKU. Raises `NotFound` with a message for the cashier."""
        raw = (code or "").strip()
        if not raw:
            raise NotFound("请扫描或输入条码", "scan or type a barcode", code="empty_code")
        self.refresh()
        try:
            normal = normalize_barcode(raw)
        except BarcodeError:
            normal = raw
        hit = self._by_barcode(normal) or (self._by_barcode(raw) if normal != raw else None)
        if hit is not None:
            return Scanned(product=hit[0], unit=hit[1], barcode=normal)
        layout = self.scale_layout()
        if is_scale_barcode(raw, layout):
            reading = parse_scale_barcode(raw, layout)  # BarcodeError on a bad check digit
            # the scale's item code (PLU) is the product's SKU, with or without leading zeros
            item = reading.item_code
            hit = self._by_sku(item) or (self._by_sku(item.lstrip("0")) if item.lstrip("0") else None)
            if hit is None:
                raise NotFound(f"称重商品不存在：{reading.item_code}", f"no weighed item {reading.item_code}",
                               code="no_product")
            return Scanned(product=hit[0], unit=hit[1], barcode=raw, weight_kg=reading.weight_kg,
                           amount_fen=reading.amount_fen)
        hit = self._by_sku(raw)
        if hit is not None:
            return Scanned(product=hit[0], unit=hit[1], barcode=raw)
        raise NotFound(f"未找到商品：{raw}", f"no product with code {raw}", code="no_product")

    def _by_sku(self, sku: str) -> tuple[Product, SaleUnit] | None:
        product_id = self.store.master.product_id_by_sku(sku)
        if product_id is None:
            return None
        product = self.product(product_id)
        return product, product.base_unit

    def search(self, text: str, limit: int = 30) -> list[SearchHit]:
        """Search by name (any part), pinyin initials (e.g. "kkkl" for 可口可乐) or SKU prefix."""
        return [SearchHit(product_id=pid, sku=sku, name=name)
                for pid, sku, name in self.store.master.search_products(text, limit)]

    # ------------------------------------------------------------------ other master data

    def entity_rows(self, entity: str) -> list[dict[str, Any]]:
        """All rows of a (small) master entity, re-read only when the rows changed."""
        self.refresh()
        if not self._master_exists():
            return []
        stamp = self._stamp(entity)
        cached = self._entity_cache.get(entity)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        rows = self.store.master.rows(entity)
        self._entity_cache[entity] = (stamp, rows)
        return rows

    def entity(self, entity: str, id_: str | int) -> dict[str, Any] | None:
        return self.store.master.get(entity, id_)

    def store_settings(self) -> StoreSettings:
        """This store's settings (name, receipt header, 抹零 mode ...); defaults before the first sync."""
        store_id = int(self.store.get_setting("store_id") or 0)
        for d in self.entity_rows(Entity.STORE.value):
            if int(d.get("id", -1)) == store_id:
                return StoreSettings.model_validate(d)
        return StoreSettings(id=store_id, code=self.store.get_setting("store_code") or "", name="")

    def receipt_language(self) -> Lang:
        """The language this store prints in (receipts, slips, reports, the customer's display):
        head office's setting, Chinese unless it says English."""
        value = (self.store_settings().receipt_language or "").strip().lower()
        return "en" if value.startswith("en") else "zh"

    def member_levels(self) -> dict[str, MemberLevel]:
        levels: dict[str, MemberLevel] = {}
        for d in self.entity_rows(Entity.MEMBER_LEVEL.value):
            data = dict(d)
            if "percent_off_bp" not in data and "discount_bp" in data:
                data["percent_off_bp"] = data["discount_bp"]
            level = MemberLevel.from_dict(data)
            levels[level.code] = level
        return levels

    def promotions(self) -> list[Promotion]:
        out: list[Promotion] = []
        for d in self.entity_rows(Entity.PROMOTION.value):
            try:
                out.append(Promotion.from_dict(d))
            except ValueError:
                continue  # central validates promotions; a bad row must not stop the till
        return out

    def price_lists(self) -> list[PriceList]:
        out: list[PriceList] = []
        for d in self.entity_rows(Entity.PRICE_LIST.value):
            try:
                out.append(PriceList.from_dict(d))
            except ValueError:
                continue
        return out

    def member_prices(self) -> list[MemberLevelPrice]:
        """Member prices (会员价) central ships as entity `member_price`."""
        out: list[MemberLevelPrice] = []
        for d in self.entity_rows(Entity.MEMBER_PRICE.value):
            try:
                out.append(MemberLevelPrice.from_dict(d))
            except (KeyError, ValueError):
                continue  # central validates member prices; a bad row must not stop the till
        return out

    def pricing_context(self, at: datetime) -> PricingContext:
        """The shared pricing inputs at time `at`; rebuilt only when promotions, price lists, levels, member prices
        or store settings changed (the indexes are reused between scans)."""
        self.refresh()
        stamp = tuple(
            self._stamp(e) for e in (Entity.PROMOTION, Entity.PRICE_LIST, Entity.MEMBER_LEVEL, Entity.MEMBER_PRICE,
                                     Entity.STORE))
        if self._context is None or self._context_stamp != stamp:
            settings = self.store_settings()
            points = settings.extra.get("points_policy")
            self._context = PricingContext(
                at=at, store_id=settings.id, products=LazyProducts(self),
                promotions=tuple(self.promotions()), price_lists=tuple(self.price_lists()),
                member_levels=MemberLevels(self.member_levels()),
                member_prices=tuple(self.member_prices()),
                rounding=rounding_policy(settings.rounding_mode),
                points=PointsPolicy.from_dict(points) if isinstance(points, dict) else PointsPolicy(),
            )
            self._context_stamp = stamp
        return self._context.at_time(at)

    @property
    def token(self) -> tuple[int, int]:
        """Changes whenever master data may have changed (see `refresh`)."""
        return self._token

    def price_boundary_between(self, start: datetime, end: datetime) -> bool:
        """True when a promotion or price list starts or ends in (start, end]: a cart priced at
        `start` may price differently at `end`."""
        for promo in self._context.promotions if self._context is not None else ():
            if start < promo.starts_at <= end or start < promo.ends_at <= end:
                return True
        for pl in self._context.price_lists if self._context is not None else ():
            for t in (pl.valid_from, pl.valid_to):
                if t is not None and start < t <= end:
                    return True
        return False

    def _master_exists(self) -> bool:
        if self._has_master is None:
            self._has_master = self.store.master.present()
        return self._has_master

    def _stamp(self, entity: str) -> tuple[int, int]:
        """(rows, Σ versions) of an entity: changes whenever a row is added, replaced or deleted."""
        cached = self._stamps.get(entity)
        if cached is not None:
            return cached
        if not self._master_exists():
            return (0, 0)
        stamp = self.store.master.stamp(entity)
        self._stamps[entity] = stamp
        return stamp

    def price_version(self) -> int:
        """The change-feed cursor the local master data reflects (recorded on each sale)."""
        return self.store.sync_state.cursor()
