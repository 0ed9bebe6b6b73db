"""`pos-central stores`: list the stores and their till settings; turn chain-wide returns on or off.

    pos-central stores list
    pos-central stores set S02 --chain-returns on|off

`--chain-returns on` lets the store's tills take back other stores' receipts (跨店退货); its tills
follow at their next pull, and central stops flagging such returns. Every change is audited
(`store.update`, actor `system`), like the same change over the API or the console's store page.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from central.audit import service as audit
from central.db import get_engine, session_scope
from central.errors import DomainError
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.org import service
from central.org.models import Store
from central.settings import resolve_db_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="stores with their settings")
    set_ = sub.add_parser("set", help="change a store's setting (audited)")
    set_.add_argument("store", help="store code (e.g. S02)")
    set_.add_argument("--chain-returns", choices=("on", "off"), required=True,
                      help="跨店退货: the store's tills take back other stores' receipts")


def run(args: argparse.Namespace) -> int:
    engine = get_engine(resolve_db_url(args.db))
    try:
        check_up_to_date(engine)
        with session_scope(engine, write=args.action == "set") as session:
            if args.action == "list":
                print("门店 / store  名称 / name  跨店退货 / chain-wide returns  启用 / active")
                for st in session.scalars(select(Store).order_by(Store.code)):
                    print(f"{st.code}\t{st.name}\t{'on' if st.chain_returns else 'off'}\t{'yes' if st.active else 'no'}")
                return 0
            store = service.store_by_code(session, args.store)
            before = service.store_settings_image(store)
            service.update_store(session, store, chain_returns=args.chain_returns == "on")
            old, new = audit.changed_fields(before, service.store_settings_image(store))
            if new:
                audit.record(session, actor=None, action="store.update", entity_type="store", entity_id=store.id,
                             before=old, after=new)
            print(f"{store.code} 跨店退货 / chain-wide returns: {'on' if store.chain_returns else 'off'}"
                  + ("" if new else "（未变 / unchanged）"))
        return 0
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"{exc.message} / {exc.message_en}", file=sys.stderr)
        return 1
