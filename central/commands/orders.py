"""`pos-central orders ACTION [KEY] …`: the approval queue and deliveries from the command line.

    pos-central orders list [--status held] [--json]       the queue (or any status)
    pos-central orders show SO2026…|FO-… [--json]          an order with its deliveries and history
    pos-central orders approve ORDER [--note TEXT]
    pos-central orders reject ORDER --reason TEXT
    pos-central orders edit ORDER --line 1=4 [--line 2=0] [--note TEXT]
    pos-central orders cancel ORDER --reason TEXT           what is not delivered yet
    pos-central orders deliver DELIVERY [--line 1=4] [--driver NAME]   all, or part (the rest stays open)
    pos-central orders cancel-delivery DELIVERY --reason TEXT
    pos-central orders leftovers DELIVERY --line 1=1 [--reason TEXT]   the driver brought goods back

The same services as the API (`central.orders`); the actor is recorded as no user ("CLI").
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from central.db import get_engine, session_scope
from central.errors import DomainError
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.settings import resolve_db_url
from sync.money import format_fen

ACTIONS = ("list", "show", "approve", "reject", "edit", "cancel", "deliver", "cancel-delivery", "leftovers")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("key", nargs="?", help="order or delivery id / number")
    parser.add_argument("--status", default="held", help="list: orders in this status (default held)")
    parser.add_argument("--line", action="append", default=[], metavar="N=QTY",
                        help="edit / deliver / leftovers: a line and its quantity (repeat)")
    parser.add_argument("--reason", default=None)
    parser.add_argument("--note", default=None)
    parser.add_argument("--driver", default=None)
    parser.add_argument("--json", action="store_true")


def _lines(specs: list[str]) -> dict[int, Decimal]:
    out = {}
    for spec in specs:
        no, _, qty = spec.partition("=")
        try:
            out[int(no)] = Decimal(qty)
        except (ValueError, InvalidOperation):
            raise DomainError(f"行格式应为 行号=数量：{spec}", f"a line is N=QTY: {spec}", code="line") from None
    return out


def run(args: argparse.Namespace) -> int:
    engine = get_engine(resolve_db_url(args.db))
    try:
        check_up_to_date(engine)
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.action != "list" and not args.key:
        print("需要订单或发货单号 / an order or delivery number is needed", file=sys.stderr)
        return 2
    try:
        with session_scope(engine, write=args.action not in ("list", "show")) as session:
            out = _act(session, args)
    except DomainError as exc:
        print(f"{exc.message} / {exc.message_en}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        _print(out)
    return 0


def _act(session: Any, args: argparse.Namespace) -> Any:
    from central.orders import delivery, returns, service
    from central.orders.api import order_detail as detail
    from central.orders.models import SalesOrder
    from central.orders.schemas import OrderDetail
    from sync.quantity import to_milli

    def order_detail(session: Any, order: Any) -> dict[str, Any]:
        return OrderDetail.model_validate(detail(session, order)).model_dump(mode="json")
    from sync.events import uuid7
    from sync.field import ReturnKind

    if args.action == "list":
        orders = session.scalars(select(SalesOrder).where(SalesOrder.status == args.status)
                                 .order_by(SalesOrder.received_at).limit(500))
        return [{"order_no": o.order_no, "customer_id": o.customer_id, "total_fen": o.total_fen,
                 "status": o.status, "hold_reasons": o.hold_reasons, "ordered_at": o.ordered_at.isoformat()}
                for o in orders]
    if args.action in ("deliver", "cancel-delivery", "leftovers"):
        note = delivery.get_note(session, args.key, lock=True)
        if args.action == "deliver":
            qty = {no: to_milli(q) for no, q in _lines(args.line).items()} or None
            delivery.deliver(session, note, quantities=qty, driver=args.driver)
        elif args.action == "cancel-delivery":
            delivery.cancel_note(session, note, reason=args.reason or "")
        else:
            lines = delivery.note_lines(session, note.id)
            by_no = {ln.line_no: ln for ln in lines}
            picks = _lines(args.line)
            unknown = sorted(set(picks) - set(by_no))
            if unknown or not picks:
                raise DomainError("请用 --line 行号=数量 指明退回的行", "name the lines with --line N=QTY",
                                  code="line")
            order = service.get_order(session, note.order_id, lock=True)
            returns.record_return(session, order, return_id=uuid7(), return_no=f"{note.delivery_no}-L{uuid7()[-4:]}",
                                  kind=ReturnKind.LEFTOVER, lines=[returns.ReturnLineIn(
                                      by_no[no].order_line_no, to_milli(q)) for no, q in picks.items()],
                                  returned_at=_now(), delivery=note, reason=args.reason)
        return order_detail(session, service.get_order(session, note.order_id))
    order = service.get_order(session, args.key, lock=args.action != "show")
    if args.action == "approve":
        service.approve(session, order, user_id=None, note=args.note or "CLI")
    elif args.action == "reject":
        service.reject(session, order, user_id=None, reason=args.reason or "")
    elif args.action == "edit":
        service.edit_quantities(session, order, _lines(args.line), user_id=None, note=args.note)
    elif args.action == "cancel":
        delivery.cancel_order(session, order, reason=args.reason or "", user_id=None)
    return order_detail(session, order)


def _now() -> Any:
    from central.db import utcnow

    return utcnow()


def _print(out: Any) -> None:
    if isinstance(out, list):
        print(f"{'订单号':<28}{'状态':<18}{'金额':>12}  原因")
        for o in out:
            print(f"{o['order_no']:<30}{o['status']:<20}{format_fen(o['total_fen']):>12}  {','.join(o['hold_reasons'])}")
        return
    print(f"订单 {out['order_no']}  状态 {out['status']}  金额 {format_fen(out['total_fen'])}  "
          f"已送 {format_fen(out['delivered_fen'])}  退回 {format_fen(out['returned_fen'])}")
    if out.get("hold_message"):
        print(f"  待审批原因：{out['hold_message']}")
    for ln in out["lines"]:
        print(f"  {ln['line_no']}. {ln['sku']} {ln['name']} {ln['unit_code']}: 订 {ln['qty']} 送 {ln['delivered_qty']} "
              f"退 {ln['returned_qty']} 取消 {ln['cancelled_qty']}  {format_fen(ln['amount_fen'])}")
    for d in out["deliveries"]:
        print(f"  发货单 {d['delivery_no']} 仓库 {d['warehouse_id']} {d['status']} {format_fen(d['amount_fen'])}")
