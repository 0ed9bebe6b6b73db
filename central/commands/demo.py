"""`pos-central demo`: seed a realistic Chinese convenience/wholesale business (idempotent)."""

from __future__ import annotations

import argparse
import sys
import time

from central.db import get_engine, session_scope
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.settings import redact_url, resolve_db_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--migrate", action="store_true",
                        help="upgrade the database schema first (same as `pos-central migrate`)")
    parser.add_argument("--history-days", type=int, default=0, metavar="N",
                        help="also trade for the last N days: two tills per store sell, take returns and close "
                             "shifts, pushed through the real sync ingest (for the console's dashboard and reports)")


def run(args: argparse.Namespace) -> int:
    from central.demo.seed import seed_demo

    url = resolve_db_url(args.db)
    if args.migrate:
        from central.migrations import upgrade

        upgrade(url)
    engine = get_engine(url)
    try:
        check_up_to_date(engine)
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    started = time.perf_counter()
    with session_scope(engine) as session:
        summary = seed_demo(session)
        if summary.created:
            # The seed bulk-inserts, bypassing the change-feed session hooks: publish every
            # master-data row to the feed so terminals bootstrap the demo catalog.
            from central.syncing.entities import install, rebuild_all

            install()
            rebuild_all(session)
    if args.history_days > 0:
        from central.demo.history import seed_history

        history = seed_history(engine, days=args.history_days)
        if history.created:
            print(f"演示营业记录 / demo trading: {history.sales} sales, {history.returns} returns, "
                  f"{history.shifts} shifts on {history.terminals} tills over {args.history_days} days "
                  f"(push results: {history.results})")
    took = time.perf_counter() - started
    if summary.created:
        print(f"演示数据已写入 / demo data seeded into {redact_url(url)} in {took:.1f} s")
    else:
        print(f"演示数据已存在，未做改动 / demo data already present in {redact_url(url)}; nothing changed")
    print("  " + ", ".join(f"{k} {v}" for k, v in summary.counts.items()))
    print()
    print("演示账号 / demo sign-ins (console: username + password; till: staff code + PIN):")
    print(f"  {'username':<12} {'password':<10} {'role':<14} {'store':<6} {'staff code':<11} {'PIN':<5} name")
    for lg in summary.logins:
        print(f"  {lg.username:<12} {lg.password:<10} {lg.role:<14} {lg.store or '-':<6} "
              f"{lg.staff_code or '-':<11} {lg.pin or '-':<7} {lg.name}")
    m = summary.member
    if m is not None:
        print()
        print("试用会员 / a member to try at the till (card number, phone, or its last four digits):")
        print(f"  card {m.card_no}  phone {m.phone}  {m.name}  level {m.level}  points {m.points}  "
              f"储值 stored value ¥{m.stored_value_fen / 100:.2f}")
    if summary.vouchers:
        print("试用券 / vouchers to scan or type at the till (top up ¥500 get ¥50, ¥1,000 get ¥120):")
        for code, name in summary.vouchers:
            print(f"  {code}  {name}")
    return 0
