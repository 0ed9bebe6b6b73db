"""`pos-central enroll-code --store S01 [--kind pos|rep] [--rep USERNAME]`: a one-time code.

The code is printed alone on the last line (scripts take `tail -n 1`); it expires (default 24 h)
and works once: the terminal exchanges it at `POST /api/v1/enroll` for its credential.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from sqlalchemy import select

from central.auth.roles import DeviceKind
from central.db import get_engine, session_scope
from central.errors import DomainError
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.org import service
from central.settings import resolve_db_url
from central.users.models import User


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, metavar="STORE_CODE", help="store code, e.g. S01")
    parser.add_argument("--kind", choices=[k.value for k in DeviceKind], default="pos",
                        help="pos = cashier terminal (default), rep = sales rep tablet")
    parser.add_argument("--rep", metavar="USERNAME", help="the sales rep a rep tablet belongs to")
    parser.add_argument("--ttl-hours", type=float, default=24.0, help="hours until the code expires (default 24)")


def run(args: argparse.Namespace) -> int:
    engine = get_engine(resolve_db_url(args.db))
    try:
        check_up_to_date(engine)
        with session_scope(engine) as session:
            store = service.store_by_code(session, args.store)
            rep_id = None
            if args.rep:
                rep_id = session.scalar(select(User.id).where(User.username == args.rep))
                if rep_id is None:
                    print(f"用户不存在 / no user {args.rep}", file=sys.stderr)
                    return 1
            code, row = service.make_enrolment_code(session, store_id=store.id, kind=DeviceKind(args.kind),
                                                    rep_user_id=rep_id, ttl=timedelta(hours=args.ttl_hours))
            print(f"门店 / store: {store.code} {store.name}; 类型 / kind: {args.kind}"
                  + (f"; 业务员 / rep: {args.rep}" if args.rep else ""))
            print(f"有效期至 / expires at: {row.expires_at.isoformat()} (UTC)，仅可使用一次 / single use")
            print(code)
        return 0
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"{exc.message} / {exc.message_en}", file=sys.stderr)
        return 1
