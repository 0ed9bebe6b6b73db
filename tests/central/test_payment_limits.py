"""#10 §2: a receivables payment entered at head office never exceeds what the customer owes — the
API refuses it in zh/en and changes nothing (SQLite and PostgreSQL; the console's form:
tests/central/console/test_members_customers.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from central.customers.models import Customer
from central.db import session_scope, utcnow
from central.finance.models import ReceivableEntry
from central.finance.receivables import balance_of, post_receivable


def _owing_customer(engine: Engine, amount_fen: int) -> int:
    with session_scope(engine) as s:
        customer = Customer(code="C1", name="华联超市", tags=[], credit_limit_fen=100_000, credit_days=30)
        s.add(customer)
        s.flush()
        post_receivable(s, customer=customer, kind="charge", amount_fen=amount_fen, doc_type="manual", doc_id="D1",
                        doc_no="D1", doc_date=date(2026, 11, 5), occurred_at=utcnow())
        return customer.id


def _ledger(engine: Engine, customer_id: int) -> tuple[int, int]:
    with session_scope(engine, write=False) as s:
        return balance_of(s, customer_id), int(s.scalar(select(func.count()).select_from(ReceivableEntry).where(
            ReceivableEntry.customer_id == customer_id)) or 0)


def test_an_api_payment_above_the_balance_is_refused_and_changes_nothing(
        client: TestClient, engine: Engine, make_user: Callable[..., int],
        login: Callable[[str], dict[str, str]]) -> None:
    customer_id = _owing_customer(engine, 50_000)
    make_user("fin", role="finance")
    fin = login("fin")

    def pay(amount_fen: int) -> object:
        return client.post("/api/v1/receivables/payments", headers=fin, json={
            "customer_id": customer_id, "amount_fen": amount_fen, "method": "bank_transfer", "reference": "B1"})

    over = pay(50_001)
    assert over.status_code == 422, over.text  # type: ignore[attr-defined]
    error = over.json()["error"]  # type: ignore[attr-defined]
    assert (error["code"], error["field"]) == ("payment_exceeds_balance", "amount_fen")
    assert "超过" in error["message"]
    assert "¥500.00" in error["message"]
    assert "exceeds" in error["message_en"]
    assert _ledger(engine, customer_id) == (50_000, 1)
    # paying exactly what is owed is fine; then nothing is owed and any further payment is refused
    assert pay(50_000).status_code == 201  # type: ignore[attr-defined]
    assert _ledger(engine, customer_id) == (0, 2)
    assert pay(1).status_code == 422  # type: ignore[attr-defined]
    assert _ledger(engine, customer_id) == (0, 2)

