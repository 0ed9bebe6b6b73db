"""Returns area: a receipt found (typed, scanned, or fetched from central), the refund previewed,
the return made."""

from __future__ import annotations

from decimal import Decimal

from drivers.payments.provider import PaymentProvider
from terminal import returns as returns_service
from terminal.catalog import Catalog
from terminal.returns import RefundPreview
from terminal.session import Action, Session
from terminal.store import Store
from terminal.ui.adapters.approval import ManagerPin, approval_for
from terminal.ui.format import local_time
from terminal.ui.views import ReturnableLine, ReturnableSale, ReturnDone


class ReturnsArea:
    def __init__(self, store: Store, catalog: Catalog, session: Session,
                 provider: PaymentProvider | None = None) -> None:
        self._store = store
        self._catalog = catalog
        self._session = session
        self._provider = provider
        """付款码 refunds go back through it (原路退回)."""

    def find_sale(self, text: str) -> ReturnableSale:
        found = returns_service.find_sale(self._store, text)
        sale = found.sale
        lines = tuple(
            ReturnableLine(line_no=ln.line_no, name=ln.name + ("（赠品）" if ln.is_gift else ""),
                           unit=self._catalog.unit_name(ln.product_id, ln.unit_code), qty_sold=f"{ln.qty_sold:f}",
                           qty_returnable=f"{ln.qty_left:f}", amount_fen=ln.amount_fen - ln.refunded_fen)
            for ln in found.lines)
        return ReturnableSale(sale_id=sale.sale_id, receipt_no=sale.receipt_no, sold_at_text=local_time(sale.sold_at),
                              total_fen=sale.total_fen, tenders=tuple(p.tender.value for p in sale.payments),
                              lines=lines)

    def preview_return(self, receipt_no: str, quantities: dict[int, Decimal], refund_to: str) -> RefundPreview:
        """The refund the chosen lines would give (money per tender, points), nothing written."""
        return returns_service.preview_return(self._store, receipt_no, quantities, refund_to=refund_to)

    def make_return(self, receipt_no: str, quantities: dict[int, Decimal], refund_to: str, reason: str,
                    approval: ManagerPin | None = None) -> ReturnDone:
        done = returns_service.return_sale(self._store, self._session, receipt_no, quantities, refund_to=refund_to,
                                           reason=reason or None,
                                           approval=approval_for(self._session, Action.REFUND, approval),
                                           provider=self._provider)
        return ReturnDone(return_id=done.return_id, receipt_no=done.receipt_no, total_fen=done.payload.total_fen,
                          cash=done.cash_fen > 0,
                          refunds=tuple((r.tender.value, r.amount_fen) for r in done.payload.refunds))
