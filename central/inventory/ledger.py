"""Posting stock movements: the only way stock (and its value) changes.

Every movement is appended to the ledger with its value at moving average cost
(central/costing/average.py), and the on-hand row of its warehouse and product moves by the same
quantity and value in the same transaction (the caller's). A posting reads its on-hand rows first,
locked (`FOR UPDATE` on PostgreSQL) in primary-key order (warehouse, product), then the batches of
its batch-tracked products the same way, so two postings touching the same products lock them in
the same order and cannot deadlock, and the average cost each movement is valued at cannot change
under it. Stock may go negative (two tills sold the last item while offline): that is reported as
a warning, never refused.

Batch-tracked products (`shelf_life_tracked`): goods going out without a named batch are taken
first-expiry-first-out over the warehouse's batches (central/inventory/batches.py), one ledger row
per batch taken from; goods coming in with a batch add to it (`stock_batches`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from central import references
from central.bulk import in_list, insert_tuples, json_rows, pg_execute, recordset_sql
from central.catalog.models import Product
from central.costing.average import CostState, allocate, apply, cost_of, fen_to_mfen, revalue, round_div
from central.db import utcnow
from central.errors import Invalid, not_found
from central.inventory.batches import Lot, Piece, take_fefo
from central.inventory.models import MOVEMENT_KINDS, StockBatch, StockMovement, StockOnHand
from central.kits.models import KitComponent, KitTemplate


class Movement(NamedTuple):
    """A movement to post (signed `qty_m`: thousandths of the base unit, + in, − out).

    A NamedTuple (immutable; `_replace` for a variant): a push makes thousands of them a batch,
    and a frozen dataclass took ~3 µs each to build."""

    warehouse_id: int
    product_id: int
    kind: str
    qty_m: int
    source_type: str
    source_id: str
    occurred_at: datetime
    source_line: int | None = None
    unit_cost_fen: int | None = None
    """Incoming goods at a known price per base unit (a purchase): valued at it. Ignored going out."""
    batch_no: str | None = None
    """Incoming: the batch received. Outgoing: the batch chosen by hand (else FEFO for tracked products)."""
    expiry_date: date | None = None
    user_id: int | None = None
    note: str | None = None
    value_fen: int | None = None
    """Incoming goods whose whole value the caller knows (a return at its sale's cost, a transfer in
    at what left the other warehouse); `revaluation` rows: the value change itself."""
    production_date: date | None = None
    """Of the batch received (kept on the batch, not on each ledger row)."""


@dataclass(frozen=True)
class NegativeStock:
    """A warning: this warehouse's on-hand of this product is below zero after the posting."""

    warehouse_id: int
    product_id: int
    qty_m: int


@dataclass(frozen=True)
class Posting:
    """What a posting did: warnings, and for each movement given (in order) its value in fen
    (signed: − what it cost going out, + what it added coming in; None = unknown cost) and the
    ledger pieces it became (one per batch taken from; None: one piece, the movement as given)."""

    warnings: list[NegativeStock]
    values: list[int | None]
    pieces: list[list[Piece] | None]

    def pieces_of(self, index: int, movement: Movement) -> list[Piece]:
        """The ledger pieces of `movement`, the `index`-th of the posting."""
        return self.pieces[index] or [Piece(movement.batch_no, movement.expiry_date, movement.qty_m)]


_ON_HAND = cast(Table, StockOnHand.__table__)
_BATCHES = cast(Table, StockBatch.__table__)
_PRODUCTS = cast(Table, Product.__table__)
_KITS = cast(Table, KitTemplate.__table__)
_COMPONENTS = cast(Table, KitComponent.__table__)
EXPLODING_KINDS = frozenset({"sale", "return", "delivery", "delivery_return"})
"""Movements in which a kit whose template says `explode_on_sale` moves as its components."""


