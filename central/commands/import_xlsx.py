"""`pos-central import KIND FILE.xlsx [--dry-run] [--json]`: master data from an Excel file.

Kinds: products, customers, members, stock (opening stock), price-lists (`central/excel/kinds.py`). Every bad row is listed
(sheet row, column, reason in Chinese and English) and the exit status is 1 if there is any; a real
import writes all rows or none and reports created / updated / unchanged. Exit 1 also for a file
that cannot be read as a workbook or has the wrong headers; exit 2: no such file, or the database
is not migrated.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from central.db import get_engine, session_scope
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.settings import resolve_db_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from central.excel.kinds import IMPORTERS

    parser.add_argument("kind", choices=sorted(IMPORTERS), help="what the file holds")
    parser.add_argument("file", type=Path, metavar="FILE.xlsx")
    parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from central.excel.importing import run_import
    from central.excel.kinds import IMPORTERS

    if not args.file.is_file():
        print(f"找不到文件 / no such file: {args.file}", file=sys.stderr)
        return 2
    engine = get_engine(resolve_db_url(args.db))
    try:
        check_up_to_date(engine)
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    with session_scope(engine, write=not args.dry_run) as session:
        result = run_import(session, IMPORTERS[args.kind](), args.file, who=None, dry_run=args.dry_run)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        for problem in result.problems:
            print(problem.line())
        verb = "检查" if args.dry_run else "导入"
        verdict = (f"{result.bad_rows} 行有错，未写入任何数据 / {result.bad_rows} bad row(s), nothing written"
                   if result.problems else
                   ("可以导入 / ready to import" if args.dry_run else "已全部写入 / all rows written"))
        print(f"{verb} {args.file.name}：{result.rows} 行 rows，新建 created {result.created}，"
              f"更新 updated {result.updated}，未变 unchanged {result.unchanged}。{verdict}")
    return 1 if result.problems else 0
