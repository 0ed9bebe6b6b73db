"""`pos-terminal run`: open the cashier app (window or full screen; touch and keyboard)."""

from __future__ import annotations

import argparse
import sys

from terminal.ui.fonts import FontMissingError
from terminal.ui.i18n import LANGUAGES
from terminal.ui.launch import LaunchOptions, build_app, default_data_dir, parse_size


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fullscreen", action="store_true", help="fill the whole screen (the till's normal mode)")
    parser.add_argument("--size", default="1024x768", metavar="WxH",
                        help="window size when not full screen (default 1024x768)")
    parser.add_argument("--lang", default="zh_CN", choices=LANGUAGES,
                        help="interface language (default zh_CN; switchable in the app)")
    parser.add_argument("--display", metavar="URL", default=None,
                        help="customer pole display: /dev/ttyUSB0 or serial:///dev/ttyUSB0?baud=9600&charset=ascii "
                             "(default: $POS_DISPLAY_URL, else the terminal setting display_url)")


def run(args: argparse.Namespace) -> int:
    try:
        size = parse_size(args.size)
    except ValueError as exc:
        print(f"pos-terminal run: {exc}", file=sys.stderr)
        return 2
    if args.display:
        from terminal.customer_display import BadDisplayUrl, parse_display_url

        try:
            parse_display_url(args.display)
        except BadDisplayUrl as exc:
            print(f"pos-terminal run: --display: {exc}", file=sys.stderr)
            return 2
    options = LaunchOptions(data_dir=default_data_dir(args.data), size=size, fullscreen=args.fullscreen,
                            lang=args.lang, display_url=args.display)
    try:
        app = build_app(options)
    except FontMissingError as exc:
        print(f"pos-terminal run: {exc}", file=sys.stderr)
        return 3
    app.run()  # type: ignore[attr-defined]
    return int(getattr(app, "exit_code", 0))  # the start-up refusal window says 4
