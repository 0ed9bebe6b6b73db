"""Stock counts at scale (盘点): open a sheet (snapshot), enter counts (scanner, tablet, Excel),
review the variance with its value, recount lines, post the sheet as one stock document.

Built for tens of thousands of lines: the snapshot is one INSERT … SELECT, entries are one bulk
UPDATE per request, posting is one read of the sheet and one stock posting
(`central.inventory.ledger.post`: one locked read of on-hand, one upsert, one COPY of the ledger).

The difference posted for a line is counted − the snapshot (`expected_m`, on hand when the sheet
was opened, or when a product not on the sheet was first counted, as of the opening), so goods
sold while people count are neither lost nor counted twice. A product can be on one counting
sheet of a warehouse at a time (two sheets would post its difference twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, and_, func, insert, literal, select, update
from sqlalchemy.orm import Session

from central.audit.service import record
from central.auth.principal import Principal, UserPrincipal
from central.catalog.models import Barcode, Category, Product, ProductUnit
from central.costing.average import cost_of
from central.counts.models import CountLine, CountSheet
from central.db import utcnow
from central.errors import Conflict, Invalid, not_found
from central.inventory.ledger import Movement, NegativeStock, post
from central.inventory.models import StockMovement, StockOnHand
from central.org.models import Warehouse
from sync.quantity import to_milli

MAX_ENTRIES = 20_000
SOURCES = ("scanner", "tablet", "excel", "manual")


def _user(actor: Principal | None) -> int | None:
    return actor.user_id if isinstance(actor, UserPrincipal) else None


def get_sheet(session: Session, sheet_id: int, *, lock: bool = False) -> CountSheet:
    sheet = session.get(CountSheet, sheet_id, with_for_update=lock, populate_existing=lock)
    if sheet is None:
        raise not_found("盘点单", "count sheet", "sheet_id", sheet_id)
    return sheet


def _require_counting(sheet: CountSheet) -> None:
    if sheet.status != "counting":
        raise Conflict(f"盘点单 {sheet.no} 已{'过账' if sheet.status == 'posted' else '作废'}",
                       f"count sheet {sheet.no} is {sheet.status}", code="sheet_status", field="status")


def _category_ids(session: Session, root: int) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for cid, parent in session.execute(select(Category.id, Category.parent_id)):
        children.setdefault(parent, []).append(cid)
    out, todo = [], [root]
    while todo:
        cid = todo.pop()
        out.append(cid)
        todo.extend(children.get(cid, []))
    return out


def open_sheet(session: Session, *, actor: Principal | None, warehouse_id: int, category_id: int | None = None,
               zone: str | None = None, product_ids: Sequence[int] | None = None, blind: bool = False,
               note: str | None = None) -> CountSheet:
    """A sheet of the warehouse's products (those it holds a row for), of a category (its whole
    subtree, held or not), of the products named, or of a zone (filled as it is counted)."""
    wh = session.get(Warehouse, warehouse_id)
    if wh is None:
        raise not_found("仓库", "warehouse", "warehouse_id", warehouse_id)
    if category_id is not None and session.get(Category, category_id) is None:
        raise not_found("品类", "category", "category_id", category_id)
    now = utcnow()
    sheet = CountSheet(no=f"SC-{now.timestamp():.6f}", warehouse_id=warehouse_id, status="counting", blind=blind,
                       zone=zone, category_id=category_id, snapshot_at=now, created_by=_user(actor), note=note)
    session.add(sheet)
    session.flush()
    sheet.no = f"SC{now:%Y%m%d}-{sheet.id:05d}"
    hand = cast(Table, StockOnHand.__table__)
    lines = cast(Table, CountLine.__table__)
    if product_ids is not None:
        wanted = sorted(set(product_ids))
        known = set(session.scalars(select(Product.id).where(Product.id.in_(wanted))))
        missing = [p for p in wanted if p not in known]
        if missing:
            raise not_found("商品", "product", "product_ids", missing[0])
        source: Any = (select(literal(sheet.id), Product.id, func.coalesce(StockOnHand.qty_m, 0),
                              StockOnHand.avg_cost_mfen)
                       .select_from(Product).outerjoin(StockOnHand, and_(StockOnHand.product_id == Product.id,
                                                                        StockOnHand.warehouse_id == warehouse_id))
                       .where(Product.id.in_(wanted)))
    elif category_id is not None:
        source = (select(literal(sheet.id), Product.id, func.coalesce(StockOnHand.qty_m, 0), StockOnHand.avg_cost_mfen)
                  .select_from(Product).outerjoin(StockOnHand, and_(StockOnHand.product_id == Product.id,
                                                                   StockOnHand.warehouse_id == warehouse_id))
                  .where(Product.category_id.in_(_category_ids(session, category_id)), Product.active.is_(True)))
    elif zone is not None:
        source = None
    else:
        source = select(literal(sheet.id), hand.c.product_id, hand.c.qty_m, hand.c.avg_cost_mfen).where(
            hand.c.warehouse_id == warehouse_id)
    if source is not None:
        session.execute(insert(lines).from_select(["sheet_id", "product_id", "expected_m", "avg_cost_mfen"], source))
        _refuse_overlap(session, sheet)
    session.flush()
    record(session, actor=actor, action="count_sheet.open", entity_type="count_sheet", entity_id=sheet.no,
           after={"warehouse_id": warehouse_id, "category_id": category_id, "zone": zone, "blind": blind})
    return sheet


def _refuse_overlap(session: Session, sheet: CountSheet, product_ids: Sequence[int] | None = None) -> None:
    other = CountSheet.__table__.alias("other")
    mine, theirs = CountLine.__table__.alias("mine"), CountLine.__table__.alias("theirs")
    stmt = (select(other.c.no, theirs.c.product_id)
            .select_from(theirs.join(other, other.c.id == theirs.c.sheet_id))
            .where(other.c.warehouse_id == sheet.warehouse_id, other.c.status == "counting",
                   other.c.id != sheet.id, other.c.recount_of.is_(None),
                   other.c.id != (sheet.recount_of or 0)).limit(1))
    if product_ids is None:
        stmt = stmt.where(theirs.c.product_id.in_(select(mine.c.product_id).where(mine.c.sheet_id == sheet.id)))
    else:
        stmt = stmt.where(theirs.c.product_id.in_(list(product_ids)))
    clash = session.execute(stmt).first()
    if clash is not None:
        raise Conflict(f"商品 {clash[1]} 已在盘点单 {clash[0]} 中盘点", f"product {clash[1]} is being counted on {clash[0]}",
                       code="already_counting", field="product_ids")


@dataclass(frozen=True)
class Entry:
    qty: Decimal
    """In the scanned unit (a box barcode counts boxes), or base units for a product id."""
    product_id: int | None = None
    barcode: str | None = None


@dataclass(frozen=True)
class Entered:
    lines: int
    added: int
    """Products counted that were not on the sheet."""


def enter(session: Session, *, actor: Principal | None, sheet_id: int, entries: Sequence[Entry], mode: str = "set",
          source: str = "manual") -> Entered:
    """Counts into the sheet: `set` (a tablet or Excel says the total) or `add` (each scan adds).
    Barcodes of box units count boxes. Products not on the sheet join it."""
    if mode not in ("set", "add"):
        raise Invalid(f"未知的录入方式 {mode}", f"unknown entry mode {mode}", code="mode", field="mode")
    if source not in SOURCES:
        raise Invalid(f"未知的来源 {source}", f"unknown source {source}", code="source", field="source")
    if len(entries) > MAX_ENTRIES:
        raise Invalid(f"一次最多录入 {MAX_ENTRIES} 行", f"at most {MAX_ENTRIES} entries at a time", code="too_many_lines",
                      field="entries")
    sheet = get_sheet(session, sheet_id, lock=True)
    _require_counting(sheet)
    codes = sorted({e.barcode for e in entries if e.barcode})
    by_code: dict[str, tuple[int, int]] = {}
    for i in range(0, len(codes), 500):
        by_code.update({code: (pid, factor) for code, pid, factor in session.execute(
            select(Barcode.barcode, Barcode.product_id, ProductUnit.factor)
            .join(ProductUnit, ProductUnit.id == Barcode.unit_id).where(Barcode.barcode.in_(codes[i:i + 500])))})
    totals: dict[int, int] = {}
    for i, e in enumerate(entries):
        if e.qty < 0 or (mode == "set" and e.qty is None):
            raise Invalid("盘点数量不能为负", "a counted quantity cannot be negative", code="qty",
                          field=f"entries[{i}].qty")
        if e.barcode:
            if e.barcode not in by_code:
                raise not_found("条码", "barcode", f"entries[{i}].barcode", e.barcode)
            pid, factor = by_code[e.barcode]
        elif e.product_id is not None:
            pid, factor = e.product_id, 1
        else:
            raise Invalid("每行需要商品或条码", "each entry needs a product or a barcode", code="entry",
                          field=f"entries[{i}]")
        qty_m = to_milli(e.qty) * factor
        totals[pid] = totals.get(pid, 0) + qty_m if mode == "add" or pid in totals else qty_m
    current: dict[int, int | None] = {}
    ids = sorted(totals)
    for i in range(0, len(ids), 5000):
        current.update(session.execute(
            select(CountLine.product_id, CountLine.counted_m).where(
                CountLine.sheet_id == sheet.id, CountLine.product_id.in_(ids[i:i + 5000]))).all())
    new = [pid for pid in ids if pid not in current]
    if new:
        _add_lines(session, sheet, new)
    now, who = utcnow(), _user(actor)
    rows = [{"sheet_id": sheet.id, "product_id": pid,
             "counted_m": (current.get(pid) or 0) + qty if mode == "add" else qty,
             "counted_at": now, "counted_by": who, "source": source} for pid, qty in totals.items()]
    if rows:
        session.execute(update(CountLine), rows)  # bulk UPDATE by primary key
    session.flush()
    return Entered(len(rows), len(new))


def _add_lines(session: Session, sheet: CountSheet, product_ids: list[int]) -> None:
    """Products first counted after the sheet opened: their snapshot is on-hand as of the opening
    (on-hand now less what central recorded since)."""
    known = set()
    for i in range(0, len(product_ids), 5000):
        known |= set(session.scalars(select(Product.id).where(Product.id.in_(product_ids[i:i + 5000]))))
    missing = [p for p in product_ids if p not in known]
    if missing:
        raise not_found("商品", "product", "entries.product_id", missing[0])
    _refuse_overlap(session, sheet, product_ids)
    hand = {pid: (q, a) for pid, q, a in session.execute(
        select(StockOnHand.product_id, StockOnHand.qty_m, StockOnHand.avg_cost_mfen).where(
            StockOnHand.warehouse_id == sheet.warehouse_id, StockOnHand.product_id.in_(product_ids)))}
    since = dict(session.execute(
        select(StockMovement.product_id, func.sum(StockMovement.qty_m)).where(
            StockMovement.warehouse_id == sheet.warehouse_id, StockMovement.product_id.in_(product_ids),
            StockMovement.recorded_at > sheet.snapshot_at).group_by(StockMovement.product_id)).all())
    session.execute(insert(CountLine), [
        {"sheet_id": sheet.id, "product_id": pid, "expected_m": hand.get(pid, (0, None))[0] - int(since.get(pid) or 0),
         "avg_cost_mfen": hand.get(pid, (0, None))[1]} for pid in product_ids])


@dataclass
class Variance:
    lines: int = 0
    counted: int = 0
    differing: int = 0
    gain_fen: int = 0
    loss_fen: int = 0
    unknown_cost_lines: int = 0


def counts_of(session: Session, sheet: CountSheet) -> dict[int, tuple[int, int | None, int | None]]:
    """product → (expected, counted, average cost), with a recount's count taking the place of the first."""
    out = {pid: (e, c, a) for pid, e, c, a in session.execute(
        select(CountLine.product_id, CountLine.expected_m, CountLine.counted_m, CountLine.avg_cost_mfen)
        .where(CountLine.sheet_id == sheet.id))}
    for recount in session.scalars(select(CountSheet).where(CountSheet.recount_of == sheet.id,
                                                           CountSheet.status == "counting").order_by(CountSheet.id)):
        for pid, counted in session.execute(select(CountLine.product_id, CountLine.counted_m).where(
                CountLine.sheet_id == recount.id, CountLine.counted_m.is_not(None))):
            e, _c, a = out.get(pid, (0, None, None))
            out[pid] = (e, counted, a)
    return out


