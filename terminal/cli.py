"""`pos-terminal`: the terminal's command line.

Each sub-command lives in its own module under `terminal.commands` exposing
`add_arguments(parser)` and `run(args) -> int`; this file only dispatches, so commands
can be added without touching each other. Every command takes `--data DIR`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from terminal.store.errors import DataFolderError

DATA_FOLDER_EXIT = 4
"""Exit status when the data folder cannot be used (database missing or damaged, disk full)."""

COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("terminal.commands.run", "open the cashier / rep app"),
    "enroll": ("terminal.commands.enroll", "enrol this terminal with central and bootstrap its data"),
    "sync": ("terminal.commands.sync", "one full sync round (push then pull)"),
    "status": ("terminal.commands.status", "show sync status"),
    "simulate": ("terminal.commands.simulate", "ring up realistic sales offline, through the cashier code"),
    "printer-test": ("terminal.commands.printer_test", "print a demo receipt and pulse the drawer"),
    "pay-setup": ("terminal.commands.pay_setup", "set (or show, check) this till's 付款码 payment provider"),
    "recover": ("terminal.commands.recover",
                "restore a missing or damaged database from its newest good backup, and say what will be pushed again"),
    "receipts": ("terminal.commands.receipts", "show the receipts a file printer (data/receipts.bin) captured, as text"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pos-terminal", description="POS terminal (cashier POS and rep tablet)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--data", default=None, metavar="DIR",
                       help="terminal data directory (default: POS_TERMINAL_DATA or ./data/terminal)")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            p.set_defaults(_module=None)
            continue
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module = args._module
    if module is None:
        print(f"pos-terminal {args.command}: not available in this build", file=sys.stderr)
        return 2
    previous_umask = os.umask(0o077)  # what the till writes (database, backups, receipts, logs): owner only
    try:
        return int(module.run(args) or 0)
    except DataFolderError as exc:
        print(f"pos-terminal {args.command}: {exc.message}\n{exc.message_en}", file=sys.stderr)
        return DATA_FOLDER_EXIT
    finally:
        os.umask(previous_umask)  # (tests call main() in their own process)


if __name__ == "__main__":
    sys.exit(main())
