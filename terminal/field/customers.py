"""My customers: search (name, pinyin initials, phone), the customer card with its credit figures,
contact and note edits offline, and new customers made offline.

Central's figures (`sync.master.CustomerInfo`) are as of the last pull; the card adds what this
tablet did since: orders not yet in central's figures count as open orders (only those the tablet
did not hold: a held order does not count against credit), collections not yet acknowledged reduce
what is owed and pay the oldest open items first (as central allocates them), and open items are
aged against the tablet's own today. The same figures feed the order's credit check
(`credit_state`), so the tablet's verdict is the one central reaches over the same events.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sync.events import CustomerCreated, CustomerUpdated, utcnow, uuid7
from sync.field import (
    CUSTOMER_TYPE_NAMES,
    CreditState,
    CustomerStatus,
    CustomerType,
    OpenItem,
    oldest_overdue_days,
)
from sync.master import CustomerInfo, Entity
from terminal.errors import NotFound, TerminalError
from terminal.field.rep_session import RepSession
from terminal.store import Store

EDITABLE_FIELDS = ("contact_name", "contact_phone", "address", "notes")
"""What a rep may change on a customer (sync/CONFLICTS.md rule 6: merged field by field)."""
FIELD_LIMITS = {"contact_name": 50, "contact_phone": 20, "address": 200, "notes": 2000}
LAST = 3


class CustomerError(TerminalError):
    code = "customer_error"


@dataclass(frozen=True)
class CustomerHit:
    key: str
    """Central's id as text, or the tablet's id of a customer made here and not yet numbered."""
    code: str
    name: str
    contact_phone: str | None
    address: str | None
    customer_type: str
    status: str
    """`active`, `pending` (at central, not reviewed) or `local` (made here, not yet at central)."""


@dataclass(frozen=True)
class RecentOrder:
    order_id: str
    order_no: str
    ordered_at: str
    total_fen: int
    status: str
    """`sync.field.OrderStatus`, or `unsynced` for an order central has not acknowledged yet."""


@dataclass(frozen=True)
class RecentVisit:
    visit_id: str
    visited_at: str
    notes: str | None
    follow_up_date: str | None = None
    follow_up: str | None = None


@dataclass(frozen=True)
class CustomerCard:
    """Everything the customer card shows (money in fen)."""

    key: str
    customer_id: int | None
    new_customer_id: str | None
    code: str
    name: str
    status: str
    customer_type: str
    customer_type_name: tuple[str, str]
    contact_name: str | None
    contact_phone: str | None
    address: str | None
    notes: str | None
    contacts: list[dict[str, Any]]
    price_list_id: int | None
    group_id: int | None
    discount_bp: int
    payment_terms: str
    """`credit` or `cod` (cash on delivery: pending customers and customers without a limit)."""
    credit_limit_fen: int
    credit_days: int
    balance_fen: int
    """Owed as of central's figure, less this tablet's unsynced collections."""
    advances_fen: int
    open_orders_fen: int
    credit_used_fen: int
    available_fen: int
    overdue_fen: int
    oldest_overdue_days: int
    open_items: tuple[OpenItem, ...]
    unsynced_orders_fen: int
    unsynced_collections_fen: int
    as_of: str | None
    last_orders: list[RecentOrder] = field(default_factory=list)
    last_visits: list[RecentVisit] = field(default_factory=list)
    pending_edits: dict[str, str | None] = field(default_factory=dict)
    """Edits made here central has not acknowledged yet (already shown in the fields above)."""

    @property
    def on_credit_allowed(self) -> bool:
        return self.payment_terms == "credit" and self.status == CustomerStatus.ACTIVE and self.credit_limit_fen > 0

    def credit_state(self) -> CreditState:
        """The credit check's input (`sync.field.check_order`), with this tablet's unsynced work in it."""
        return CreditState(credit_limit_fen=self.credit_limit_fen, balance_fen=self.balance_fen,
                           advances_fen=self.advances_fen, open_orders_fen=self.open_orders_fen,
                           open_items=self.open_items, pending=self.status != CustomerStatus.ACTIVE)


def _initials(name: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(p[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()


_initials_cache: dict[str, str] = {}


def initials(name: str) -> str:
    """Pinyin initials of a name (好邻居便利店 → hljbld), cached."""
    hit = _initials_cache.get(name)
    if hit is None:
        hit = _initials_cache[name] = _initials(name)
    return hit


class Customers:
    """The rep's customers on this tablet (central's rows + the ones made here)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._rows: list[CustomerInfo] = []
        self._stamp: tuple[int, int] = (-1, -1)

    # ------------------------------------------------------------------ reading

    def infos(self) -> list[CustomerInfo]:
        """Central's customer rows (re-read only when they changed)."""
        stamp = self.store.master.stamp(Entity.CUSTOMER.value)
        if stamp != self._stamp:
            self._rows = [CustomerInfo.model_validate(d) for d in self.store.master.rows(Entity.CUSTOMER.value)]
            self._stamp = stamp
        return self._rows

    def _local_only(self) -> list[CustomerCreated]:
        """Customers made here whose central row has not arrived yet (matched by `client_id`)."""
        numbered = {c.client_id for c in self.infos() if c.client_id}
        return [c for c in self.store.field.new_customers() if c.customer_id not in numbered]

    def info(self, key: str | int) -> CustomerInfo | None:
        key = str(key)
        for c in self.infos():
            if str(c.id) == key or (c.client_id is not None and c.client_id == key):
                return c
        return None

    def search(self, text: str = "", limit: int = 50) -> list[CustomerHit]:
        """By name (any part), pinyin initials (prefix or anywhere), phone (any part) or code;
        empty text: every customer, by name."""
        q = text.strip().lower()
        hits: list[tuple[int, CustomerHit]] = []
        for c in self.infos():
            if not c.active:
                continue
            edits = self.store.field.unsynced_edits(c.id) if q else {}
            phone = edits.get("contact_phone", c.contact_phone)
            phones = [p for p in [phone, *(ct.phone for ct in c.contacts)] if p]
            rank = _rank(q, c.name, c.code, phones)
            if rank is not None:
                hits.append((rank, CustomerHit(key=str(c.id), code=c.code, name=c.name, contact_phone=phone,
                                               address=edits.get("address", c.address),
                                               customer_type=c.customer_type, status=c.status)))
        for n in self._local_only():
            rank = _rank(q, n.name, "", [n.contact_phone] if n.contact_phone else [])
            if rank is not None:
                hits.append((rank, CustomerHit(key=n.customer_id, code="", name=n.name, contact_phone=n.contact_phone,
                                               address=n.address, customer_type=n.customer_type.value,
                                               status="local")))
        hits.sort(key=lambda h: (h[0], h[1].name))
        return [h for _, h in hits[:limit]]

    def card(self, key: str | int, today: date) -> CustomerCard:
        """The customer card as of `today` (the store's date)."""
        key = str(key)
        info = self.info(key)
        if info is None:
            local = next((n for n in self.store.field.new_customers() if n.customer_id == key), None)
            if local is None:
                raise NotFound("客户不存在", f"no customer {key}", code="no_customer")
            return self._local_card(local, today)
        return self._card(info, today)

    def _card(self, c: CustomerInfo, today: date) -> CustomerCard:
        keys = [str(c.id)] + ([c.client_id] if c.client_id else [])
        known_orders = {row["id"] for row in self._order_rows(c.id)}
        mine = self.store.field.orders(customer_keys=keys)
        unsynced_orders = sum(o.total_fen for o in mine if not o.held and o.id not in known_orders)
        unsynced_coll = self.store.field.collections(customer_keys=keys, unsynced_only=True)
        paid = sum(x.amount_fen for x in unsynced_coll)
        items = _allocate(tuple(OpenItem(doc_no=i.doc_no, doc_date=date.fromisoformat(i.doc_date),
                                         due_date=date.fromisoformat(i.due_date), open_fen=i.open_fen)
                                for i in c.open_items), paid)
        open_orders = c.open_orders_fen + unsynced_orders
        advances = c.advances_fen + max(0, paid - sum(i.open_fen for i in c.open_items))
        balance = c.balance_fen - min(paid, max(0, sum(i.open_fen for i in c.open_items)))
        used = balance - advances + open_orders
        edits = self.store.field.unsynced_edits(c.id)
        return CustomerCard(
            key=str(c.id), customer_id=c.id, new_customer_id=None, code=c.code, name=c.name, status=c.status,
            customer_type=c.customer_type, customer_type_name=_type_name(c.customer_type),
            contact_name=edits.get("contact_name", c.contact_name),
            contact_phone=edits.get("contact_phone", c.contact_phone),
            address=edits.get("address", c.address), notes=edits.get("notes", c.notes),
            contacts=[ct.model_dump() for ct in c.contacts], price_list_id=c.price_list_id, group_id=c.group_id,
            discount_bp=c.discount_bp, payment_terms=c.payment_terms, credit_limit_fen=c.credit_limit_fen,
            credit_days=c.credit_days, balance_fen=balance, advances_fen=advances, open_orders_fen=open_orders,
            credit_used_fen=used, available_fen=max(0, c.credit_limit_fen - used),
            overdue_fen=sum(i.open_fen for i in items if i.due_date < today),
            oldest_overdue_days=oldest_overdue_days(items, today), open_items=items,
            unsynced_orders_fen=unsynced_orders, unsynced_collections_fen=paid, as_of=c.as_of,
            last_orders=self._last_orders(c, mine), last_visits=self._last_visits(c, keys), pending_edits=edits)

    def _order_rows(self, customer_id: int) -> list[dict[str, Any]]:
        from terminal.field.order_status import orders_of_customer

        return orders_of_customer(self.store, customer_id)

    def _last_orders(self, c: CustomerInfo, mine: list[Any]) -> list[RecentOrder]:
        out: dict[str, RecentOrder] = {}
        for o in c.last_orders:
            out[o.order_id] = RecentOrder(o.order_id, o.order_no, o.ordered_at, o.total_fen, o.status)
        central = {row["id"]: row for row in self._order_rows(c.id)}
        for o in mine[:LAST]:
            row = central.get(o.id)
            status = str(row["status"]) if row else ("unsynced" if not o.synced else ("held" if o.held else "submitted"))
            out[o.id] = RecentOrder(o.id, o.order_no, o.ordered_at, o.total_fen, status)
        return sorted(out.values(), key=lambda r: _ts(r.ordered_at), reverse=True)[:LAST]

    def _last_visits(self, c: CustomerInfo, keys: list[str]) -> list[RecentVisit]:
        out: dict[str, RecentVisit] = {}
        for v in c.last_visits:
            out[v.visit_id] = RecentVisit(v.visit_id, v.visited_at, v.notes, v.follow_up_date, v.follow_up)
        for mv in self.store.field.visits(customer_keys=keys, limit=LAST):
            out[mv.id] = RecentVisit(mv.id, mv.checked_in_at, mv.draft.get("notes"), mv.follow_up_date, mv.follow_up)
        return sorted(out.values(), key=lambda r: _ts(r.visited_at), reverse=True)[:LAST]

    def _local_card(self, n: CustomerCreated, today: date) -> CustomerCard:
        mine = self.store.field.orders(customer_keys=[n.customer_id])
        paid = sum(x.amount_fen for x in self.store.field.collections(customer_keys=[n.customer_id]))
        return CustomerCard(
            key=n.customer_id, customer_id=None, new_customer_id=n.customer_id, code="", name=n.name, status="local",
            customer_type=n.customer_type.value, customer_type_name=_type_name(n.customer_type.value),
            contact_name=n.contact_name, contact_phone=n.contact_phone, address=n.address, notes=n.notes,
            contacts=[], price_list_id=None, group_id=None, discount_bp=0, payment_terms="cod", credit_limit_fen=0,
            credit_days=0, balance_fen=-paid, advances_fen=0, open_orders_fen=0, credit_used_fen=0, available_fen=0,
            overdue_fen=0, oldest_overdue_days=0, open_items=(), unsynced_orders_fen=sum(o.total_fen for o in mine),
            unsynced_collections_fen=paid, as_of=None,
            last_orders=[RecentOrder(o.id, o.order_no, o.ordered_at, o.total_fen, "unsynced" if not o.synced else
                                     ("held" if o.held else "submitted")) for o in mine[:LAST]],
            last_visits=[RecentVisit(v.id, v.checked_in_at, v.draft.get("notes"), v.follow_up_date, v.follow_up)
                         for v in self.store.field.visits(customer_keys=[n.customer_id], limit=LAST)])

    # ------------------------------------------------------------------ writing (offline)

    def edit(self, session: RepSession, customer_id: int, **fields: str | None) -> CustomerUpdated:
        """Change contact name/phone, address or notes; only what differs from the card travels
        (`customer.updated`), and central merges it field by field."""
        rep = session.user
        info = self.info(customer_id)
        if info is None or info.client_id == str(customer_id) and str(info.id) != str(customer_id):
            raise NotFound("客户不存在", f"no customer {customer_id}", code="no_customer")
        unknown = set(fields) - set(EDITABLE_FIELDS)
        if unknown:
            raise CustomerError(f"不能修改：{', '.join(sorted(unknown))}", f"not editable: {', '.join(sorted(unknown))}",
                                code="not_editable")
        current = self.store.field.unsynced_edits(info.id)
        changed: dict[str, str | None] = {}
        for name, value in fields.items():
            value = (value or "").strip() or None
            if value is not None and len(value) > FIELD_LIMITS[name]:
                raise CustomerError(f"{name} 太长（最多 {FIELD_LIMITS[name]} 字）",
                                    f"{name} is too long (at most {FIELD_LIMITS[name]} characters)", code="too_long")
            if value != current.get(name, getattr(info, name)):
                changed[name] = value
        if not changed:
            raise CustomerError("没有修改", "nothing changed", code="no_change")
        edit = CustomerUpdated(customer_id=info.id, rep_id=rep.id, terminal_id=self.store.terminal_id(),
                               edited_at=utcnow(), fields=changed)
        with self.store.transaction():
            self.store.field.add_customer_edit(edit)
        return edit

    def create(self, session: RepSession, *, name: str, customer_type: CustomerType | str = CustomerType.DIRECT,
               contact_name: str | None = None, contact_phone: str | None = None, address: str | None = None,
               region: str | None = None, notes: str | None = None, parent_customer_id: int | None = None,
               latitude: float | None = None, longitude: float | None = None,
               at: datetime | None = None) -> CustomerCreated:
        """A new customer, offline: pending at central (cash on delivery until head office sets credit).
        It can be ordered for at once (`new_customer_id` = the returned `customer_id`)."""
        rep = session.user
        if not name.strip():
            raise CustomerError("请填写客户名称", "the customer needs a name", code="name_required")
        try:
            created = CustomerCreated(
                customer_id=uuid7(), rep_id=rep.id, terminal_id=self.store.terminal_id(),
                store_id=self.store.store_id() or None, created_at=at or utcnow(), name=name.strip(),
                customer_type=CustomerType(customer_type), contact_name=contact_name, contact_phone=contact_phone,
                address=address, region=region, notes=notes, parent_customer_id=parent_customer_id,
                latitude=latitude, longitude=longitude)
        except ValueError as exc:
            raise CustomerError("客户资料不正确", f"invalid customer: {exc}", code="invalid_customer") from exc
        with self.store.transaction():
            self.store.field.add_new_customer(created)
        return created