@lru_cache(maxsize=4)
def _statements(dialect: str) -> tuple[Any, Any, Any]:
    """The reads of a posting: on-hand rows (locked), the products with special handling (tracked by
    batch, or kits taken out as their components when sold), batches (locked)."""
    on_hand = (select(_ON_HAND.c.warehouse_id, _ON_HAND.c.product_id, _ON_HAND.c.qty_m, _ON_HAND.c.value_fen,
                      _ON_HAND.c.avg_cost_mfen)
               .where(in_list(_ON_HAND.c.warehouse_id, "warehouses", dialect),
                      in_list(_ON_HAND.c.product_id, "products", dialect))
               .order_by(_ON_HAND.c.warehouse_id, _ON_HAND.c.product_id).with_for_update())
    kits = _KITS.c
    tracked = (select(_PRODUCTS.c.id, _PRODUCTS.c.shelf_life_tracked, kits.id)
               .select_from(_PRODUCTS.outerjoin(_KITS, (kits.product_id == _PRODUCTS.c.id)
                                                & kits.explode_on_sale.is_(True) & kits.active.is_(True)))
               .where(in_list(_PRODUCTS.c.id, "products", dialect),
                      or_(_PRODUCTS.c.shelf_life_tracked.is_(True), kits.id.is_not(None))))
    batches = (select(_BATCHES.c.warehouse_id, _BATCHES.c.product_id, _BATCHES.c.batch_no, _BATCHES.c.qty_m,
                      _BATCHES.c.expiry_date, _BATCHES.c.received_at)
               .where(in_list(_BATCHES.c.warehouse_id, "warehouses", dialect),
                      in_list(_BATCHES.c.product_id, "products", dialect), _BATCHES.c.qty_m != 0)
               .order_by(_BATCHES.c.warehouse_id, _BATCHES.c.product_id, _BATCHES.c.batch_no).with_for_update())
    return on_hand, tracked, batches


@lru_cache(maxsize=4)
def _upsert_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE for on-hand rows (SQLite; PostgreSQL uses `_PG_UPSERT`).

    Quantity and value move by the posting's deltas (atomic: no update can be lost); the average
    is the one computed under the rows' locks. Rows are given in primary-key order."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(_ON_HAND)
    return stmt.on_conflict_do_update(
        index_elements=[_ON_HAND.c.warehouse_id, _ON_HAND.c.product_id],
        set_={"qty_m": _ON_HAND.c.qty_m + stmt.excluded.qty_m, "value_fen": _ON_HAND.c.value_fen + stmt.excluded.value_fen,
              "avg_cost_mfen": stmt.excluded.avg_cost_mfen, "updated_at": stmt.excluded.updated_at})


@lru_cache(maxsize=4)
def _batch_upsert_statement(dialect: str) -> Any:
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(_BATCHES)
    return stmt.on_conflict_do_update(
        index_elements=[_BATCHES.c.warehouse_id, _BATCHES.c.product_id, _BATCHES.c.batch_no],
        set_={"qty_m": _BATCHES.c.qty_m + stmt.excluded.qty_m,
              "expiry_date": func.coalesce(_BATCHES.c.expiry_date, stmt.excluded.expiry_date),
              "production_date": func.coalesce(_BATCHES.c.production_date, stmt.excluded.production_date)})


_ON_HAND_COLUMNS = ("warehouse_id", "product_id", "qty_m", "value_fen", "avg_cost_mfen", "updated_at")
_PG_UPSERT = ("ON CONFLICT (warehouse_id, product_id) DO UPDATE SET qty_m = stock_on_hand.qty_m + excluded.qty_m, "
              "value_fen = stock_on_hand.value_fen + excluded.value_fen, avg_cost_mfen = excluded.avg_cost_mfen, "
              "updated_at = excluded.updated_at")
_BATCH_COLUMNS = ("warehouse_id", "product_id", "batch_no", "qty_m", "expiry_date", "production_date", "received_at")
_PG_BATCH_UPSERT = ("ON CONFLICT (warehouse_id, product_id, batch_no) DO UPDATE SET "
                    "qty_m = stock_batches.qty_m + excluded.qty_m, "
                    "expiry_date = coalesce(stock_batches.expiry_date, excluded.expiry_date), "
                    "production_date = coalesce(stock_batches.production_date, excluded.production_date)")
_LEDGER_COLUMNS = ("warehouse_id", "product_id", "kind", "qty_m", "balance_after_m", "unit_cost_fen", "value_fen",
                   "batch_no", "expiry_date", "source_type", "source_id", "source_line", "occurred_at", "recorded_at",
                   "user_id", "note")
REVALUATION_NOTE = "按移动加权平均成本重估 / revalued by the average cost rule"
_EMPTY = CostState()


def post_movements(session: Session, movements: Sequence[Movement],
                   *, recorded_at: datetime | None = None) -> list[NegativeStock]:
    """Append `movements` to the ledger and move on-hand with them; returns negative-stock warnings."""
    return post(session, movements, recorded_at=recorded_at).warnings