def variance(session: Session, sheet: CountSheet) -> Variance:
    v = Variance()
    for expected, counted, avg in counts_of(session, sheet).values():
        v.lines += 1
        if counted is None:
            continue
        v.counted += 1
        diff = counted - expected
        if not diff:
            continue
        v.differing += 1
        if avg is None:
            v.unknown_cost_lines += 1
        elif diff > 0:
            v.gain_fen += cost_of(avg, diff)
        else:
            v.loss_fen += cost_of(avg, -diff)
    return v


def recount(session: Session, *, actor: Principal | None, sheet_id: int, product_ids: Sequence[int]) -> CountSheet:
    """A blind recount of some lines (复盘): its counts replace the first ones when the sheet is posted."""
    sheet = get_sheet(session, sheet_id, lock=True)
    _require_counting(sheet)
    if sheet.recount_of is not None:
        raise Invalid("复盘单不能再复盘：请对原盘点单复盘", "recount the original sheet, not a recount", code="recount_of_recount",
                      field="sheet_id")
    wanted = sorted(set(product_ids))
    if not wanted:
        raise Invalid("请选择要复盘的商品", "choose the products to recount", code="no_lines", field="product_ids")
    lines = {pid: (e, a) for pid, e, a in session.execute(
        select(CountLine.product_id, CountLine.expected_m, CountLine.avg_cost_mfen).where(
            CountLine.sheet_id == sheet.id, CountLine.product_id.in_(wanted)))}
    missing = [p for p in wanted if p not in lines]
    if missing:
        raise not_found("盘点行", "count line", "product_ids", missing[0])
    now = utcnow()
    again = CountSheet(no=f"RC-{now.timestamp():.6f}", warehouse_id=sheet.warehouse_id, status="counting", blind=True,
                       zone=sheet.zone, category_id=sheet.category_id, recount_of=sheet.id,
                       snapshot_at=sheet.snapshot_at, created_by=_user(actor), note=f"{sheet.no} 复盘")
    session.add(again)
    session.flush()
    again.no = f"RC{now:%Y%m%d}-{again.id:05d}"
    session.execute(insert(CountLine), [{"sheet_id": again.id, "product_id": pid, "expected_m": e, "avg_cost_mfen": a}
                                        for pid, (e, a) in lines.items()])
    session.flush()
    record(session, actor=actor, action="count_sheet.recount", entity_type="count_sheet", entity_id=sheet.no,
           after={"recount": again.no, "products": len(wanted)})
    return again


