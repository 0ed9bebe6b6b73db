"""`pos-terminal receipts show [--last N] [--file PATH]`: read the receipts a file printer captured.

Without a printer the demo till prints to a file (`POS_PRINTER_URL=file://…/data/receipts.bin`):
real ESC/POS bytes, every job appended. This shows the last N jobs (sale receipts, return slips,
shift reports) as the text they print, oldest first. The file is `--file`, else the file of a
`file://` `POS_PRINTER_URL`, else `data/receipts.bin`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from drivers.errors import DeviceConfigError
from drivers.printer_url import parse_printer_url
from drivers.tape import job_text, split_jobs

DEFAULT_FILE = Path("data/receipts.bin")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = sub.add_parser("show", help="print the last receipts as text")
    show.add_argument("--last", type=int, default=1, metavar="N", help="how many (default 1; 0 = all)")
    show.add_argument("--file", type=Path, default=None, help="the captured ESC/POS file")
    show.add_argument("--data", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def receipts_file(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    url = os.environ.get("POS_PRINTER_URL", "")
    if url.startswith("file://"):
        try:
            return Path(parse_printer_url(url).target)
        except DeviceConfigError:
            pass
    return DEFAULT_FILE


def run(args: argparse.Namespace) -> int:
    path = receipts_file(args.file)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        print(f"没有找到小票文件 / no receipts file: {path} (set POS_PRINTER_URL=file://… or pass --file)",
              file=sys.stderr)
        return 1
    jobs = split_jobs(data)
    if not jobs:
        print(f"小票文件是空的 / the receipts file is empty: {path}")
        return 0
    if args.last < 0:
        print("--last 不能为负 / must not be negative", file=sys.stderr)
        return 2
    chosen = jobs if args.last == 0 else jobs[-args.last:]
    first = len(jobs) - len(chosen) + 1
    for n, job in enumerate(chosen, start=first):
        print(f"──── {n} / {len(jobs)} ────")
        print(job_text(job).rstrip("\n"))
    return 0