def post(session: Session, movements: Sequence[Movement], *, recorded_at: datetime | None = None) -> Posting:
    """Append `movements` to the ledger, valued at moving average cost, and move on-hand (quantity,
    value, average cost) and batches with them. Runs inside the caller's transaction, never commits.

    Movements of one warehouse and product are applied in the order given (a transfer's way out
    before its way in). `revaluation` movements change value only (qty 0, `value_fen` = the change).
    """
    if not movements:
        return Posting([], [], [])
    now = recorded_at or utcnow()
    for m in movements:
        if m.kind not in MOVEMENT_KINDS:
            raise Invalid(f"未知的库存变动类型 {m.kind}", f"unknown movement kind {m.kind}",
                          code="movement_kind", field="kind")
        if (m.qty_m == 0) != (m.kind == "revaluation"):
            raise Invalid("库存变动数量不能为零（成本调整除外）", "a movement needs a quantity (revaluations have none)",
                          code="qty", field="qty")
    _require_references(session, movements)
    dialect = session.get_bind().dialect.name
    on_hand_q, tracked_q, batches_q = _statements(dialect)
    asked = movements
    products = sorted({m.product_id for m in movements})
    tracked: set[int] = set()
    kits: dict[int, int] = {}  # kit product → template, of kits sold as their components
    for pid, is_tracked, template in session.execute(tracked_q, {"products": products}):
        if is_tracked:
            tracked.add(pid)
        if template is not None:
            kits[pid] = template
    origin: list[int] | None = None
    if kits and any(m.product_id in kits and m.kind in EXPLODING_KINDS for m in movements):
        movements, origin = _explode(session, movements, kits)
        _require_references(session, movements)
        parts = sorted({m.product_id for m in movements} - set(products))
        products = sorted(set(products) | set(parts))
        if parts:
            tracked |= {pid for pid, is_tracked, _t in session.execute(tracked_q, {"products": parts}) if is_tracked}
    warehouses = sorted({m.warehouse_id for m in movements})
    states: dict[tuple[int, int], CostState] = {
        (w, p): CostState(q, v, a) for w, p, q, v, a in session.execute(
            on_hand_q, {"warehouses": warehouses, "products": products})}
    lots: dict[tuple[int, int], list[Lot]] = defaultdict(list)
    if tracked:
        for w, p, b, q, exp, rec in session.execute(batches_q, {
                "warehouses": warehouses, "products": sorted(tracked)}):
            lots[(w, p)].append(Lot(b, q, exp, rec))

    start = dict(states)
    balance = {key: state.qty_m for key, state in states.items()}
    batch_deltas: dict[tuple[int, int, str], list[Any]] = {}  # → [qty, expiry, production]
    ledger: list[tuple[Any, ...]] = []
    values: list[int | None] = []
    pieces_of: list[list[Piece] | None] = []
    for m in movements:
        key = (m.warehouse_id, m.product_id)
        state = states.get(key, _EMPTY)
        qty = m.qty_m
        if qty < 0 and m.product_id not in tracked and state.unit_cost_mfen is not None \
                and state.qty_m >= -qty and state.value_fen >= 0:
            # the common case (a sale of stock held at a known cost), without the general rule's
            # function calls: it is `costing.average.apply` for goods out of positive stock
            q, v = state.qty_m, state.value_fen
            cost = v if -qty == q else (-2 * v * qty + q) // (2 * q)
            state = CostState(q + qty, v - cost, state.unit_cost_mfen)
            balance[key] = held = q + qty
            ledger.append((m.warehouse_id, m.product_id, m.kind, qty, held, (2000 * cost - qty) // (-2 * qty),
                           -cost, m.batch_no, m.expiry_date, m.source_type, m.source_id, m.source_line, m.occurred_at,
                           now, m.user_id, m.note))
            states[key] = state
            values.append(-cost)
            pieces_of.append(None)
            continue
        if m.kind == "revaluation":
            pieces = [Piece(m.batch_no, m.expiry_date, 0)]
        elif m.product_id in tracked:
            pieces = _batch_pieces(m, lots[key], batch_deltas)
        else:
            pieces = [Piece(m.batch_no, m.expiry_date, qty)]
        total: int | None = 0
        held = balance.get(key, 0)
        for piece in pieces:
            qty = piece.qty_m
            if m.kind == "revaluation":  # a cost correction: the value moves, never below zero
                value, revaluation, state = revalue(state, m.value_fen or 0)
            else:
                given = m.value_fen if qty > 0 and len(pieces) == 1 else None
                if given is None and qty > 0 and m.unit_cost_fen is not None:
                    given = cost_of(fen_to_mfen(m.unit_cost_fen), qty)
                value, revaluation, state = apply(state, qty, given)
            held += qty
            unit_cost = None if value is None or qty == 0 else round_div(abs(value) * 1000, abs(qty))
            ledger.append((m.warehouse_id, m.product_id, m.kind, qty, held, unit_cost, value, piece.batch_no,
                           piece.expiry_date, m.source_type, m.source_id, m.source_line, m.occurred_at, now, m.user_id,
                           m.note))
            if revaluation:
                ledger.append((m.warehouse_id, m.product_id, "revaluation", 0, held, None, revaluation, None, None,
                               m.source_type, m.source_id, m.source_line, m.occurred_at, now, m.user_id,
                               REVALUATION_NOTE))
            total = None if value is None or total is None else total + value
        balance[key] = held
        states[key] = state
        values.append(total)
        pieces_of.append(pieces)

    keys = sorted({(m.warehouse_id, m.product_id) for m in movements})  # primary-key order: no deadlocks
    changes = []
    for w, p in keys:
        before, after = start.get((w, p), _EMPTY), states[(w, p)]
        changes.append({"warehouse_id": w, "product_id": p, "qty_m": after.qty_m - before.qty_m,
                        "value_fen": after.value_fen - before.value_fen, "avg_cost_mfen": after.unit_cost_mfen,
                        "updated_at": now})
    batch_rows = [{"warehouse_id": w, "product_id": p, "batch_no": b, "qty_m": d[0], "expiry_date": d[1],
                   "production_date": d[2], "received_at": now} for (w, p, b), d in sorted(batch_deltas.items())]
    if dialect == "postgresql":  # one statement text for any number of rows (see central.bulk)
        pg_execute(session, recordset_sql(_ON_HAND, _ON_HAND_COLUMNS, _PG_UPSERT), [json_rows(changes)])
        if batch_rows:
            pg_execute(session, recordset_sql(_BATCHES, _BATCH_COLUMNS, _PG_BATCH_UPSERT), [json_rows(batch_rows)])
    else:
        session.execute(_upsert_statement(dialect), changes)
        if batch_rows:
            session.execute(_batch_upsert_statement(dialect), batch_rows)
    insert_tuples(session, _t_ledger(), _LEDGER_COLUMNS, ledger)  # COPY on PostgreSQL
    warnings = [NegativeStock(w, p, states[(w, p)].qty_m) for w, p in keys if states[(w, p)].qty_m < 0]
    if origin is not None:  # kits sold as their components: each given movement is worth its parts
        folded: list[int | None] = [0] * len(asked)
        for i, value in zip(origin, values, strict=True):
            current = folded[i]
            folded[i] = None if value is None or current is None else current + value
        return Posting(warnings, folded, [None] * len(asked))
    return Posting(warnings, values, pieces_of)