@dataclass(frozen=True)
class PostedCount:
    sheet: CountSheet
    movements: int
    gain_fen: int
    loss_fen: int
    warnings: list[NegativeStock]


def post_sheet(session: Session, *, actor: Principal | None, sheet_id: int, uncounted: str = "skip") -> PostedCount:
    """Post every counted line that differs from its snapshot as one stock document (`count_difference`
    movements at the sheet's snapshot time); `uncounted="zero"` counts lines nobody counted as none."""
    if uncounted not in ("skip", "zero"):
        raise Invalid(f"未知的未盘处理 {uncounted}", f"unknown uncounted rule {uncounted}", code="uncounted",
                      field="uncounted")
    sheet = get_sheet(session, sheet_id, lock=True)
    _require_counting(sheet)
    if sheet.recount_of is not None:
        raise Invalid("复盘单随原盘点单一起过账", "a recount is posted with its original sheet", code="post_recount",
                      field="sheet_id")
    now, who = utcnow(), _user(actor)
    moves: list[Movement] = []
    for pid, (expected, counted, _avg) in sorted(counts_of(session, sheet).items()):
        if counted is None:
            if uncounted == "skip":
                continue
            counted = 0
        diff = counted - expected
        if diff:
            moves.append(Movement(warehouse_id=sheet.warehouse_id, product_id=pid, kind="count_difference",
                                  qty_m=diff, source_type="stock_count", source_id=sheet.no, source_line=len(moves) + 1,
                                  occurred_at=sheet.snapshot_at, user_id=who, note="盘点差异 / count difference"))
    posting = post(session, moves, recorded_at=now)
    gain = sum(v for v in posting.values if v is not None and v > 0)
    loss = -sum(v for v in posting.values if v is not None and v < 0)
    for s in [sheet, *session.scalars(select(CountSheet).where(CountSheet.recount_of == sheet.id,
                                                               CountSheet.status == "counting"))]:
        s.status, s.posted_at, s.posted_by, s.doc_id = "posted", now, who, sheet.no
    session.flush()
    record(session, actor=actor, action="count_sheet.post", entity_type="count_sheet", entity_id=sheet.no,
           after={"movements": len(moves), "gain_fen": gain, "loss_fen": loss, "uncounted": uncounted})
    return PostedCount(sheet, len(moves), gain, loss, posting.warnings)


