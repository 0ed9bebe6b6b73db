"""The stock and margin reports of `pos-central report`:

- `stock-summary --from DATE --to DATE [--warehouse CODE] [--json]` (进销存汇总): opening, in, out,
  closing per warehouse and product, in quantity and at cost;
- `margin --from DATE --to DATE --by product|category|store|customer|rep [--store CODE] [--json]`
  [--wholesale] (毛利): net, cost, margin of till sales (net_fen equal to `report sales`), and with
  --wholesale of delivered sales orders less order returns too;
  `till_net_fen` equals `report sales`'s `net_fen` for the same days, `wholesale_net_fen` beside it;
- `reorder --warehouse CODE [--window-days N] [--all] [--json]` (补货建议): the suggestions with
  their inputs.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from central.db import get_engine, session_scope
from central.errors import DomainError
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.settings import resolve_db_url
from sync.money import format_fen

KINDS = ("stock-summary", "margin", "reorder")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warehouse", default=None, metavar="CODE",
                        help="stock-summary: only this warehouse; reorder: the warehouse (e.g. CW01)")
    parser.add_argument("--by", default="product", choices=["product", "category", "store", "customer", "rep"],
                        help="margin, fulfilment: group by (default product)")
    parser.add_argument("--wholesale", action="store_true",
                        help="margin: count delivered sales orders less order returns too (net_fen then no longer "
                             "equals report sales)")
    parser.add_argument("--window-days", type=int, default=28, metavar="N",
                        help="reorder: average daily sales over the last N days (default 28)")
    parser.add_argument("--all", dest="all_products", action="store_true",
                        help="reorder: also list products that need nothing")


def run(args: argparse.Namespace) -> int:
    from central.purchasing.reorder import reorder
    from central.reporting.margin import margin_report
    from central.reporting.stock_summary import stock_summary

    if args.kind == "reorder":
        if not args.warehouse:
            return _usage("补货建议需要 --warehouse / reorder needs --warehouse")

        def compute(s: Session) -> dict[str, Any]:
            return reorder(s, warehouse_code=args.warehouse, window_days=args.window_days,
                           include_all=args.all_products).to_json()
        return _run(args, compute, _print_reorder)
    if args.date_from is None or args.date_to is None:
        return _usage(f"{args.kind} 需要 --from 和 --to / the {args.kind} report needs --from and --to")
    if args.kind == "stock-summary":
        return _run(args, lambda s: stock_summary(s, date_from=args.date_from, date_to=args.date_to,
                                                  warehouse_code=args.warehouse).to_json(), _print_summary)
    return _run(args, lambda s: margin_report(s, date_from=args.date_from, date_to=args.date_to, by=args.by,
                                              store_code=args.store, wholesale=args.wholesale).to_json(),
                _print_margin)


def _usage(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def _run(args: argparse.Namespace, compute: Callable[[Session], dict[str, Any]],
         show: Callable[[dict[str, Any]], None]) -> int:
    engine = get_engine(resolve_db_url(args.db))
    try:
        check_up_to_date(engine)
        with session_scope(engine, write=False) as session:
            report = compute(session)
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"{exc.message} / {exc.message_en}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        show(report)
    return 0


def _money(fen: int | None) -> str:
    return "成本未知" if fen is None else format_fen(fen)


def _print_summary(r: dict[str, Any]) -> None:
    scope = f"仓库 {r['warehouse']}" if r["warehouse"] else "全部仓库"
    print(f"进销存汇总 {r['from']} ~ {r['to']}（{scope}，按 Asia/Shanghai 营业日，移动加权平均成本）")
    rows = [["仓库", "商品", "名称", "期初", "入库", "出库", "期末", "期初成本", "入库成本", "出库成本", "期末成本"]]
    for p in r["products"][:200]:
        rows.append([p["warehouse"], p["sku"], p["name"][:16], p["opening_qty"], p["in_qty"], p["out_qty"],
                     p["closing_qty"], _money(p["opening_cost_fen"]), _money(p["in_cost_fen"]),
                     _money(p["out_cost_fen"]), _money(p["closing_cost_fen"])])
    rows.append(["合计", "", f"{len(r['products'])} 项", r["opening_qty"], r["in_qty"], r["out_qty"],
                 r["closing_qty"], _money(r["opening_cost_fen"]), _money(r["in_cost_fen"]),
                 _money(r["out_cost_fen"]), _money(r["closing_cost_fen"])])
    _table(rows, right_from=3)
    if len(r["products"]) > 200:
        print(f"（只显示前 200 项；--json 给出全部 {len(r['products'])} 项）")


def _print_margin(r: dict[str, Any]) -> None:
    names = {"product": "商品", "category": "品类", "store": "门店", "customer": "客户", "rep": "业务员"}
    print(f"毛利分析 {r['from']} ~ {r['to']}（按{names[r['by']]}，{('门店 ' + r['store']) if r['store'] else '全部门店'}）")
    rows = [[names[r["by"]], "净销售", "成本", "毛利", "毛利率", "成本未知行"]]
    for row in r["rows"][:200]:
        rows.append([row["name"] or row["key"], format_fen(row["net_fen"]), format_fen(row["cost_fen"]),
                     format_fen(row["margin_fen"]), _rate(row["margin_rate"]), str(row["unknown_cost_lines"])])
    rows.append(["合计", format_fen(r["net_fen"]), format_fen(r["cost_fen"]), format_fen(r["margin_fen"]),
                 _rate(r["margin_rate"]), str(r["unknown_cost_lines"])])
    _table(rows, right_from=1)
    print(f"其中门店销售 {format_fen(r['till_net_fen'])}（等于同期销售报表），批发 {format_fen(r['wholesale_net_fen'])}"
          "（已送达的销售订单减订单退货）")


def _rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def _print_reorder(r: dict[str, Any]) -> None:
    print(f"补货建议 仓库 {r['warehouse']}（近 {r['window_days']} 天日均销量；"
          f"{'含' if r['to_ship_known'] else '未含'}待发货）：{r['suggested']} 项，约 {format_fen(r['amount_fen'])}")
    rows = [["商品", "名称", "库存", "待发", "在途", "预计", "日均", "提前期", "建议", "单位", "供应商"]]
    for s in r["suggestions"][:300]:
        rows.append([s["sku"], s["name"][:16], s["on_hand"], s["to_ship"], s["to_receive"], s["estimated"],
                     s["daily"], str(s["lead_time_days"]), str(s["suggest_units"]), s["unit_code"],
                     (s["supplier_name"] or "无供应商")[:12]])
    _table(rows, right_from=2)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: list[list[str]], *, right_from: int) -> None:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join((" " * (w - _width(c)) + c) if i >= right_from else (c + " " * (w - _width(c)))
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))
