"""Payment providers for 付款码 (payment-code) payments: one small protocol, a real adapter, a simulator.

- `provider.py` — the `PaymentProvider` protocol, its results, order and refund numbers derived
  from the sale, which wallet a scanned code belongs to.
- `flow.py` — charge → wait → query → cancel: from any first answer to a definite outcome.
- `wechat.py` — WeChat Pay API v2 micropay (signed XML), the adapter for the real provider.
- `settings.py` — provider settings from the environment; the API key never reaches a log.
- `drivers/sim/payments.py` — a local HTTP server speaking the same API, for tests and demos.
"""
