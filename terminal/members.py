"""Members at the till: find by card number, phone or QR; show level and points; create one offline.

The stored value (储值) shown is likewise central's balance plus this till's own movements not
acknowledged yet (`terminal.stored_value`). The points balance shown is central's balance from the last sync plus the points this terminal moved
in events central has not acknowledged yet (earned, redeemed, reversed). A member created here
is usable at once and travels to central as `member.created`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sync.events import MemberCreated, utcnow, uuid7
from sync.master import MemberInfo
from sync.phones import is_member_phone
from terminal.catalog import Catalog
from terminal.errors import MemberError, NotFound
from terminal.receipt_numbers import receipt_prefix
from terminal.session import Session, audit
from terminal.store import Store

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
    stored_value_fen: int = 0
    """Stored value (储值) the till knows: central's balance plus this till's unacknowledged movements."""

    @property
    def masked_phone(self) -> str:
        """138****5678: what the screen and receipt show."""
        p = self.phone or ""
        return p[:3] + "****" + p[-4:] if len(p) == 11 else p


def _view(store: Store, catalog: Catalog, info: MemberInfo, *, created_here: bool) -> Member:
    levels = catalog.member_levels()
    level = levels.get(info.level)
    balance = max(0, info.points_balance + store.members.unacked_points(info.id))
    stored = info.stored_value_fen + store.prepaid.unacked_fen(info.id)
    return Member(id=info.id, card_no=info.card_no, level=info.level,
                  level_name=level.name if level and level.name else info.level, points_balance=balance,
                  phone=info.phone, name=info.name, created_here=created_here, stored_value_fen=stored)


def find_member(store: Store, catalog: Catalog, text: str) -> Member:
    """A member by card number, phone number or member QR payload; `NotFound` otherwise."""
    q = (text or "").strip()
    for prefix in _QR_PREFIXES:
        if q.startswith(prefix):
            q = q[len(prefix):].strip()
            break
    if not q:
        raise NotFound("请输入会员卡号或手机号", "enter a card number or phone", code="empty_member")
    info = store.members.synced(q)
    if info is not None:
        if not info.active:
            raise MemberError("该会员卡已停用", "this membership is inactive", code="member_inactive")
        return _view(store, catalog, info, created_here=False)
    info = store.members.created_here(q)
    if info is not None:
        return _view(store, catalog, info, created_here=True)
    raise NotFound(f"未找到会员：{q}", f"no member with card or phone {q}", code="no_member")


PHONE_END_DIGITS = 4
"""A cashier may find a member by the last four digits of the phone (what customers say aloud)."""
MAX_CHOICES = 8
"""At most this many members are offered when several phones end with the same four digits."""


def find_members(store: Store, catalog: Catalog, text: str) -> list[Member]:
    """Members a cashier's search names: the one member of a card number, phone or QR; else, for
    four digits, the active members whose phone ends with them (a short list to choose from when
    several do). `NotFound` when none."""
    q = (text or "").strip()
    try:
        return [find_member(store, catalog, q)]
    except NotFound:
        if not (len(q) == PHONE_END_DIGITS and q.isdigit()):
            raise
    found = [(info, here) for info, here in store.members.by_phone_end(q, MAX_CHOICES) if info.active]
    if not found:
        raise NotFound(f"未找到手机尾号为 {q} 的会员", f"no member's phone ends with {q}", code="no_member")
    return [_view(store, catalog, info, created_here=here) for info, here in found]


def create_member(store: Store, catalog: Catalog, session: Session, *, phone: str | None,
                  name: str | None = None, card_no: str | None = None, level: str = "normal",
                  birthday: str | None = None) -> Member:
    """Enrol a new member at the till (offline); the card number is made here when none is given."""
    user = session.user
    phone = (phone or "").strip() or None
    if phone is not None and not is_member_phone(phone):
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
        env = store.outbox.append(MemberCreated(
            member_id=member_id, card_no=card_no, phone=phone, name=name, birthday=birthday, level=level,
            store_id=store.store_id(), created_at=now,
        ), occurred_at=now)
        store.members.add_created_here(member_id, card_no=card_no, phone=phone, name=name, level=level,
                                       created_at=now, event_seq=env.seq)
        audit(store, "member_created", cashier_id=user.id, detail={"member_id": member_id, "card_no": card_no})
    return find_member(store, catalog, card_no)
