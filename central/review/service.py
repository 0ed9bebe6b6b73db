"""Flag a claim central does not believe; list and resolve the flags.

`flag(...)` is what every domain calls when a claim does not hold (ingest of sales, returns and
shifts; vouchers and stored value). It adds one row to the caller's transaction and never
commits, so a flag lands together with the record it is about, or not at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Select, Table, func, insert, select
from sqlalchemy.orm import Session

from central.db import utcnow
from central.errors import Invalid, not_found
from central.review.models import ReviewFlag

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TABLE = cast(Table, ReviewFlag.__table__)

KIND_NAMES: dict[str, tuple[str, str]] = {
    "points_mismatch": ("积分与规则不符", "points do not match the rules"),
    "points_member_other_store": ("其他门店的会员", "a member of another store"),
    "points_overdrawn": ("积分透支", "points redeemed beyond the balance"),
    "price_unverified": ("价格无法核实", "price not verified"),
    "cashier_not_of_store": ("收银员不属于本店", "cashier not of this store"),
    "shift_opener_not_of_store": ("开班人不属于本店", "shift opener not of this store"),
    "return_other_store": ("退了其他门店的小票", "return of another store's sale"),
    "collection_exceeds": ("收款超过应收", "collection exceeds what the customer owes"),
    "till_clock": ("收银机时钟不准", "till clock is off"),
    "voucher_double_use": ("券重复使用", "voucher used twice"),
    "stored_value_overdraw": ("储值透支", "stored value overdrawn"),
    "stored_value_bonus_mismatch": ("充值赠送与规则不符", "top-up bonus does not match the rules"),
    "stored_value_unmatched": ("储值付款与销售单不符", "stored-value payment does not match its sale"),
    "stored_value_refund_exceeds": ("储值退款超过原付款", "stored-value refund exceeds what was paid"),
    "voucher_unknown": ("无此券", "unknown voucher"),
    "voucher_not_valid": ("券不符合使用条件", "voucher used outside its rules"),
    "voucher_amount_mismatch": ("券抵扣金额不符", "voucher amount does not match its rules"),
    "voucher_double_sale": ("券重复售出", "voucher sold twice"),
    "voucher_price_mismatch": ("售券价格不符", "voucher sold at another price"),
    "voucher_restore_unmatched": ("退回的券与原销售不符", "voucher given back for a sale it did not pay"),
}
"""Plain names of the kinds this product raises, for lists and the console (others show their code)."""


def _clean(value: Any) -> Any:
    """JSON-safe, without control characters (PostgreSQL refuses NUL in text)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return json.loads(_CONTROL.sub("\ufffd", text.replace("\\u0000", "\\ufffd")))


def flag(session: Session, *, kind: str, store_id: int | None, terminal_id: int | None, event_id: str | None,
         claimed: Mapping[str, Any], computed: Mapping[str, Any], message_zh: str, message_en: str,
         subject: str | None = None) -> None:
    """Put a claim that did not hold on the review list (in the caller's transaction; never commits).

    `claimed` is what the till or user said, `computed` what central worked out from what it knows;
    the messages say in plain words what differs and what was done about it (e.g. "credited 10
    points, not 5,000,000")."""
    session.execute(insert(_TABLE), [{
        "kind": kind[:40], "store_id": store_id, "terminal_id": terminal_id,
        "event_id": event_id[:40] if event_id else None, "subject": _CONTROL.sub("", subject)[:80] if subject else None,
        "claimed": _clean(dict(claimed)), "computed": _clean(dict(computed)),
        "message_zh": _CONTROL.sub("", message_zh), "message_en": _CONTROL.sub("", message_en),
        "status": "open", "created_at": utcnow(),
    }])


def flags_query(*, status: str | None = "open", kind: str | None = None, store_id: int | None = None,
                terminal_id: int | None = None, event_id: str | None = None) -> Select[Any]:
    """Flags newest first, filtered; `status` None = open and resolved."""
    stmt = select(ReviewFlag).order_by(ReviewFlag.id.desc())
    if status is not None:
        stmt = stmt.where(ReviewFlag.status == status)
    if kind is not None:
        stmt = stmt.where(ReviewFlag.kind == kind)
    if store_id is not None:
        stmt = stmt.where(ReviewFlag.store_id == store_id)
    if terminal_id is not None:
        stmt = stmt.where(ReviewFlag.terminal_id == terminal_id)
    if event_id is not None:
        stmt = stmt.where(ReviewFlag.event_id == event_id)
    return stmt


def list_flags(session: Session, *, limit: int = 100, offset: int = 0, **filters: Any) -> list[ReviewFlag]:
    return list(session.scalars(flags_query(**filters).limit(limit).offset(offset)))


def count_open(session: Session, *, store_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(ReviewFlag).where(ReviewFlag.status == "open")
    if store_id is not None:
        stmt = stmt.where(ReviewFlag.store_id == store_id)
    return int(session.scalar(stmt) or 0)


def get_flag(session: Session, flag_id: int, *, for_update: bool = False) -> ReviewFlag:
    row = session.get(ReviewFlag, flag_id, with_for_update=for_update or None)
    if row is None:
        raise not_found("复核事项", "review flag", "id", flag_id)
    return row


def resolve(session: Session, row: ReviewFlag, *, note: str, user_id: int | None) -> ReviewFlag:
    """Close a flag with what the reviewer found or did (a note is required: it is the record)."""
    note = _CONTROL.sub("", note or "").strip()
    if not note:
        raise Invalid("处理说明不能为空", "say how the flag was resolved (note)", code="note_required", field="note")
    if row.status == "resolved":
        raise Invalid("该复核事项已处理", "this flag is already resolved", code="already_resolved")
    row.status = "resolved"
    row.resolved_at = utcnow()
    row.resolved_by = user_id
    row.resolution_note = note[:500]
    session.flush()
    return row
