"""`pos-central stored-value …`: top-up bonus rules and members' balances from the command line.

    pos-central stored-value rule-add --name "充500送50" --min 500 --bonus 50 [--store S01] [--from/--to DATE]
    pos-central stored-value rule-add --name "充1000送12%" --min 1000 --bonus-percent 12
    pos-central stored-value rules
    pos-central stored-value show M0001              # a member's balance and last movements (card or phone)
    pos-central stored-value adjust M0001 --amount 50 --note "复核后补赠"   # signed yuan

Money is in yuan; dates are the store's calendar days (Asia/Shanghai), `--to` inclusive.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from central.commands.vouchers import store_ids
from central.db import get_engine, session_scope
from central.errors import DomainError
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.settings import resolve_db_url
from sync.money import format_yuan, parse_yuan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = sub.add_parser("rule-add", help="add a top-up bonus rule (充值赠送)")
    add.add_argument("--name", required=True)
    add.add_argument("--min", required=True, help="yuan: top up at least this much")
    add.add_argument("--bonus", default="0", help="yuan given on top")
    add.add_argument("--bonus-percent", type=float, default=0, help="percent of the top-up given on top")
    add.add_argument("--from", dest="valid_from", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD")
    add.add_argument("--to", dest="valid_to", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD")
    add.add_argument("--store", action="append", default=[], metavar="CODE", help="only at this store (repeat)")
    rules = sub.add_parser("rules", help="list the bonus rules")
    show = sub.add_parser("show", help="a member's balance and last movements")
    show.add_argument("member", metavar="CARD_OR_PHONE")
    show.add_argument("--last", type=int, default=10)
    adj = sub.add_parser("adjust", help="correct a member's balance (audited)")
    adj.add_argument("member", metavar="CARD_OR_PHONE")
    adj.add_argument("--amount", required=True, help="signed yuan, e.g. 50 or -20")
    adj.add_argument("--note", required=True)
    for p in (add, rules, show, adj):
        p.add_argument("--db", default=argparse.SUPPRESS, metavar="URL", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    engine = get_engine(resolve_db_url(args.db))
    try:
        check_up_to_date(engine)
        with session_scope(engine) as session:
            return int(ACTIONS[args.action](session, args))
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"{exc.message} / {exc.message_en}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1


def _member(session: Session, text: str) -> object:
    from central.members.models import Member

    found = session.scalars(select(Member).where(or_(Member.card_no == text, Member.phone == text))).all()
    if len(found) != 1:
        print(f"{'没有' if not found else '多个'}会员：{text} / {'no' if not found else 'several'} members: {text}",
              file=sys.stderr)
        return None
    return found[0]


def _rule_add(session: Session, args: argparse.Namespace) -> int:
    from central.stored_value import service
    from sync.store_time import day_start_utc

    rule = service.create_rule(
        session, actor=None, name=args.name, min_topup_fen=parse_yuan(args.min), bonus_fen=parse_yuan(args.bonus),
        bonus_bp=round(args.bonus_percent * 100),
        valid_from=day_start_utc(args.valid_from) if args.valid_from else None,
        valid_to=day_start_utc(args.valid_to + timedelta(days=1)) if args.valid_to else None,
        store_ids=store_ids(session, args.store))
    print(f"充值赠送规则 {rule.name} 已建立（编号 {rule.id}） / bonus rule created (id {rule.id})")
    return 0


def _rules(session: Session, args: argparse.Namespace) -> int:
    from central.stored_value.models import StoredValueRule

    rows = session.scalars(select(StoredValueRule).order_by(StoredValueRule.min_topup_fen)).all()
    if not rows:
        print("没有充值赠送规则 / no bonus rules")
    for r in rows:
        bonus = " + ".join(x for x in (f"¥{format_yuan(r.bonus_fen)}" if r.bonus_fen else "",
                                       f"{r.bonus_bp / 100:g}%" if r.bonus_bp else "") if x)
        print(f"#{r.id} {r.name}: 充 ¥{format_yuan(r.min_topup_fen)} 送 {bonus}"
              f"{'' if r.active else '  (inactive)'}{'  stores ' + str(r.store_ids) if r.store_ids else ''}")
    return 0


def _show(session: Session, args: argparse.Namespace) -> int:
    from central.members.models import Member
    from central.stored_value import service

    m = _member(session, args.member)
    if not isinstance(m, Member):
        return 1
    print(f"{m.card_no} {m.name or ''}  储值余额 balance ¥{format_yuan(m.stored_value_fen)}")
    for e in service.movements(session, m.id, limit=max(1, args.last)):
        print(f"  {e.occurred_at:%Y-%m-%d %H:%M} UTC  {e.kind:<7} {'+' if e.amount_fen > 0 else '-'}"
              f"¥{format_yuan(abs(e.amount_fen))}  → ¥{format_yuan(e.balance_after)}  {e.receipt_no or e.note or ''}"
              f"{'  OVERDRAWN' if e.overdrawn else ''}")
    return 0


def _adjust(session: Session, args: argparse.Namespace) -> int:
    from central.members.models import Member
    from central.stored_value import service

    m = _member(session, args.member)
    if not isinstance(m, Member):
        return 1
    entry = service.adjust(session, m, amount_fen=parse_yuan(args.amount, allow_negative=True), note=args.note,
                           actor=None)
    print(f"已调整 / adjusted: {m.card_no} 余额 balance ¥{format_yuan(entry.balance_after)}")
    return 0


ACTIONS = {"rule-add": _rule_add, "rules": _rules, "show": _show, "adjust": _adjust}
