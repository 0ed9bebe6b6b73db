"""`pos-terminal printer-test`: print a demo receipt and pulse the drawer, to check a new till in one step."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from drivers import layout
from drivers.demo import demo_receipt
from drivers.errors import DeviceConfigError, DeviceError
from drivers.preview import render_text
from drivers.printer import EscposPrinter
from drivers.printer_url import parse_printer_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--printer", required=True, metavar="URL",
                        help="usb://0x0416:0x5011, tcp://192.168.1.50:9100, serial:///dev/ttyUSB0?baud=19200, "
                             "file:///dev/usb/lp0 (options: ?width=58&chinese=0&drawer_pin=5 ...)")
    parser.add_argument("--width", type=int, choices=(58, 80), default=None,
                        help="paper width in mm (overrides the URL's width; default 80)")
    parser.add_argument("--no-drawer", action="store_true", help="do not pulse the cash drawer")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="receipt labels (default zh)")
    parser.add_argument("--preview", action="store_true", help="also show the receipt as text on screen")


def run(args: argparse.Namespace) -> int:
    try:
        settings = parse_printer_url(args.printer)
    except DeviceConfigError as exc:
        print(f"{exc.message}\n{exc.message_en}: {exc.detail}", file=sys.stderr)
        return 2
    if args.width is not None:
        settings = dataclasses.replace(settings, profile=dataclasses.replace(settings.profile, width_mm=args.width))
    document = layout.sale_receipt(demo_receipt(), lang=args.lang)
    if args.preview:
        print(render_text(document, settings.profile.columns))
    printer = EscposPrinter(settings)
    try:
        printer.print_document(document, open_drawer=not args.no_drawer)
    except DeviceError as exc:
        print(f"打印失败：{exc.message}\nPrint failed: {exc.message_en}"
              + (f" ({exc.detail})" if exc.detail else ""), file=sys.stderr)
        return 1
    width = settings.profile.width_mm
    if args.no_drawer:
        print(f"已打印测试小票（{width} mm）\nTest receipt printed ({width} mm)")
    else:
        print(f"已打印测试小票（{width} mm），已弹钱箱\nTest receipt printed ({width} mm), drawer pulsed")
    return 0
