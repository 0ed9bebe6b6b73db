"""`pos-central revoke-terminal TERMINAL [--reason TEXT]`: revoke a device credential.

TERMINAL is the terminal code (S01-POS01) or its numeric id. The terminal's next request gets
401 `device_revoked`; it must be enrolled again with a new code.
"""

from __future__ import annotations

import argparse
import sys

from central.db import get_engine, session_scope
from central.errors import DomainError
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.org import service
from central.settings import resolve_db_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("terminal", help="terminal code (e.g. S01-POS01) or id")
    parser.add_argument("--reason", default=None, help="why (kept with the terminal)")


def run(args: argparse.Namespace) -> int:
    engine = get_engine(resolve_db_url(args.db))
    try:
        check_up_to_date(engine)
        with session_scope(engine) as session:
            ref: str = args.terminal
            terminal = (service.get_terminal(session, int(ref)) if ref.isdigit()
                        else service.terminal_by_code(session, ref))
            service.revoke_terminal(session, terminal, reason=args.reason)
            print(f"已吊销 / revoked: {terminal.code} (id {terminal.id}) at {terminal.revoked_at}")
        return 0
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"{exc.message} / {exc.message_en}", file=sys.stderr)
        return 1
