"""The sales rep's tablet app (rep mode, chosen by the enrolment kind): Today, my customers, field
orders, visits, collections and order status, on top of `terminal`'s field services.

It shares the cashier app's shell (status bar, dialogs, keypad, fonts, i18n) and adds its own
screens (`screens.py`), layouts (`kv/`) and one adapter per area (`adapters/`)."""