def cancel_sheet(session: Session, *, actor: Principal | None, sheet_id: int, reason: str) -> CountSheet:
    sheet = get_sheet(session, sheet_id, lock=True)
    _require_counting(sheet)
    for s in [sheet, *session.scalars(select(CountSheet).where(CountSheet.recount_of == sheet.id))]:
        s.status = "cancelled"
    session.flush()
    record(session, actor=actor, action="count_sheet.cancel", entity_type="count_sheet", entity_id=sheet.no,
           reason=reason)
    return sheet


def read_counts_workbook(session: Session, data: bytes) -> list[Entry]:
    """Counts from an .xlsx: 实盘数量/counted, and 条码/barcode or 商品编码/SKU, in any column order,
    under a title row or not (central/excel/reader.py). A bad row is refused by its row number."""
    from central.excel.cells import CellError, barcode, quantity, text
    from central.excel.columns import Column
    from central.excel.reader import WorkbookError, read_table

    try:
        table = read_table(data, [Column("实盘数量", "counted", required=True)],
                           extra=[Column("商品编码", "sku"), Column("条码", "barcode"), Column("商品名称", "name")])
        rows = list(table.rows)
    except WorkbookError as exc:
        raise Invalid(exc.message, exc.message_en, code=exc.code, field="file") from None
    out: list[Entry] = []
    by_sku: list[tuple[int, str, Decimal]] = []
    for r in rows:
        try:
            qty_m = quantity(r.values.get("counted"))
            code = text(r.values.get("barcode"))
            sku = text(r.values.get("sku"))
            if qty_m is None or qty_m < 0:
                raise CellError("没有实盘数量", "no count")
            qty = Decimal(qty_m) / 1000
            if code:
                out.append(Entry(qty=qty, barcode=barcode(code)))
            elif sku:
                by_sku.append((r.number, sku, qty))
            else:
                raise CellError("没有商品编码或条码", "no SKU or barcode")
        except CellError as exc:
            raise Invalid(f"第 {r.number} 行：{exc.message}", f"row {r.number}: {exc.message_en}", code="bad_row",
                          field="file") from None
    skus = sorted({sku for _n, sku, _q in by_sku})
    found: dict[str, int] = {}
    for i in range(0, len(skus), 500):
        found.update(session.execute(
            select(Product.sku, Product.id).where(Product.sku.in_(skus[i:i + 500]))).all())
    for number, sku, qty in by_sku:
        if sku not in found:
            raise Invalid(f"第 {number} 行：没有商品编码 {sku}", f"row {number}: no product with SKU {sku}",
                          code="bad_row", field="file")
        out.append(Entry(qty=qty, product_id=found[sku]))
    return out
