"""People and places a till's return or shift names, checked against what central knows.

A return or a shift that happened is applied whatever these find (the money left the drawer, the
goods are back on the shelf): what does not hold is put on the review list for head office.

- A return must take back a sale of the returning till's own store, unless head office lets that
  store take back other stores' receipts (`stores.chain_returns`, 跨店退货; the till follows the
  same setting and refuses such a receipt while it is off). A return of another store's sale
  without it is applied where it happened (stock back into the returning store's warehouse, the
  refund out of the returning till's shift, the original sale's lines marked returned so nobody
  returns them twice) and flagged `return_other_store`, naming both stores.
- The cashier of a return and the opener of a shift must be till staff of the till's store
  (`central.users.till_staff`); otherwise flagged (`cashier_not_of_store`,
  `shift_opener_not_of_store`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.org.models import Store
from central.review.service import flag
from central.users.till_staff import flag_not_till_staff, till_staff_problem
from sync.events import SaleReturned, ShiftOpened


def chain_returns_allowed(session: Session, store_id: int) -> bool:
    """Head office lets this store's tills take back other stores' receipts."""
    return bool(session.scalar(select(Store.chain_returns).where(Store.id == store_id)))


def check_return(session: Session, ev: SaleReturned, *, sold_in_store_id: int, store_id: int,
                 terminal_id: int) -> None:
    """Flag what does not hold about where a return was made and who made it (the return is applied)."""
    if sold_in_store_id != store_id and not chain_returns_allowed(session, store_id):
        codes = dict(session.execute(select(Store.id, Store.code).where(Store.id.in_((sold_in_store_id, store_id)))).all())
        sold, here = codes.get(sold_in_store_id, str(sold_in_store_id)), codes.get(store_id, str(store_id))
        flag(session, kind="return_other_store", store_id=store_id, terminal_id=terminal_id, event_id=None,
             subject=ev.receipt_no,
             claimed={"return_id": ev.return_id, "original_receipt_no": ev.original_receipt_no,
                      "store_id": store_id, "total_fen": ev.total_fen},
             computed={"sold_in_store_id": sold_in_store_id, "returned_in_store_id": store_id,
                       "chain_returns": False},
             message_zh=f"门店 {here} 的退货单 {ev.receipt_no} 退的是门店 {sold} 的小票 {ev.original_receipt_no}，"
                        f"而本店未开通跨店退货。退款 ¥{ev.total_fen / 100:.2f} 已记在本店班次，货已回到本店仓库，"
                        "原小票已标记退回，请核实",
             message_en=f"return {ev.receipt_no} at store {here} took back receipt {ev.original_receipt_no} of "
                        f"store {sold}, but store {here} does not allow chain-wide returns. The refund of "
                        f"¥{ev.total_fen / 100:.2f} was booked to this store's shift, the goods went back into "
                        "this store's warehouse and the original lines are marked returned; please check")
    if ev.cashier_id is not None:
        problem = till_staff_problem(session, ev.cashier_id, store_id)
        if problem is not None:
            flag_not_till_staff(session, problem, kind="cashier_not_of_store", terminal_id=terminal_id, event_id=None,
                                subject=ev.receipt_no, doing_zh=f"办理退货 {ev.receipt_no}",
                                doing_en=f"made return {ev.receipt_no}")


def check_shift_opened(session: Session, ev: ShiftOpened, *, store_id: int, terminal_id: int) -> None:
    """Flag a shift opened by someone who is not till staff of the store (the shift is kept)."""
    problem = till_staff_problem(session, ev.cashier_id, store_id)
    if problem is not None:
        flag_not_till_staff(session, problem, kind="shift_opener_not_of_store", terminal_id=terminal_id,
                            event_id=None, subject=ev.shift_id, doing_zh="开班", doing_en="opened the shift")
