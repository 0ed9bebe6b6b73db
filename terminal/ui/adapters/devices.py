"""Devices area: receipts, return slips and shift reports printed (worker threads), reprints, the
cash drawer, the scale, the serial scanner's port.

A printer may take seconds to answer (or time out), so print jobs run on worker threads, each with
its own connection to the same database file (a store is not shared between threads).
`terminal.printing` (drivers, python-escpos) is imported by the methods that print, when first
needed: the till starts faster without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from terminal import devices
from terminal import shift as shifts
from terminal.catalog import Catalog
from terminal.errors import TerminalError
from terminal.session import Action, Session
from terminal.store import Store, open_store
from terminal.ui.adapters.approval import ManagerPin, approval_for
from terminal.ui.i18n import get_language
from terminal.ui.views import PrintOutcome

if TYPE_CHECKING:
    from terminal.printing import PrintResult


def _said(exc: TerminalError) -> str:
    return exc.message_en if get_language() == "en" else exc.message


class DevicesArea:
    def __init__(self, data_dir: Path, store: Store, session: Session) -> None:
        self._data_dir = data_dir
        self._store = store
        self._session = session

    def config(self, store: Store | None = None) -> devices.DeviceConfig:
        """Where the devices are (read each time: a setting may change while the till runs); a
        worker thread passes its own store."""
        return devices.device_config(store or self._store)

    @contextmanager
    def _worker_store(self) -> Iterator[Store]:
        store = open_store(self._data_dir, migrate_schema=False)
        try:
            yield store
        finally:
            store.close()

    @staticmethod
    def _outcome(result: PrintResult) -> PrintOutcome:
        return PrintOutcome(ok=result.ok, error=result.error or "", drawer_opened=result.drawer_opened,
                            reprint=result.reprint)

    # ------------------------------------------------------------------ printing (worker threads)

    def print_sale(self, sale_id: str) -> PrintOutcome:
        """Print (or reprint, marked) a committed sale; the drawer opens on its first print with cash."""
        from terminal import printing

        with self._worker_store() as store:
            try:
                printer = devices.open_receipt_printer(self.config(store).printer_url)
            except TerminalError as exc:
                return PrintOutcome(ok=False, error=_said(exc))
            from drivers.printer import PrinterCashDrawer

            return self._outcome(printing.print_sale(store, printer, sale_id, catalog=Catalog(store),
                                                     drawer=PrinterCashDrawer(printer)))

    def print_return(self, return_id: str) -> PrintOutcome:
        from terminal import printing

        with self._worker_store() as store:
            try:
                printer = devices.open_receipt_printer(self.config(store).printer_url)
            except TerminalError as exc:
                return PrintOutcome(ok=False, error=_said(exc))
            return self._outcome(printing.print_return(store, printer, return_id, catalog=Catalog(store)))

    def print_report(self, report: shifts.ShiftReport) -> PrintOutcome:
        from terminal import printing

        with self._worker_store() as store:
            try:
                printer = devices.open_receipt_printer(self.config(store).printer_url)
            except TerminalError as exc:
                return PrintOutcome(ok=False, error=_said(exc))
            return self._outcome(printing.print_shift_report(store, printer, report, catalog=Catalog(store)))

    def reprint(self, receipt_no: str | None) -> str:
        """The sale id of `receipt_no` (None: the last sale), checked on the UI thread before printing."""
        from terminal import printing

        return printing.sale_to_reprint(self._store, receipt_no)

    def receipt_no_of(self, sale_id: str) -> str:
        from terminal import printing

        return printing.receipt_no_of(self._store, sale_id)

    def unprinted_receipt(self) -> str | None:
        """The latest sale whose receipt never printed (e.g. the app was killed after the pay button)."""
        from terminal import printing

        if not self.config().printer_url:
            return None
        pending = printing.unprinted_sales(self._store)
        return pending[-1][1] if pending else None

    # ------------------------------------------------------------------ drawer, scale, scanner

    def no_sale(self, approval: ManagerPin | None = None) -> None:
        """Record a drawer opening without a sale (needs a manager); the app then pulses the drawer."""
        shifts.record_no_sale(self._store, self._session, "开钱箱",
                              approval_for(self._session, Action.NO_SALE, approval))

    def pulse_drawer(self) -> PrintOutcome:
        """Open the cash drawer (worker thread)."""
        from drivers.errors import DeviceError

        with self._worker_store() as store:
            url = self.config(store).printer_url
        try:
            devices.open_receipt_printer(url).open_drawer()
        except TerminalError as exc:
            return PrintOutcome(ok=False, error=_said(exc))
        except DeviceError as exc:
            return PrintOutcome(ok=False, error=(exc.message_en if get_language() == "en" else exc.message)
                                or str(exc))
        return PrintOutcome(ok=True, drawer_opened=True)

    def scale_port(self) -> str | None:
        return self.config().scale_port

    def read_scale(self) -> str:
        """A stable weight from the serial scale (worker thread; seconds at most), as kg text."""
        with self._worker_store() as store:
            port = self.config(store).scale_port
        return f"{devices.read_scale(port):f}"

    def scanner_port(self) -> str | None:
        return self.config().scanner_port