def _rank(q: str, name: str, code: str, phones: list[str]) -> int | None:
    """0 best … 5; None: no match. Empty query matches everything."""
    if not q:
        return 5
    low = name.lower()
    if low.startswith(q) or code.lower() == q:
        return 0
    if q.isascii() and q.isalpha() and initials(name).startswith(q):
        return 1
    if q in low:
        return 2
    if q.isascii() and q.isalpha() and q in initials(name):
        return 3
    if q.isdigit() and any(q in p for p in phones):
        return 4
    if code and code.lower().startswith(q):
        return 4
    return None


def _type_name(code: str) -> tuple[str, str]:
    try:
        return CUSTOMER_TYPE_NAMES[CustomerType(code)]
    except ValueError:
        return (code, code)


def _ts(text: str) -> str:
    """Sort key of an ISO time (dates without a time sort at their midnight)."""
    return text if "T" in text else text + "T00:00:00+00:00"


def _allocate(items: tuple[OpenItem, ...], paid_fen: int) -> tuple[OpenItem, ...]:
    """Open items after `paid_fen` was collected: oldest first, as central allocates a collection."""
    out = []
    left = paid_fen
    for it in sorted(items, key=lambda i: (i.doc_date, i.due_date, i.doc_no)):
        take = min(left, it.open_fen)
        left -= take
        if it.open_fen - take > 0:
            out.append(replace(it, open_fen=it.open_fen - take))
    return tuple(out)
