"""`pos-central export KIND --out FILE.xlsx [--from DATE --to DATE]`: a list as an Excel file.

Kinds: products, customers, members, stock, price-lists, sales (sales need --from/--to, the
store's business days). The file is written row by row (bounded memory); importing it back
changes nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from central.db import get_engine, session_scope
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.settings import resolve_db_url


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD: {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from central.excel.kinds import EXPORTS

    parser.add_argument("kind", choices=sorted(EXPORTS), help="what to export")
    parser.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx", help="the file to write")
    parser.add_argument("--from", dest="date_from", type=_date, default=None, metavar="DATE",
                        help="sales: first business day (store local date), YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", type=_date, default=None, metavar="DATE",
                        help="sales: last business day, inclusive, YYYY-MM-DD")


def run(args: argparse.Namespace) -> int:
    from central.excel.kinds import EXPORTS
    from central.excel.writer import write_xlsx

    export = EXPORTS[args.kind]
    if export.dated and (args.date_from is None or args.date_to is None):
        print(f"导出{export.title}需要 --from 和 --to / exporting {args.kind} needs --from and --to", file=sys.stderr)
        return 2
    if args.date_from and args.date_to and args.date_to < args.date_from:
        print("--to 不能早于 --from / --to is before --from", file=sys.stderr)
        return 2
    engine = get_engine(resolve_db_url(args.db))
    try:
        check_up_to_date(engine)
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    started = time.perf_counter()
    out: Path = args.out
    partial = out.with_name(out.name + ".part")
    with session_scope(engine, write=False) as session:
        rows = write_xlsx(partial, export.sheets(session, args.date_from, args.date_to, None))
    partial.replace(out)
    print(f"已导出{export.title} {rows} 行到 {out}（{time.perf_counter() - started:.1f} 秒）/ "
          f"exported {rows} {args.kind} rows to {out}")
    return 0
