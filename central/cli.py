"""`pos-central`: the central server's command line.

Each sub-command lives in its own module under `central.commands` exposing
`add_arguments(parser)` and `run(args) -> int`, imported here and named in COMMANDS; this file only
dispatches. Every command takes `--db URL`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Protocol

from central.commands import (
    check_stock,
    demo,
    enroll_code,
    export_xlsx,
    import_xlsx,
    migrate,
    orders,
    report,
    review,
    revoke_terminal,
    serve,
    stored_value,
    stores,
    vouchers,
)


class CommandModule(Protocol):
    """What a sub-command module offers: its own arguments and what it does with them."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int | None: ...


COMMANDS: dict[str, tuple[CommandModule, str]] = {
    "serve": (serve, "run the HTTP API and console"),
    "migrate": (migrate, "upgrade the database schema to the latest version"),
    "demo": (demo, "seed realistic demo data (idempotent)"),
    "enroll-code": (enroll_code, "make a one-time terminal enrolment code"),
    "revoke-terminal": (revoke_terminal, "revoke a terminal's device credential"),
    "report": (report, "reports (sales ...)"),
    "check-stock": (check_stock, "prove on-hand stock agrees with the ledger"),
    "review": (review, "the review list of claims central did not believe: list, resolve"),
    "export": (export_xlsx, "export a list to Excel (products, customers, members, stock, sales)"),
    "import": (import_xlsx, "import master data from Excel (--dry-run lists every bad row)"),
    "vouchers": (vouchers, "voucher batches and codes (代金券/优惠券/提货券): add, issue, show, void"),
    "stored-value": (stored_value, "stored value (储值): bonus rules, balances, adjustments"),
    "orders": (orders, "sales orders: approval queue, deliveries, leftovers"),
    "stores": (stores, "stores' settings: list; set --chain-returns on|off (audited)"),
}
"""Sub-command name → (its module, its help line)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pos-central", description="POS central server")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", default=None, metavar="URL",
                       help="database URL (default: POS_DATABASE_URL or the embedded SQLite file)")
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module: CommandModule = args._module
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
