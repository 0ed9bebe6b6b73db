"""`pos-central report sales --from DATE --to DATE [--store CODE] [--json]`,
`pos-central report ageing [--as-of DATE] [--json]` (receivables 0-30/31-60/61-90/90+),
`pos-central report field --from DATE --to DATE [--rep USERNAME] [--json]` (what central received
from the reps' tablets), `pos-central report fulfilment --from DATE --to DATE [--by customer|rep|product]
[--json]` (ordered vs delivered vs returned), and the stock and margin reports of
central/commands/report_stock.py: `report stock-summary`, `report margin`, `report reorder`."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from datetime import date

from central.commands import report_stock
from central.db import get_engine, session_scope
from central.errors import DomainError
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.settings import resolve_db_url
from sync.money import format_fen


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD: {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=["sales", "ageing", "field", "fulfilment", *report_stock.KINDS],
                        help="sales (by store and day), ageing (receivables by age), field (the reps' orders, "
                             "visits, collections), fulfilment (ordered vs delivered vs returned), "
                             "stock-summary (进销存汇总), margin (毛利) or reorder (补货建议)")
    parser.add_argument("--from", dest="date_from", type=_date, default=None, metavar="DATE",
                        help="sales: first business day (store local date, Asia/Shanghai), YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", type=_date, default=None, metavar="DATE",
                        help="sales: last business day, inclusive, YYYY-MM-DD")
    parser.add_argument("--as-of", dest="as_of", type=_date, default=None, metavar="DATE",
                        help="ageing: the day to age to (default: today in Asia/Shanghai)")
    parser.add_argument("--store", default=None, metavar="CODE", help="only this store (e.g. S01)")
    parser.add_argument("--rep", default=None, metavar="USERNAME", help="field: only this sales rep (e.g. rep01)")
    parser.add_argument("--json", action="store_true", help="print JSON (totals at the top level)")
    report_stock.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from central.reporting.sales import sales_report

    if args.kind == "ageing":
        return _ageing(args)
    if args.kind in report_stock.KINDS:
        return report_stock.run(args)
    if args.kind in ("field", "fulfilment"):
        return _field(args)
    if args.date_from is None or args.date_to is None:
        print("销售报表需要 --from 和 --to / the sales report needs --from and --to", file=sys.stderr)
        return 2
    url = resolve_db_url(args.db)
    engine = get_engine(url)
    try:
        check_up_to_date(engine)
        with session_scope(engine, write=False) as session:
            report = sales_report(session, date_from=args.date_from, date_to=args.date_to,
                                  store_code=args.store)
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"{exc.message} / {exc.message_en}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
        return 0
    t = report.totals
    scope = f"门店 {report.store}" if report.store else "全部门店"
    print(f"销售报表 {report.date_from} ~ {report.date_to}（{scope}，按 Asia/Shanghai 营业日）")
    rows = [["门店", "日期", "销售笔数", "退货笔数", "原价", "折扣", "退货", "净额", "税额"]]
    for code, day, f in report.rows:
        rows.append([code, day.isoformat(), str(f.sales), str(f.returns), format_fen(f.gross_fen),
                     format_fen(f.discount_fen), format_fen(f.returns_fen), format_fen(f.net_fen),
                     format_fen(f.tax_fen)])
    rows.append(["合计", "", str(t.sales), str(t.returns), format_fen(t.gross_fen), format_fen(t.discount_fen),
                 format_fen(t.returns_fen), format_fen(t.net_fen), format_fen(t.tax_fen)])
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(_pad(cell, w, right=i >= 2) for i, (cell, w) in enumerate(zip(r, widths, strict=True))))
    return 0


def _ageing(args: argparse.Namespace) -> int:
    from central.db import utcnow
    from central.finance.ageing import BUCKETS
    from central.finance.receivables import ageing_report
    from sync.store_time import business_date

    engine = get_engine(resolve_db_url(args.db))
    try:
        check_up_to_date(engine)
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    as_of = args.as_of or business_date(utcnow())
    with session_scope(engine, write=False) as session:
        rows = ageing_report(session, as_of=as_of)
    totals = dict.fromkeys(BUCKETS, 0)
    for r in rows:
        for bucket, fen in r.ageing.buckets.items():
            totals[bucket] += fen
    if args.json:
        print(json.dumps({
            "as_of": as_of.isoformat(), "totals": totals,
            "balance_fen": sum(r.ageing.balance_fen for r in rows),
            "overdue_fen": sum(r.ageing.overdue_fen for r in rows),
            "customers": [{"code": r.code, "name": r.name, "balance_fen": r.ageing.balance_fen,
                           "overdue_fen": r.ageing.overdue_fen, "buckets": r.ageing.buckets} for r in rows
                          if r.ageing.balance_fen]}, ensure_ascii=False))
        return 0
    print(f"应收账龄 截至 {as_of}（按单据日期，付款先冲最早的欠款）")
    table = [["客户", "名称", "余额", "逾期", *BUCKETS]]
    for r in rows:
        if r.ageing.balance_fen:
            table.append([r.code, r.name, format_fen(r.ageing.balance_fen), format_fen(r.ageing.overdue_fen),
                          *(format_fen(r.ageing.buckets[b]) for b in BUCKETS)])
    table.append(["合计", "", format_fen(sum(r.ageing.balance_fen for r in rows)),
                  format_fen(sum(r.ageing.overdue_fen for r in rows)), *(format_fen(totals[b]) for b in BUCKETS)])
    widths = [max(_width(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(_pad(cell, w, right=i >= 2) for i, (cell, w) in enumerate(zip(row, widths, strict=True))))
    return 0


def _field(args: argparse.Namespace) -> int:
    from central.reporting.field import FIELD_KEYS, field_report, fulfilment_report

    if args.date_from is None or args.date_to is None:
        print("需要 --from 和 --to / --from and --to are needed", file=sys.stderr)
        return 2
    engine = get_engine(resolve_db_url(args.db))
    try:
        check_up_to_date(engine)
        with session_scope(engine, write=False) as session:
            if args.kind == "field":
                report = field_report(session, date_from=args.date_from, date_to=args.date_to, rep=args.rep)
            else:
                report = fulfilment_report(session, date_from=args.date_from, date_to=args.date_to, by=args.by)
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"{exc.message} / {exc.message_en}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    if args.kind == "field":
        print(f"外勤报表 {args.date_from} ~ {args.date_to}（总部收到的业务员数据，按平板的营业日）")
        table = [["业务员", "订单", "订单金额", "待审批", "拜访", "收款"]]
        for row in [*report["by_rep"], {"rep": "合计", **{k: report[k] for k in FIELD_KEYS}}]:
            table.append([row["rep"] or "—", str(row["orders"]), format_fen(row["order_total_fen"]),
                          str(row["held_for_approval"]), str(row["visits"]), format_fen(row["collections_fen"])])
    else:
        group = {"customer": "客户", "rep": "业务员", "product": "商品"}[args.by]
        print(f"订单履约 {args.date_from} ~ {args.date_to}（按{group}，未售出最多的在前）")
        table = [["", "订货", "已送", "退回", "取消", "未送", "未售出", "履约率"]]
        for row in [*report["rows"], {"label": "合计", **report}]:
            table.append([row["label"], format_fen(row["ordered_fen"]), format_fen(row["delivered_fen"]),
                          format_fen(row["returned_fen"]), format_fen(row["cancelled_fen"]), format_fen(row["open_fen"]),
                          format_fen(row["not_sold_fen"]), f"{row['fulfilled_bp'] / 100:.1f}%"])
    widths = [max(_width(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        print("  ".join(_pad(cell, w, right=i >= 1) for i, (cell, w) in enumerate(zip(r, widths, strict=True))))
    return 0


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill
