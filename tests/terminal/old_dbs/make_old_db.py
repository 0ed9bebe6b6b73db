"""Make tests/terminal/old_dbs/schema_000N.db: a terminal database at schema N with real records.

Run once, when migration N+1 is added, with the code of that time, and commit the file:
    .venv/bin/python tests/terminal/old_dbs/make_old_db.py N tests/terminal/old_dbs/schema_000N.db
Never regenerate an existing file: it stands for databases already out in the shops.
"""
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sync.events import MemberCreated, PaymentPayload, SaleCompleted, SaleLinePayload, ShiftOpened, Tender
from terminal.checkout import record_sale
from terminal.store.db import load_migrations, migrate, open_store

version = int(sys.argv[1])
out = Path(sys.argv[2])
d = Path(tempfile.mkdtemp())
s = open_store(d, migrate_schema=False)
migrate(s, load_migrations()[:version])
now = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
with s.transaction():
    for k, v in {"terminal_id": "3", "store_id": "1", "store_code": "S01", "terminal_code": "T03"}.items():
        s.set_setting(k, v)
    s.execute("INSERT INTO shifts(id, store_id, terminal_id, cashier_id, opened_at, opening_float_fen, status) "
              "VALUES ('old-shift-1', 1, 3, 11, ?, 20000, 'open')", (now.isoformat(),))
    s.outbox.append(ShiftOpened(shift_id="old-shift-1", store_id=1, terminal_id=3, cashier_id=11, opened_at=now,
                                opening_float_fen=20000), occurred_at=now)
    sale = SaleCompleted(
        sale_id="old-sale-1", receipt_no="S01-T03-000001", store_id=1, terminal_id=3, shift_id="old-shift-1",
        cashier_id=11, sold_at=now,
        lines=[SaleLinePayload.model_validate({"line_no": 1, "product_id": 1, "sku": "1001", "name": "可口可乐 330ml", "unit_code": "pc",
                "unit_factor": 1, "qty": "2", "unit_price_fen": 300, "price_source": "base", "list_amount_fen": 600,
                "line_discount_fen": 0, "order_discount_fen": 0, "amount_fen": 600, "tax_rate_bp": 1300,
                "tax_fen": 69})],
        payments=[PaymentPayload(tender=Tender.CASH, amount_fen=600, tendered_fen=1000)], subtotal_fen=600, discount_fen=0,
        rounding_fen=0, total_fen=600, change_fen=400, tax_fen=69)
    s.next_seq("receipt")
    env, text = s.outbox.append_for_record(sale, sale.sale_id, occurred_at=now)
    record_sale(s, sale, env.seq, text)
    env = s.outbox.append(MemberCreated(member_id="old-member-1", card_no="S01T03M000001", phone="13900000001",
                                        store_id=1, created_at=now), occurred_at=now)
    s.execute("INSERT INTO local_members(id, card_no, phone, name, level, created_at, event_seq) "
              "VALUES ('old-member-1', 'S01T03M000001', '13900000001', NULL, 'normal', ?, ?)", (now.isoformat(), env.seq))
s.execute("UPDATE outbox SET status='acked' WHERE seq=1")
if s._checkpointer is not None:  # its own connection would keep the file in WAL mode
    s._checkpointer.stop()
    s._checkpointer = None
s.execute("PRAGMA wal_checkpoint(TRUNCATE)")
s.execute("PRAGMA journal_mode=DELETE")
assert s.schema_version == version
s.execute("VACUUM")
s.close()
shutil.copy(d / "terminal.db", out)
print(out, out.stat().st_size)