def _explode(session: Session, movements: Sequence[Movement], kits: dict[int, int]
             ) -> tuple[list[Movement], list[int]]:
    """Movements with each kit sold (or returned, delivered) replaced by its components, and for
    each resulting movement the index of the movement it came from. A known value (a return at
    its sale's cost) is split over the components by quantity, to the fen."""
    recipe: dict[int, list[tuple[int, int]]] = defaultdict(list)  # template → [(component, qty_m per kit)]
    for template, product, qty_m in session.execute(
            select(_COMPONENTS.c.template_id, _COMPONENTS.c.product_id, _COMPONENTS.c.qty_m)
            .where(_COMPONENTS.c.template_id.in_(sorted(set(kits.values()))))
            .order_by(_COMPONENTS.c.template_id, _COMPONENTS.c.product_id)):
        recipe[template].append((product, qty_m))
    out: list[Movement] = []
    origin: list[int] = []
    for i, m in enumerate(movements):
        parts = recipe.get(kits.get(m.product_id, 0)) if m.kind in EXPLODING_KINDS else None
        if not parts:
            out.append(m)
            origin.append(i)
            continue
        quantities = [round_div(m.qty_m * per_kit, 1000) for _p, per_kit in parts]
        shares: list[int | None] = [None] * len(parts)
        if m.value_fen is not None:
            shares = list(allocate(m.value_fen, [abs(q) for q in quantities]))
        for (product, _per_kit), qty, share in zip(parts, quantities, shares, strict=True):
            out.append(m._replace(product_id=product, qty_m=qty, value_fen=share, batch_no=None, expiry_date=None,
                                  note=(m.note or f"组合拆出 kit {m.product_id}")[:200]))
            origin.append(i)
    return out, origin


def _t_ledger() -> Table:
    return cast(Table, StockMovement.__table__)


