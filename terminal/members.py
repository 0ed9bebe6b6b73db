"""Members at the till: find by card number, phone or QR; show level and points; create one offline.

The balance shown is central's balance from the last sync plus the points this terminal moved
in events central has not acknowledged yet (earned, redeemed, reversed). A member created here
is usable at once and travels to central as `member.created`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sync.events import MemberCreated, utcnow, uuid7
from sync.master import Entity, MemberInfo
from terminal.catalog import Catalog
from terminal.errors import MemberError, NotFound
from terminal.receipt_numbers import receipt_prefix
from terminal.session import Session, audit
from terminal.store import Store
from terminal.store.outbox import append_event

_PHONE = re.compile(r"^1\d{10}$")
_QR_PREFIXES = ("MEMBER:", "M:", "member:", "pos-member:")
MEMBER_SEQ = "member_card"


@dataclass(frozen=True)
class Member:
    id: str
    card_no: str
    level: str
    level_name: str
    points_balance: int
    phone: str | None = None
    name: str | None = None
    created_here: bool = False

    @property
    def masked_phone(self) -> str:
        """138****5678: what the screen and receipt show."""
        p = self.phone or ""
        return p[:3] + "****" + p[-4:] if len(p) == 11 else p


def unacked_points(store: Store, member_id: str) -> int:
    """Points moved on this terminal that central has not acknowledged yet."""
    return int(store.scalar(
        "SELECT coalesce(sum(p.delta), 0) FROM points_local p JOIN outbox o ON o.seq = p.event_seq "
        "WHERE p.member_id=? AND o.status <> 'acked'", (member_id,)))


def _view(store: Store, catalog: Catalog, info: MemberInfo, *, created_here: bool) -> Member:
    levels = catalog.member_levels()
    level = levels.get(info.level)
    balance = max(0, info.points_balance + unacked_points(store, info.id))
    return Member(id=info.id, card_no=info.card_no, level=info.level,
                  level_name=level.name if level and level.name else info.level, points_balance=balance,
                  phone=info.phone, name=info.name, created_here=created_here)


def find_member(store: Store, catalog: Catalog, text: str) -> Member:
    """A member by card number, phone number or member QR payload; `NotFound` otherwise."""
    q = (text or "").strip()
    for prefix in _QR_PREFIXES:
        if q.startswith(prefix):
            q = q[len(prefix):].strip()
            break
    if not q:
        raise NotFound("请输入会员卡号或手机号", "enter a card number or phone", code="empty_member")
    if store.table_exists("master"):
        # three indexed lookups (see 0003_member_lookup.sql); `entity = 'member'` must stay literal
        row = (store.one("SELECT data FROM master WHERE entity = 'member' AND json_extract(data, '$.card_no') = ?",
                         (q,))
               or store.one("SELECT data FROM master WHERE entity = 'member' AND json_extract(data, '$.phone') = ?",
                            (q,))
               or store.one("SELECT data FROM master WHERE entity = ? AND id = ?", (Entity.MEMBER.value, q)))
        if row is not None:
            info = MemberInfo.model_validate(json.loads(row[0]))
            if not info.active:
                raise MemberError("该会员卡已停用", "this membership is inactive", code="member_inactive")
            return _view(store, catalog, info, created_here=False)
    row = store.one("SELECT * FROM local_members WHERE card_no=? OR phone=? OR id=? LIMIT 1", (q, q, q))
    if row is not None:
        info = MemberInfo(id=row["id"], card_no=row["card_no"], phone=row["phone"], name=row["name"],
                          level=row["level"], points_balance=0)
        return _view(store, catalog, info, created_here=True)
    raise NotFound(f"未找到会员：{q}", f"no member with card or phone {q}", code="no_member")


def create_member(store: Store, catalog: Catalog, session: Session, *, phone: str | None,
                  name: str | None = None, card_no: str | None = None, level: str = "normal",
                  birthday: str | None = None) -> Member:
    """Enrol a new member at the till (offline); the card number is made here when none is given."""
    user = session.user
    phone = (phone or "").strip() or None
    if phone is not None and not _PHONE.match(phone):
        raise MemberError("手机号格式不正确（11 位，以 1 开头）", "a phone number has 11 digits starting with 1",
                          code="bad_phone")
    card_no = (card_no or "").strip() or None
    if card_no is not None and (len(card_no) > 32 or not card_no.isalnum()):
        raise MemberError("卡号只能是字母和数字（最多 32 位）", "a card number is up to 32 letters or digits",
                          code="bad_card")
    if name is not None and len(name) > 100:
        raise MemberError("姓名过长", "name too long", code="bad_name")
    for value in (phone, card_no):
        if value is None:
            continue
        try:
            find_member(store, catalog, value)
        except NotFound:
            continue
        raise MemberError(f"会员已存在：{value}", f"a member with {value} already exists", code="member_exists")
    member_id = uuid7()
    now = utcnow()
    with store.transaction():
        if card_no is None:
            card_no = receipt_prefix(store).replace("-", "") + f"M{store.next_seq(MEMBER_SEQ):06d}"
        env = append_event(store, MemberCreated(
            member_id=member_id, card_no=card_no, phone=phone, name=name, birthday=birthday, level=level,
            store_id=int(store.get_setting("store_id") or 0), created_at=now,
        ), occurred_at=now)
        store.execute(
            "INSERT INTO local_members(id, card_no, phone, name, level, created_at, event_seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (member_id, card_no, phone, name, level, now.isoformat(), env.seq))
        audit(store, "member_created", cashier_id=user.id, detail={"member_id": member_id, "card_no": card_no})
    return find_member(store, catalog, card_no)
