"""Printing area: the rep's portable ESC/POS printer (`POS_PRINTER_URL` or the `printer_url` setting),
for the order confirmation and the collection receipt. Jobs run on worker threads with their own
database connection (a store is not shared between threads); a printer fault is an outcome, never
an exception: the order or the money is already recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from drivers.errors import DeviceError
from terminal import devices
from terminal.errors import TerminalError
from terminal.field.app import FieldApp
from terminal.field.order_confirmation import order_confirmation
from terminal.store import Store, open_store
from terminal.ui.i18n import get_language
from terminal.ui.views import PrintOutcome


class PrintingArea:
    def __init__(self, data_dir: Path, store: Store) -> None:
        self._data_dir = data_dir
        self._store = store

    def configured(self) -> bool:
        return bool(devices.device_config(self._store).printer_url)

    @contextmanager
    def _worker(self) -> Iterator[FieldApp]:
        store = open_store(self._data_dir, migrate_schema=False)
        try:
            yield FieldApp(store)
        finally:
            store.close()

    def _print(self, document: Callable[[FieldApp, str], Any]) -> PrintOutcome:
        lang = "en" if get_language() == "en" else "zh"
        try:
            with self._worker() as field:
                printer = devices.open_receipt_printer(devices.device_config(field.store).printer_url)
                try:
                    printer.print_document(document(field, lang))
                finally:
                    close = getattr(printer, "close", None)
                    if close is not None:
                        close()
        except (DeviceError, TerminalError, OSError) as exc:
            message = getattr(exc, "message_en" if lang == "en" else "message", None) or str(exc)
            return PrintOutcome(ok=False, error=str(message))
        return PrintOutcome(ok=True)

    def print_collection(self, collection_id: str) -> PrintOutcome:
        return self._print(lambda field, lang: field.collections.receipt(collection_id, lang=lang))

    def print_order(self, order_id: str) -> PrintOutcome:
        return self._print(lambda field, lang: order_confirmation(field.store, field.catalog, field.customers, order_id,
                                                                   lang=lang))
