"""Collection area: a payment from the customer, offline (`terminal.field.collections`); amounts typed
in yuan become integer fen here (`format.parse_yuan`), inside the call, so a typing mistake is shown
like any other error."""

from __future__ import annotations

from terminal.errors import TerminalError
from terminal.field.collections import METHOD_NAMES, FieldCollections
from terminal.field.rep_session import RepSession
from terminal.ui.format import parse_yuan
from terminal.ui.rep.adapters.printing import PrintingArea
from terminal.ui.rep.adapters.words import pick
from terminal.ui.rep.views import CollectionDone
from terminal.ui.views import PrintOutcome

METHODS = ("cash", "bank_transfer", "wechat", "alipay", "cheque")


class CollectionsArea:
    def __init__(self, collections: FieldCollections, session: RepSession, printer: PrintingArea) -> None:
        self._collections = collections
        self._session = session
        self._printer = printer

    def methods(self) -> list[tuple[str, str]]:
        return [(code, pick(METHOD_NAMES[code])) for code in METHODS]

    def record(self, customer_key: str, amount_text: str, method: str, reference: str) -> CollectionDone:
        try:
            amount_fen = parse_yuan(amount_text)
        except ValueError:
            raise TerminalError(f"金额不正确：{amount_text}", f"not an amount: {amount_text}", code="amount") from None
        c = self._collections.record(self._session, customer_key, amount_fen, method, reference=reference or None)
        return CollectionDone(collection_id=c.collection_id, receipt_no=c.receipt_no, amount_fen=c.amount_fen,
                              method_text=pick(METHOD_NAMES[c.method]))

    def print_receipt(self, collection_id: str) -> PrintOutcome:
        """On a worker thread (`app.print_job`)."""
        return self._printer.print_collection(collection_id)
