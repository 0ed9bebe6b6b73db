"""My customers: search, the customer card, contact edits and new customers, offline
(`terminal.field.customers`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from terminal.field.customers import CustomerCard as ServiceCard
from terminal.field.customers import Customers
from terminal.field.order_status import STATUS_TEXT
from terminal.field.rep_session import RepSession
from terminal.ui import i18n
from terminal.ui.rep.adapters.words import pick, when
from terminal.ui.rep.views import CustomerCard, CustomerRow, HistoryRow

EDITABLE = ("contact_name", "contact_phone", "address", "notes")


def type_name(code: str) -> str:
    return i18n.tr("ctype_" + code) if ("ctype_" + code) in i18n.MESSAGES else code


class CustomersArea:
    def __init__(self, customers: Customers, session: RepSession, today: Callable[[], date]) -> None:
        self._customers = customers
        self._session = session
        self._today = today

    def search(self, text: str) -> list[CustomerRow]:
        rows: list[CustomerRow] = []
        today = self._today()
        for hit in self._customers.search(text):
            card = self._customers.card(hit.key, today)
            rows.append(CustomerRow(key=hit.key, code=hit.code, name=hit.name, phone=hit.contact_phone or "",
                                    type_name=type_name(hit.customer_type), available_fen=card.available_fen,
                                    overdue_days=card.oldest_overdue_days, pending=hit.status != "active"))
        return rows

    def service_card(self, key: str) -> ServiceCard:
        return self._customers.card(key, self._today())

    def card(self, key: str) -> CustomerCard:
        c = self.service_card(key)
        pending = c.status != "active"
        contacts = tuple(" ".join(str(p) for p in (ct.get("name"), ct.get("role"), ct.get("phone")) if p)
                         for ct in c.contacts)
        discount = (i18n.tr("discount_rate", rate=_zhe(c.discount_bp)) if c.discount_bp else "")
        terms = (i18n.tr("terms_credit", days=c.credit_days) if c.payment_terms == "credit" and not pending
                 else i18n.tr("terms_cod"))
        return CustomerCard(
            key=c.key, code=c.code, name=c.name, type_name=pick(c.customer_type_name),
            status_text=i18n.tr("pending_customer") if pending else "",
            contact_name=c.contact_name or "", contact_phone=c.contact_phone or "", contacts=contacts,
            address=c.address or "", notes=c.notes or "",
            price_list=i18n.tr("price_list_own", id=c.price_list_id) if c.price_list_id else i18n.tr("price_list_base"),
            discount_text=discount, terms_text=terms, credit_limit_fen=c.credit_limit_fen,
            credit_used_fen=c.credit_used_fen, available_fen=c.available_fen, overdue_fen=c.overdue_fen,
            oldest_overdue_days=c.oldest_overdue_days,
            last_orders=tuple(HistoryRow(when=when(o.ordered_at), text=f"{o.order_no} {_status(o.status)}",
                                         amount_fen=o.total_fen) for o in c.last_orders),
            last_visits=tuple(HistoryRow(when=when(v.visited_at), text=(v.notes or "").replace("\n", " ")[:60])
                              for v in c.last_visits),
            pending=pending)

    def edit(self, key: str, fields: dict[str, str]) -> str:
        self._customers.edit(self._session, int(key), **{k: fields.get(k) for k in EDITABLE})
        return key

    def create(self, name: str, customer_type: str, fields: dict[str, str]) -> str:
        def given(key: str) -> str | None:
            return fields.get(key) or None

        created = self._customers.create(self._session, name=name, customer_type=customer_type,
                                         contact_name=given("contact_name"), contact_phone=given("contact_phone"),
                                         address=given("address"), notes=given("notes"))
        return created.customer_id


def _status(code: str) -> str:
    return pick(STATUS_TEXT.get(code, (code, code)))


def _zhe(discount_bp: int) -> str:
    """300 bp off → "97 折" in Chinese, "3% off" in English (the rate as a rep says it; no float)."""
    if i18n.get_language() == "en":
        return f"{Decimal(discount_bp) / 100:f}".rstrip("0").rstrip(".") + "% off"
    return f"{Decimal(10000 - discount_bp) / 100:f}".rstrip("0").rstrip(".")
