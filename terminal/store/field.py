"""A rep tablet's own records: field orders, visits, collections, returns against orders, customers
made offline, contact edits, and the photos waiting for upload (migration 0009).

Each record is written with its outbox event in the caller's transaction (`Store.transaction()`),
so an order exists on the tablet exactly when its event will reach central. The wire form lives in
the outbox row only (`event_seq`); the columns here are what lists, sums and the credit check read.
Customers' keys (`customer_key`) are central's id as text, or the tablet's UUID of a new customer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from sync.events import (
    CollectionRecorded,
    CustomerCreated,
    CustomerUpdated,
    EventEnvelope,
    FieldOrderCreated,
    OrderReturnRecorded,
    VisitRecorded,
)
from terminal.store.stored_json import unpack

if TYPE_CHECKING:
    from terminal.store.db import Store

_ACKED = "(SELECT status FROM outbox o WHERE o.seq = {t}.event_seq) = 'acked'"


def customer_key(customer_id: int | None, new_customer_id: str | None) -> str:
    """The key a record names its customer by: central's id, else the tablet's id of a new customer."""
    return str(customer_id) if customer_id is not None else str(new_customer_id)


@dataclass(frozen=True)
class OrderRow:
    id: str
    order_no: str
    customer_key: str
    ordered_at: str
    total_fen: int
    on_credit: bool
    held: bool
    hold_reasons: tuple[str, ...]
    visit_id: str | None
    synced: bool
    """Central acknowledged its event."""


@dataclass(frozen=True)
class VisitRow:
    id: str
    customer_key: str
    checked_in_at: str
    checked_out_at: str | None
    status: str
    draft: dict[str, Any]
    follow_up_date: str | None
    follow_up: str | None


@dataclass(frozen=True)
class CollectionRow:
    id: str
    receipt_no: str
    customer_key: str
    collected_at: str
    amount_fen: int
    method: str
    reference: str | None
    order_id: str | None
    synced: bool


@dataclass(frozen=True)
class AttachmentRow:
    sha256: str
    size: int
    content_type: str
    uploaded_bytes: int
    status: str
    attempts: int
    event_acked: bool


def _order(r: Any) -> OrderRow:
    return OrderRow(id=r["id"], order_no=r["order_no"], customer_key=r["customer_key"], ordered_at=r["ordered_at"],
                    total_fen=int(r["total_fen"]), on_credit=bool(r["on_credit"]), held=bool(r["held"]),
                    hold_reasons=tuple(json.loads(r["hold_reasons"])), visit_id=r["visit_id"],
                    synced=bool(r["synced"]))


def _visit(r: Any) -> VisitRow:
    return VisitRow(id=r["id"], customer_key=r["customer_key"], checked_in_at=r["checked_in_at"],
                    checked_out_at=r["checked_out_at"], status=r["status"], draft=json.loads(r["draft"]),
                    follow_up_date=r["follow_up_date"], follow_up=r["follow_up"])


def _collection(r: Any) -> CollectionRow:
    return CollectionRow(id=r["id"], receipt_no=r["receipt_no"], customer_key=r["customer_key"],
                         collected_at=r["collected_at"], amount_fen=int(r["amount_fen"]), method=r["method"],
                         reference=r["reference"], order_id=r["order_id"], synced=bool(r["synced"]))


_ORDER_COLS = f"f.*, {_ACKED.format(t='f')} AS synced"


class FieldRecords:
    """The field tables of one open store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _append(self, payload: BaseModel) -> EventEnvelope:
        store = self._store
        store.require_transaction("FieldRecords")
        return store.outbox.append(payload, occurred_at=None)

    def payload(self, event_seq: int) -> dict[str, Any] | None:
        """The wire payload of one of our events (what central received, or will)."""
        row = self._store.one("SELECT payload FROM outbox WHERE seq=?", (event_seq,))
        return None if row is None or row[0] is None else dict(json.loads(unpack(row[0])))

    # ------------------------------------------------------------------ orders

    def add_order(self, order: FieldOrderCreated) -> EventEnvelope:
        env = self._append(order)
        self._store.execute(
            "INSERT INTO field_orders(id, order_no, customer_key, ordered_at, total_fen, on_credit, held, hold_reasons, "
            "visit_id, event_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (order.order_id, order.order_no, customer_key(order.customer_id, order.new_customer_id),
             order.ordered_at.isoformat(), order.total_fen, int(order.on_credit), int(order.held),
             json.dumps(order.hold_reasons), order.visit_id, env.seq))
        return env

    def order(self, order_id: str) -> OrderRow | None:
        r = self._store.one(f"SELECT {_ORDER_COLS} FROM field_orders f WHERE f.id=?", (order_id,))
        return None if r is None else _order(r)

    def order_payload(self, order_id: str) -> FieldOrderCreated | None:
        seq = self._store.scalar("SELECT event_seq FROM field_orders WHERE id=?", (order_id,))
        data = None if seq is None else self.payload(int(seq))
        return None if data is None else FieldOrderCreated.model_validate(data)

    def orders(self, *, customer_keys: Iterable[str] | None = None, since: str | None = None,
               until: str | None = None, limit: int = -1) -> list[OrderRow]:
        """This tablet's orders, newest first; of some customers, in [since, until) (ISO UTC)."""
        where, params = self._window("f.ordered_at", since, until)
        if customer_keys is not None:
            where.append("f.customer_key IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(customer_keys)))
        sql = f"SELECT {_ORDER_COLS} FROM field_orders f"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._store.all(sql + " ORDER BY f.ordered_at DESC, f.event_seq DESC LIMIT ?", (*params, limit))
        return [_order(r) for r in rows]

    @staticmethod
    def _window(col: str, since: str | None, until: str | None) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if since is not None:
            where.append(f"{col} >= ?")
            params.append(since)
        if until is not None:
            where.append(f"{col} < ?")
            params.append(until)
        return where, params

    # ------------------------------------------------------------------ visits

    def open_visit(self, visit_id: str, key: str, checked_in_at: str, draft: dict[str, Any]) -> None:
        with self._store.transaction() as store:
            store.execute("INSERT INTO field_visits(id, customer_key, checked_in_at, draft) VALUES (?, ?, ?, ?)",
                          (visit_id, key, checked_in_at, json.dumps(draft, ensure_ascii=False)))

    def open_visit_row(self) -> VisitRow | None:
        r = self._store.one("SELECT * FROM field_visits WHERE status='open'")
        return None if r is None else _visit(r)

    def visit(self, visit_id: str) -> VisitRow | None:
        r = self._store.one("SELECT * FROM field_visits WHERE id=?", (visit_id,))
        return None if r is None else _visit(r)

    def link_order_to_visit(self, visit_id: str, order_id: str) -> None:
        """Name an order in an open visit's draft (in the order's own transaction)."""
        row = self.visit(visit_id)
        if row is None or row.status != "open":
            return
        draft = dict(row.draft)
        ids = list(draft.get("order_ids") or [])
        if order_id not in ids:
            draft["order_ids"] = [*ids, order_id]
            self.save_visit_draft(visit_id, draft)

    def delete_open_visit(self, visit_id: str) -> None:
        self._store.require_transaction("delete_open_visit")
        self._store.execute("DELETE FROM field_visits WHERE id=? AND status='open'", (visit_id,))

    def save_visit_draft(self, visit_id: str, draft: dict[str, Any]) -> None:
        with self._store.transaction() as store:
            store.execute("UPDATE field_visits SET draft=? WHERE id=? AND status='open'",
                          (json.dumps(draft, ensure_ascii=False), visit_id))

    def close_visit(self, visit: VisitRecorded) -> EventEnvelope:
        env = self._append(visit)
        fu = visit.follow_up
        self._store.execute(
            "UPDATE field_visits SET status='done', checked_out_at=?, follow_up_date=?, follow_up=?, event_seq=? "
            "WHERE id=?",
            (visit.checked_out_at.isoformat() if visit.checked_out_at else None,
             fu.due_date.isoformat() if fu else None, fu.text if fu else None, env.seq, visit.visit_id))
        for photo in visit.photos:
            self._store.execute("UPDATE field_attachments SET event_seq=coalesce(event_seq, ?) WHERE sha256=?",
                                (env.seq, photo.sha256))
        return env

    def visits(self, *, customer_keys: Iterable[str] | None = None, since: str | None = None,
               until: str | None = None, done_only: bool = True, limit: int = -1) -> list[VisitRow]:
        where, params = self._window("checked_in_at", since, until)
        if done_only:
            where.append("status='done'")
        if customer_keys is not None:
            where.append("customer_key IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(customer_keys)))
        sql = "SELECT * FROM field_visits" + (" WHERE " + " AND ".join(where) if where else "")
        return [_visit(r) for r in self._store.all(sql + " ORDER BY checked_in_at DESC LIMIT ?", (*params, limit))]

    def follow_ups(self) -> list[VisitRow]:
        """Done visits with a promised follow-up, oldest due first."""
        return [_visit(r) for r in self._store.all(
            "SELECT * FROM field_visits WHERE status='done' AND follow_up_date IS NOT NULL ORDER BY follow_up_date")]

    # ------------------------------------------------------------------ collections

    def add_collection(self, c: CollectionRecorded) -> EventEnvelope:
        env = self._append(c)
        self._store.execute(
            "INSERT INTO field_collections(id, receipt_no, customer_key, collected_at, amount_fen, method, reference, "
            "order_id, event_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (c.collection_id, c.receipt_no, customer_key(c.customer_id, c.new_customer_id), c.collected_at.isoformat(),
             c.amount_fen, c.method.value, c.reference, c.order_id, env.seq))
        return env

    def collection(self, collection_id: str) -> CollectionRow | None:
        r = self._store.one(f"SELECT c.*, {_ACKED.format(t='c')} AS synced FROM field_collections c WHERE c.id=?",
                            (collection_id,))
        return None if r is None else _collection(r)

    def collections(self, *, customer_keys: Iterable[str] | None = None, since: str | None = None,
                    until: str | None = None, unsynced_only: bool = False) -> list[CollectionRow]:
        where, params = self._window("c.collected_at", since, until)
        if customer_keys is not None:
            where.append("c.customer_key IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(customer_keys)))
        if unsynced_only:
            where.append(f"NOT {_ACKED.format(t='c')}")
        sql = f"SELECT c.*, {_ACKED.format(t='c')} AS synced FROM field_collections c"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [_collection(r) for r in self._store.all(sql + " ORDER BY c.collected_at, c.event_seq", tuple(params))]

    # ------------------------------------------------------------------ returns against orders

    def add_return(self, ret: OrderReturnRecorded) -> EventEnvelope:
        env = self._append(ret)
        self._store.execute(
            "INSERT INTO field_returns(id, return_no, order_id, kind, returned_at, event_seq) VALUES (?, ?, ?, ?, ?, ?)",
            (ret.return_id, ret.return_no, ret.order_id, ret.kind.value, ret.returned_at.isoformat(), env.seq))
        return env

    def returns_of(self, order_id: str) -> list[OrderReturnRecorded]:
        """This tablet's returns against an order, oldest first (central's figures come with the order)."""
        out = []
        for r in self._store.all("SELECT event_seq FROM field_returns WHERE order_id=? ORDER BY returned_at",
                                 (order_id,)):
            data = self.payload(int(r[0]))
            if data is not None:
                out.append(OrderReturnRecorded.model_validate(data))
        return out

    def unsynced_return_ids(self, order_id: str) -> set[str]:
        return {str(r[0]) for r in self._store.all(
            f"SELECT t.id FROM field_returns t WHERE t.order_id=? AND NOT {_ACKED.format(t='t')}", (order_id,))}

    # ------------------------------------------------------------------ customers made or edited here

    def add_new_customer(self, c: CustomerCreated) -> EventEnvelope:
        env = self._append(c)
        self._store.execute("INSERT INTO field_new_customers(id, name, created_at, data, event_seq) VALUES (?, ?, ?, ?, ?)",
                            (c.customer_id, c.name, c.created_at.isoformat(), c.model_dump_json(), env.seq))
        return env

    def new_customers(self) -> list[CustomerCreated]:
        return [CustomerCreated.model_validate_json(r[0]) for r in self._store.all(
            "SELECT data FROM field_new_customers ORDER BY created_at")]

    def add_customer_edit(self, edit: CustomerUpdated) -> EventEnvelope:
        env = self._append(edit)
        self._store.conn.executemany(
            "INSERT INTO field_customer_edits(customer_id, field, value, edited_at, event_seq) VALUES (?, ?, ?, ?, ?)",
            [(edit.customer_id, k, v, edit.edited_at.isoformat(), env.seq) for k, v in edit.fields.items()])
        return env

    def unsynced_edits(self, customer_id: int) -> dict[str, str | None]:
        """Field → value of this tablet's edits central has not acknowledged yet (later edits win)."""
        rows = self._store.all(
            f"SELECT e.field, e.value FROM field_customer_edits e WHERE e.customer_id=? AND NOT {_ACKED.format(t='e')} "
            "ORDER BY e.edited_at, e.id", (customer_id,))
        return {str(r[0]): (None if r[1] is None else str(r[1])) for r in rows}

    # ------------------------------------------------------------------ central's orders (pulled)

    def central_orders(self, *, customer_id: int | None = None, order_ids: Iterable[str] | None = None
                       ) -> list[dict[str, Any]]:
        """`sales_order` rows pulled from central (`sync.master.SalesOrderInfo` dicts), newest first:
        of one customer, or these ids, or all of them."""
        sql = "SELECT data FROM master WHERE entity='sales_order'"
        params: list[Any] = []
        if customer_id is not None:
            sql += " AND json_extract(data, '$.customer_id') = ?"
            params.append(customer_id)
        if order_ids is not None:
            sql += " AND id IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(order_ids)))
        rows = [dict(json.loads(r[0])) for r in self._store.all(sql, tuple(params))]
        rows.sort(key=lambda d: str(d.get("ordered_at") or ""), reverse=True)
        return rows

    # ------------------------------------------------------------------ photos

    def add_attachment(self, sha256: str, size: int, content_type: str, created_at: str) -> bool:
        """Remember a photo by content; False when the same bytes were kept already (idempotent)."""
        with self._store.transaction() as store:
            cur = store.execute("INSERT OR IGNORE INTO field_attachments(sha256, size, content_type, created_at) "
                                "VALUES (?, ?, ?, ?)", (sha256, size, content_type, created_at))
            return bool(cur.rowcount)

    def attachments_to_upload(self, limit: int = 20) -> list[AttachmentRow]:
        """Photos not uploaded yet whose event central acknowledged (uploading earlier is refused)."""
        rows = self._store.all(
            "SELECT a.*, o.status = 'acked' AS event_acked FROM field_attachments a JOIN outbox o ON o.seq = a.event_seq "
            "WHERE a.status <> 'done' AND o.status = 'acked' ORDER BY a.created_at LIMIT ?", (limit,))
        return [AttachmentRow(sha256=r["sha256"], size=int(r["size"]), content_type=r["content_type"],
                              uploaded_bytes=int(r["uploaded_bytes"]), status=r["status"], attempts=int(r["attempts"]),
                              event_acked=bool(r["event_acked"])) for r in rows]

    def attachment_progress(self, sha256: str, uploaded_bytes: int, *, done: bool = False,
                            error: str | None = None) -> None:
        with self._store.transaction() as store:
            store.execute("UPDATE field_attachments SET uploaded_bytes=?, status=?, attempts=attempts+?, last_error=? "
                          "WHERE sha256=?", (uploaded_bytes, "done" if done else "uploading",
                                             1 if error else 0, error, sha256))

    def attachment_counts(self) -> dict[str, int]:
        return {str(r[0]): int(r[1]) for r in self._store.all(
            "SELECT status, count(*) FROM field_attachments GROUP BY status")}
