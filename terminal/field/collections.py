"""Collections (收款): money a rep takes from a customer, offline — cash, bank transfer, WeChat,
Alipay or a cheque with its reference — and the receipt printed for the customer.

Central allocates it to the oldest open receivables (never beyond what is open: the rest is an
advance); until then the customer card shows it as collected here and pays the oldest open items
with it (`terminal.field.customers`). The receipt is ESC/POS through the terminal's printer driver
(a portable printer when one is configured), GB18030 in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from drivers.document import Blank, Block, Columns, Cut, Document, Rule, Text
from drivers.errors import DeviceError
from drivers.money import format_fen
from drivers.printer import ReceiptPrinter
from sync.events import CollectionRecorded, utcnow, uuid7
from sync.field import CollectionMethod
from sync.store_time import STORE_TZ, business_date
from terminal.catalog import Catalog
from terminal.errors import NotFound, TerminalError
from terminal.field.customers import Customers
from terminal.field.rep_session import RepSession
from terminal.receipt_numbers import receipt_prefix
from terminal.store import Store

COLLECTION_SEQ = "field_collection"
MAX_COLLECTION_FEN = 100_000_000
"""¥1,000,000.00: a larger amount typed on a tablet is a typing error."""

METHOD_NAMES: dict[str, tuple[str, str]] = {
    CollectionMethod.CASH: ("现金", "cash"), CollectionMethod.BANK_TRANSFER: ("银行转账", "bank transfer"),
    CollectionMethod.WECHAT: ("微信", "WeChat"), CollectionMethod.ALIPAY: ("支付宝", "Alipay"),
    CollectionMethod.CHEQUE: ("支票", "cheque"),
}
NEEDS_REFERENCE = frozenset({CollectionMethod.BANK_TRANSFER, CollectionMethod.CHEQUE})


class CollectionError(TerminalError):
    code = "collection_error"


@dataclass(frozen=True)
class PrintOutcome:
    ok: bool
    error: str | None = None


class FieldCollections:
    def __init__(self, store: Store, catalog: Catalog | None = None, customers: Customers | None = None) -> None:
        self.store = store
        self.catalog = catalog or Catalog(store)
        self.customers = customers or Customers(store)

    def record(self, session: RepSession, customer_key: str, amount_fen: int, method: CollectionMethod | str, *,
               reference: str | None = None, order_id: str | None = None, note: str | None = None,
               at: datetime | None = None) -> CollectionRecorded:
        rep = session.user
        try:
            method = CollectionMethod(method)
        except ValueError:
            raise CollectionError("收款方式不正确", f"unknown payment method {method}", code="method") from None
        if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
            raise CollectionError("收款金额必须大于零", "the amount must be positive", code="amount")
        if amount_fen > MAX_COLLECTION_FEN:
            raise CollectionError("收款金额过大", "the amount is too large", code="amount")
        reference = (reference or "").strip() or None
        if method in NEEDS_REFERENCE and reference is None:
            raise CollectionError("转账或支票请填写流水号/支票号", "a transfer or cheque needs its reference",
                                  code="reference_required")
        if reference is not None and len(reference) > 64:
            raise CollectionError("流水号最多 64 字", "reference: at most 64 characters", code="reference")
        card = self.customers.card(customer_key, _today(at))
        store = self.store
        with store.transaction():
            c = CollectionRecorded(
                collection_id=uuid7(), receipt_no=f"{receipt_prefix(store)}-C{store.next_seq(COLLECTION_SEQ):06d}",
                customer_id=card.customer_id, new_customer_id=card.new_customer_id, rep_id=rep.id,
                terminal_id=store.terminal_id(), store_id=store.store_id() or None, collected_at=at or utcnow(),
                amount_fen=amount_fen, method=method, reference=reference, order_id=order_id,
                note=(note or "").strip()[:200] or None)
            store.field.add_collection(c)
        return c

    def receipt(self, collection_id: str, *, lang: str = "zh") -> Document:
        """The receipt (收款收据) as a printable document (ESC/POS or the screen's preview)."""
        row = self.store.field.collection(collection_id)
        if row is None:
            raise NotFound("收款记录不存在", f"no collection {collection_id}", code="no_collection")
        card = self.customers.card(row.customer_key, _today(None))
        settings = self.catalog.store_settings()
        rep = self.store.master.user(int(self.store.get_setting("rep_id") or 0))
        zh = lang == "zh"
        when = datetime.fromisoformat(row.collected_at).astimezone(STORE_TZ).strftime("%Y-%m-%d %H:%M")
        method = METHOD_NAMES.get(row.method, (row.method, row.method))[0 if zh else 1]
        blocks: list[Block] = [
            Text(settings.receipt_header or settings.name, align="center", bold=True, size="tall"),
            Text("收款收据" if zh else "Payment receipt", align="center", bold=True),
            Rule(),
            Columns("单号" if zh else "No.", row.receipt_no),
            Columns("日期" if zh else "Date", when),
            Columns("客户" if zh else "Customer", card.name),
            Columns("业务员" if zh else "Rep", rep.name if rep else ""),
            Rule(),
            Columns("收款金额" if zh else "Amount", format_fen(row.amount_fen), bold=True, size="tall"),
            Columns("方式" if zh else "Method", method),
        ]
        if row.reference:
            blocks.append(Columns("流水号" if zh else "Reference", row.reference))
        blocks += [Rule(), Text("本收据为业务员代收凭证，以公司入账为准" if zh else
                                "Collected by our rep; binding once booked by the company", align="center"),
                   Blank(2), Text("客户签字：" if zh else "Customer signature:"), Blank(2), Cut()]
        return tuple(blocks)

    def print_receipt(self, printer: ReceiptPrinter, collection_id: str, *, lang: str = "zh") -> PrintOutcome:
        """Print the receipt; a printer fault is returned, never raised (the money is recorded)."""
        try:
            printer.print_document(self.receipt(collection_id, lang=lang))
        except DeviceError as exc:
            return PrintOutcome(ok=False, error=str(exc))
        return PrintOutcome(ok=True)


def _today(at: datetime | None) -> date:
    return business_date(at or utcnow())
