"""`pos-central check-stock`: prove on-hand stock equals the sum of the stock ledger (and that the
ledger's and sales' unchecked references all point at existing rows)."""

from __future__ import annotations

import argparse
import json
import sys

from central.db import get_engine, session_scope
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.settings import resolve_db_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every warehouse/product on-hand equals its ledger sum and no reference dangles, else 1."""
    from central.inventory.check import check_stock

    engine = get_engine(resolve_db_url(args.db))
    try:
        check_up_to_date(engine)
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    with session_scope(engine, write=False) as session:
        result = check_stock(session)
    if args.json:
        print(json.dumps({
            "ok": result.ok, "pairs": result.pairs, "movements": result.movements,
            "negative": result.negative,
            "mismatches": [m.__dict__ for m in result.mismatches], "dangling": result.dangling}, ensure_ascii=False))
    else:
        for m in result.mismatches:
            where = f"仓库 warehouse {m.warehouse_id} 商品 product {m.product_id}" + (
                f" 批次 batch {m.batch_no}" if m.batch_no else "")
            print(f"不一致 / mismatch: {where}: 库存 on-hand {m.on_hand_m / 1000:g} / ¥{m.on_hand_value_fen / 100:.2f} "
                  f"≠ 流水 ledger {m.ledger_m / 1000:g} / ¥{m.ledger_value_fen / 100:.2f}")
        for where, n in result.dangling.items():
            print(f"无效引用 / dangling reference: {where}: {n} 行 rows")
        verdict = "一致 / OK" if result.ok else (f"{len(result.mismatches)} 处不一致 / mismatches, "
                                               f"{sum(result.dangling.values())} 条无效引用 / dangling")
        print(f"库存核对 stock check: {result.pairs} 个仓库×商品 pairs, {result.movements} 条流水 movements, "
              f"{result.negative} 个负库存 negative (warnings): {verdict}")
    return 0 if result.ok else 1
