"""`pos-central review list [--status open|resolved|all] [--store S01] [--kind K] [--json]` and
`pos-central review resolve ID --note TEXT [--by USERNAME]`: the review list of claims central did
not believe (points, prices, people, returns ...), for head office on the server's command line."""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy import select

from central.db import get_engine, session_scope
from central.errors import DomainError
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.settings import resolve_db_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    ls = sub.add_parser("list", help="list flags (open ones by default), newest first")
    ls.add_argument("--status", choices=["open", "resolved", "all"], default="open")
    ls.add_argument("--store", default=None, metavar="CODE", help="only this store (e.g. S01)")
    ls.add_argument("--kind", default=None, help="only this kind, e.g. points_mismatch")
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true", help="print JSON, one object per flag")
    rs = sub.add_parser("resolve", help="close a flag with a note saying what was found or done")
    rs.add_argument("flag_id", type=int, metavar="ID")
    rs.add_argument("--note", required=True, help="what was found or done (kept with the flag)")
    rs.add_argument("--by", default=None, metavar="USERNAME", help="the head-office user resolving it")
    for p in (ls, rs):
        p.add_argument("--db", default=argparse.SUPPRESS, metavar="URL", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    engine = get_engine(resolve_db_url(args.db))
    try:
        check_up_to_date(engine)
        if args.action == "list":
            return _list(engine, args)
        return _resolve(engine, args)
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"{exc.message} / {exc.message_en}", file=sys.stderr)
        return 1


def _list(engine: object, args: argparse.Namespace) -> int:
    from central.org.models import Store
    from central.review import service
    from central.review.api import flag_out

    with session_scope(engine, write=False) as session:  # type: ignore[arg-type]
        store_id = None
        if args.store:
            store_id = session.scalar(select(Store.id).where(Store.code == args.store))
            if store_id is None:
                print(f"门店不存在 / no such store: {args.store}", file=sys.stderr)
                return 1
        rows = [flag_out(r) for r in service.list_flags(
            session, status=None if args.status == "all" else args.status, kind=args.kind, store_id=store_id,
            limit=max(1, args.limit))]
    if args.json:
        for r in rows:
            print(json.dumps(r.model_dump(mode="json"), ensure_ascii=False))
        return 0
    if not rows:
        print("没有需要复核的事项 / nothing to review")
        return 0
    for r in rows:
        where = f"门店 {r.store_id} 终端 {r.terminal_id}" if r.store_id is not None else "总部 / head office"
        print(f"#{r.id} [{r.status}] {r.created_at:%Y-%m-%d %H:%M} UTC  {r.kind_name} / {r.kind_name_en}  "
              f"{r.subject or ''}  ({where})")
        print(f"    {r.message_zh}")
        print(f"    {r.message_en}")
        print(f"    声称 claimed: {json.dumps(r.claimed, ensure_ascii=False)}")
        print(f"    核算 computed: {json.dumps(r.computed, ensure_ascii=False)}")
        if r.status == "resolved":
            print(f"    已处理 resolved {r.resolved_at:%Y-%m-%d %H:%M} by {r.resolved_by}: {r.resolution_note}")
    return 0


def _resolve(engine: object, args: argparse.Namespace) -> int:
    from central.review import service
    from central.users.models import User

    with session_scope(engine) as session:  # type: ignore[arg-type]
        user_id = None
        if args.by:
            user_id = session.scalar(select(User.id).where(User.username == args.by))
            if user_id is None:
                print(f"用户不存在 / no such user: {args.by}", file=sys.stderr)
                return 1
        row = service.get_flag(session, args.flag_id, for_update=True)
        service.resolve(session, row, note=args.note, user_id=user_id)
        print(f"已处理 / resolved: #{row.id} {row.kind} {row.subject or ''}")
    return 0