def _batch_pieces(m: Movement, lots: list[Lot], deltas: dict[tuple[int, int, str], list[Any]]) -> list[Piece]:
    """The ledger pieces of a batch-tracked product's movement, and what they do to its batches."""
    if m.qty_m > 0:
        pieces = [Piece(m.batch_no, m.expiry_date, m.qty_m)]
    elif m.batch_no is not None:  # chosen by hand: the batch must hold it
        lot = next((lt for lt in lots if lt.batch_no == m.batch_no), None)
        if lot is None or lot.qty_m < -m.qty_m:
            left = 0 if lot is None else lot.qty_m
            raise Invalid(f"批次 {m.batch_no} 只剩 {left / 1000:g}，不够 {-m.qty_m / 1000:g}",
                          f"batch {m.batch_no} holds {left / 1000:g}, not {-m.qty_m / 1000:g}",
                          code="batch_short", field="batch_no")
        lot.qty_m += m.qty_m
        pieces = [Piece(lot.batch_no, lot.expiry_date, m.qty_m)]
    else:
        pieces = take_fefo(lots, -m.qty_m)
    for piece in pieces:
        if piece.batch_no is None:
            continue
        key = (m.warehouse_id, m.product_id, piece.batch_no)
        delta = deltas.setdefault(key, [0, piece.expiry_date, m.production_date if m.qty_m > 0 else None])
        delta[0] += piece.qty_m
        if m.qty_m > 0:
            lot = next((lt for lt in lots if lt.batch_no == piece.batch_no), None)
            if lot is None:
                lots.append(Lot(piece.batch_no, piece.qty_m, piece.expiry_date, None))
            else:
                lot.qty_m += piece.qty_m
    return pieces


def _require_references(session: Session, movements: Sequence[Movement]) -> None:
    """Every warehouse, product and user the movements name exists (the ledger has no FOREIGN KEY
    per row: see central/references.py); one query per kind this session has not seen yet."""
    for name, zh, en, field, ids in (
            ("warehouses", "仓库", "warehouse", "warehouse_id", (m.warehouse_id for m in movements)),
            ("products", "商品", "product", "product_id", (m.product_id for m in movements)),
            ("users", "用户", "user", "user_id", (m.user_id for m in movements))):
        unknown = references.missing(session, name, ids)
        if unknown:
            raise not_found(zh, en, field, unknown[0])


def back_to_batches(back: Movement, taken: list[tuple[str, Any, int]]) -> list[Movement]:
    """Goods coming back (a till return, a loan given back) go to the batches they left from,
    `taken` = [(batch, expiry, qty taken)] in the order taken: the last taken first; the value is
    split over them in proportion, to the fen. Nothing taken by batch: the movement as it is."""
    if not taken:
        return [back]
    parts: list[tuple[str | None, Any, int]] = []
    left = back.qty_m
    for batch, expiry, qty_m in reversed(taken):
        if left <= 0:
            break
        part = min(qty_m, left)
        parts.append((batch, expiry, part))
        left -= part
    if left > 0:
        parts.append((None, None, left))
    if len(parts) == 1:
        return [back._replace(batch_no=parts[0][0], expiry_date=parts[0][1])]
    moves, given = [], 0
    for n, (batch, expiry, part) in enumerate(parts):
        value = None
        if back.value_fen is not None:
            value = back.value_fen - given if n == len(parts) - 1 else round_div(back.value_fen * part, back.qty_m)
            given += value
        moves.append(back._replace(qty_m=part, batch_no=batch, expiry_date=expiry, value_fen=value))
    return moves


def lock(session: Session, warehouse_ids: Sequence[int], product_ids: Sequence[int]) -> None:
    """Take the on-hand row locks of several postings up front, in primary-key order (PostgreSQL),
    for a document posted in two steps (a transfer's way out, then its way in at what left): without
    it, a transfer A→B and one B→A at the same moment could each hold what the other waits for."""
    dialect = session.get_bind().dialect.name
    on_hand_q, _tracked, _batches = _statements(dialect)
    session.execute(on_hand_q, {"warehouses": sorted(set(warehouse_ids)), "products": sorted(set(product_ids))}).all()


def on_hand(session: Session, warehouse_id: int, product_id: int) -> int:
    """Current quantity (thousandths of the base unit); 0 when the product never moved here."""
    value = session.scalar(select(StockOnHand.qty_m).where(
        StockOnHand.warehouse_id == warehouse_id, StockOnHand.product_id == product_id))
    return int(value or 0)


def cost_state(session: Session, warehouse_id: int, product_id: int) -> CostState:
    """Quantity, value and average cost of a product in a warehouse (empty when it never moved there)."""
    row = session.execute(select(StockOnHand.qty_m, StockOnHand.value_fen, StockOnHand.avg_cost_mfen).where(
        StockOnHand.warehouse_id == warehouse_id, StockOnHand.product_id == product_id)).first()
    if row is None:
        return CostState()
    return CostState(int(row[0]), int(row[1]), None if row[2] is None else int(row[2]))
