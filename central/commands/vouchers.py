"""`pos-central vouchers …`: voucher batches and codes from the server's command line.

    pos-central vouchers batch-add --code MID50 --name "满200减50" --kind value --value 50 --min-spend 200 \\
        [--to 2026-12-31] [--store S01 --store S02]
    pos-central vouchers batch-add --code RICE5 --name "五常大米提货券" --kind goods --product 2001 --unit pc \\
        --sale-price 55                      # pre-sold at the till (代金券销售)
    pos-central vouchers batches
    pos-central vouchers issue MID50 [--count 100] [--member M0001] [--code VIP-2026]   # codes, one a line
    pos-central vouchers show CODE
    pos-central vouchers void CODE --reason "顾客挂失"

Money is in yuan (`50`, `12.5`); dates are the store's calendar days (Asia/Shanghai), `--to` inclusive.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.db import get_engine, session_scope
from central.errors import DomainError
from central.migrations import SchemaOutOfDate, check_up_to_date
from central.settings import resolve_db_url
from sync.money import format_yuan, parse_yuan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = sub.add_parser("batch-add", help="create a voucher batch")
    add.add_argument("--code", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--kind", choices=["value", "percent", "goods"], required=True,
                     help="value 代金券, percent 折扣券, goods 提货券")
    add.add_argument("--value", default="0", help="yuan off (value vouchers)")
    add.add_argument("--percent", type=float, default=0, help="percent off (percent coupons), e.g. 10")
    add.add_argument("--max-off", default=None, help="yuan: the most a percent coupon takes off")
    add.add_argument("--min-spend", default="0", help="yuan: spend at least this")
    add.add_argument("--product", default=None, metavar="SKU", help="goods vouchers: the product")
    add.add_argument("--unit", default=None, help="goods vouchers: its unit code (e.g. pc)")
    add.add_argument("--qty", type=int, default=1)
    add.add_argument("--sale-price", default=None, help="yuan: sold at the till for this (pre-sold vouchers)")
    add.add_argument("--from", dest="valid_from", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD")
    add.add_argument("--to", dest="valid_to", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD")
    add.add_argument("--store", action="append", default=[], metavar="CODE", help="usable only here (repeat)")
    sub.add_parser("batches", help="list voucher batches")
    iss = sub.add_parser("issue", help="issue codes of a batch; prints them one a line")
    iss.add_argument("batch", metavar="BATCH_CODE")
    iss.add_argument("--count", type=int, default=1)
    iss.add_argument("--member", default=None, metavar="CARD_NO", help="issue to this member")
    iss.add_argument("--code", default=None, help="issue one voucher with this code")
    show = sub.add_parser("show", help="a voucher, its batch and every use")
    show.add_argument("code")
    vd = sub.add_parser("void", help="withdraw a voucher not used yet")
    vd.add_argument("code")
    vd.add_argument("--reason", required=True)
    for p in (add, iss, show, vd, *[sub.choices["batches"]]):
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


def store_ids(session: Session, codes: list[str]) -> list[int]:
    from central.errors import not_found
    from central.org.models import Store

    out = []
    for code in codes:
        sid = session.scalar(select(Store.id).where(Store.code == code))
        if sid is None:
            raise not_found("门店", "store", "store", code)
        out.append(sid)
    return out


def _batch_add(session: Session, args: argparse.Namespace) -> int:
    from central.catalog.models import Product
    from central.vouchers import service
    from sync.store_time import day_start_utc

    product_id = None
    if args.product:
        product_id = session.scalar(select(Product.id).where(Product.sku == args.product))
        if product_id is None:
            print(f"商品不存在 / no such product: {args.product}", file=sys.stderr)
            return 1
    batch = service.create_batch(
        session, actor=None, code=args.code, name=args.name, kind=args.kind, value_fen=parse_yuan(args.value),
        percent_off_bp=round(args.percent * 100), max_off_fen=parse_yuan(args.max_off) if args.max_off else None,
        min_spend_fen=parse_yuan(args.min_spend), product_id=product_id, unit_code=args.unit, qty=args.qty,
        sale_price_fen=parse_yuan(args.sale_price) if args.sale_price else None,
        valid_from=day_start_utc(args.valid_from) if args.valid_from else None,
        valid_to=day_start_utc(args.valid_to + timedelta(days=1)) if args.valid_to else None,
        store_ids=store_ids(session, args.store))
    print(f"券批次 {batch.code} 已建立（编号 {batch.id}） / voucher batch {batch.code} created (id {batch.id})")
    return 0


def _batches(session: Session, args: argparse.Namespace) -> int:
    from central.vouchers.models import VoucherBatch

    rows = session.scalars(select(VoucherBatch).order_by(VoucherBatch.id)).all()
    if not rows:
        print("没有券批次 / no voucher batches")
    for b in rows:
        worth = {"value": f"¥{format_yuan(b.value_fen)}", "percent": f"{b.percent_off_bp / 100:g}% off",
                 "goods": f"{b.qty} × product {b.product_id}"}[b.kind]
        sold = f"  售价 sale price ¥{format_yuan(b.sale_price_fen)}" if b.sale_price_fen is not None else ""
        print(f"{b.code}  {b.name}  {b.kind} {worth}  满 ¥{format_yuan(b.min_spend_fen)}{sold}  "
              f"issued {b.issued_count}{'' if b.active else '  (inactive)'}")
    return 0


def _issue(session: Session, args: argparse.Namespace) -> int:
    from central.members.models import Member
    from central.vouchers import service
    from central.vouchers.models import VoucherBatch

    batch = session.scalar(select(VoucherBatch).where(VoucherBatch.code == args.batch))
    if batch is None:
        print(f"券批次不存在 / no such voucher batch: {args.batch}", file=sys.stderr)
        return 1
    member_id = None
    if args.member:
        member_id = session.scalar(select(Member.id).where(Member.card_no == args.member))
        if member_id is None:
            print(f"会员不存在 / no such member: {args.member}", file=sys.stderr)
            return 1
    for v in service.issue(session, batch, count=args.count, member_id=member_id, code=args.code, actor=None):
        print(v.code)
    return 0


def _show(session: Session, args: argparse.Namespace) -> int:
    from central.vouchers import service

    v = service.get_voucher(session, args.code)
    b = service.get_batch(session, v.batch_id)
    print(f"{v.code}  {b.name}（{b.code}）  状态 status: {v.status}")
    if v.redeemed_receipt_no:
        print(f"  used on receipt {v.redeemed_receipt_no} at {v.redeemed_at:%Y-%m-%d %H:%M} UTC")
    for r in service.redemptions(session, v.code):
        mark = "counted" if r.counted else f"flagged: {r.flag_kind}"
        print(f"  redemption {r.receipt_no}  ¥{format_yuan(r.amount_fen)}  {r.redeemed_at:%Y-%m-%d %H:%M} UTC  {mark}")
    return 0


def _void(session: Session, args: argparse.Namespace) -> int:
    from central.vouchers import service

    v = service.void(session, service.get_voucher(session, args.code, for_update=True), reason=args.reason, actor=None)
    print(f"券 {v.code} 已作废 / voucher {v.code} withdrawn")
    return 0


ACTIONS = {"batch-add": _batch_add, "batches": _batches, "issue": _issue, "show": _show, "void": _void}
