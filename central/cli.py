"""`pos-central`: the central server's command line.

Each sub-command lives in its own module under `central.commands` exposing
`add_arguments(parser)` and `run(args) -> int`; this file only dispatches, so commands
can be added without touching each other. Every command takes `--db URL`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("central.commands.serve", "run the HTTP API and console"),
    "migrate": ("central.commands.migrate", "upgrade the database schema to the latest version"),
    "demo": ("central.commands.demo", "seed realistic demo data (idempotent)"),
    "enroll-code": ("central.commands.enroll_code", "make a one-time terminal enrolment code"),
    "revoke-terminal": ("central.commands.revoke_terminal", "revoke a terminal's device credential"),
    "report": ("central.commands.report", "reports (sales ...)"),
    "check-stock": ("central.commands.check_stock", "prove on-hand stock agrees with the ledger"),
    "review": ("central.commands.review", "the review list of claims central did not believe: list, resolve"),
    "export": ("central.commands.export_xlsx", "export a list to Excel (products, customers, members, stock, sales)"),
    "import": ("central.commands.import_xlsx", "import master data from Excel (--dry-run lists every bad row)"),
    "vouchers": ("central.commands.vouchers", "voucher batches and codes (代金券/优惠券/提货券): add, issue, show, void"),
    "stored-value": ("central.commands.stored_value", "stored value (储值): bonus rules, balances, adjustments"),
    "orders": ("central.commands.orders", "sales orders: approval queue, deliveries, leftovers"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pos-central", description="POS central server")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", default=None, metavar="URL",
                       help="database URL (default: POS_DATABASE_URL or the embedded SQLite file)")
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
        print(f"pos-central {args.command}: not available in this build", file=sys.stderr)
        return 2
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
