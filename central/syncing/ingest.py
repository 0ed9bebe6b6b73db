"""Push ingest: apply a batch of terminal events exactly once, in one transaction with the domains.

Per event, inside a savepoint: record it in the event log with `INSERT … ON CONFLICT DO NOTHING
RETURNING` (the database decides, never check-then-insert), and only if this insert won, call the
domain's ingest service (H4's `apply_*`) in the same transaction. A repeat with the same payload
hash is a `duplicate`; with another hash a `conflict` (quarantined). A domain error rolls the
savepoint back and the event is logged `rejected` and quarantined for head office; an error that
means "a record this event needs has not arrived yet" is `deferred` (nothing written).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol, cast

from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from central.bulk import JsonText, copy_unless_conflict, pg_execute, recordset_sql
from central.db import utcnow
from central.errors import DomainError, NotYetAtCentral
from central.inventory.models import StockOnHand
from central.sales.ingest import store_warehouse
from central.syncing.feed import insert_ignore
from central.syncing.handlers import BATCH_HANDLERS, HANDLERS, STORE_STOCK_HANDLERS, BatchHandler, Handler
from central.syncing.models import SyncEvent, SyncQuarantine
from sync.events import EventEnvelope, EventType, canonical_bytes, canonical_json
from sync.protocol import EventResult, EventStatus, PushRequest, PushResponse
from sync.ranges import describe

REP_EVENTS = frozenset({EventType.FIELD_ORDER_CREATED, EventType.VISIT_NOTE_CREATED, EventType.CUSTOMER_UPDATED,
                        EventType.CUSTOMER_CREATED, EventType.VISIT_RECORDED, EventType.COLLECTION_RECORDED,
                        EventType.ORDER_RETURN_RECORDED})
"""Events of a rep's tablet: their services also get the device's rep id, to check it is the rep's own."""

DEFERRABLE_CODES: frozenset[str] = frozenset(NotYetAtCentral)
"""Domain error codes meaning "something this event refers to has not reached central yet" (no
handler raises `sale_not_found`, `shift_not_found` or `not_yet`, which were listed here too)."""


class Device(Protocol):
    """What ingest needs of the authenticated device (H3's device principal)."""

    @property
    def terminal_id(self) -> int: ...
    @property
    def store_id(self) -> int | None: ...
    @property
    def rep_id(self) -> int | None: ...


@dataclass(frozen=True)
class DeviceScope:
    terminal_id: int
    store_id: int | None
    rep_id: int | None = None


class Rejection(Exception):
    """An event refused before the domain saw it (forged scope, bad payload)."""

    def __init__(self, code: str, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message = message
        self.message_en = message_en


def handler_for(event_type: EventType) -> Handler | None:
    """The domain service that applies `event_type` (None: central cannot apply it yet)."""
    return HANDLERS.get(event_type)


def check_scope(device: Device, env: EventEnvelope, payload: BaseModel) -> None:
    """A terminal may only push its own events for its own store (and, for a rep, as that rep)."""
    if env.terminal_id != device.terminal_id:
        raise Rejection("forbidden_terminal", "事件不属于本终端", "event belongs to another terminal")
    if getattr(payload, "terminal_id", device.terminal_id) != device.terminal_id:
        raise Rejection("forbidden_terminal", "事件内容中的终端不是本终端",
                        "event payload names another terminal")
    store_id = getattr(payload, "store_id", None)
    if store_id is not None and store_id != device.store_id:
        raise Rejection("forbidden_store", "事件属于其他门店", "event belongs to another store")
    rep_id = getattr(payload, "rep_id", None)
    if rep_id is not None and rep_id != device.rep_id:
        raise Rejection("forbidden_rep", "事件属于其他业务员", "event belongs to another sales rep")


def parse(env: EventEnvelope, texts: dict[str, str] | None = None, now: datetime | None = None) -> BaseModel:
    """The event's payload, validated with the wire contract's ranges (`sync.ranges`, times around
    `now`); `texts` (when given) gets its canonical JSON text, which the hash was checked over and
    which the event log stores as the payload (one encoding, not two)."""
    text = _canonical(env)
    if text is None:
        raise Rejection("hash_mismatch", "事件校验值不符", "payload hash does not match the payload")
    if texts is not None:
        texts[env.event_id] = text
    try:
        return env.parsed(now)
    except ValidationError as exc:
        raise Rejection(*describe(exc.errors())) from exc


def _canonical(env: EventEnvelope) -> str | None:
    """The payload's canonical JSON text (`sync.events.canonical_bytes`, the terminal's own fast
    path) if its sha256 is the envelope's hash, else None."""
    text = canonical_bytes(env.payload)
    return text.decode() if hashlib.sha256(text).hexdigest() == env.payload_hash else None


def push(session: Session, device: Device, request: PushRequest,
         received_at: datetime | None = None) -> PushResponse:
    """Apply a batch in the caller's transaction (the caller commits) and say what happened to each.

    Fast path, under one savepoint: one `INSERT … ON CONFLICT (event_id) DO NOTHING RETURNING`
    records the whole batch in the event log (the database decides which events are new); the new
    ones are applied in seq order, a run of events with a bulk path (`BATCH_HANDLERS`: sales) with
    one check per event and then one statement per table for the accepted ones, any other event
    under its own savepoint. Refused events are then logged `rejected` and quarantined (or, when
    deferred, un-logged), repeats answered `duplicate`/`conflict` from one query of the log. If the
    bulk write itself fails, the savepoint is rolled back and the batch replayed event by event
    (`_one`), so one bad event never blocks or half-applies the others.
    """
    now = received_at or utcnow()
    results: dict[str, EventResult] = {}
    ready: list[tuple[EventEnvelope, BaseModel, Handler]] = []
    texts: dict[str, str] = {}
    seen: set[str] = set()
    for env in sorted(request.events, key=lambda e: e.seq):
        if env.event_id in seen:
            continue  # the same event twice in one batch: answered once below
        seen.add(env.event_id)
        try:
            payload = parse(env, texts, now)
            check_scope(device, env, payload)
        except Rejection as rej:
            results[env.event_id] = _refuse(session, device, env, rej, now)
            continue
        handler = handler_for(env.type)
        if handler is None:
            results[env.event_id] = EventResult(
                event_id=env.event_id, status=EventStatus.DEFERRED, code="not_supported_yet",
                message="总部暂不能处理此类事件", message_en="central cannot apply this event type yet")
            continue
        ready.append((env, payload, handler))
    if ready:
        results.update(_apply_batch(session, device, ready, now, texts))
    ordered = [results[env.event_id] for env in request.events if env.event_id in results]
    answered = set()
    unique = []
    for r in ordered:
        if r.event_id not in answered:
            answered.add(r.event_id)
            unique.append(r)
    return PushResponse(results=unique, server_time=now)


def _apply_batch(session: Session, device: Device, ready: list[tuple[EventEnvelope, BaseModel, Handler]],
                 now: datetime, texts: dict[str, str]) -> dict[str, EventResult]:
    """Log and apply the batch under one savepoint; see `push`. Falls back to `_one` per event
    when the bulk write itself fails (a database error the checks did not foresee)."""
    savepoint = session.begin_nested()
    try:
        won = _log_events(session, device, [env for env, _p, _h in ready], now, texts)
        todo = [item for item in ready if item[0].event_id in won]
        runs = list(_runs(todo))
        postings = sum(1 for group, batch in runs if any(getattr(p, "lines", None) for _e, p, _h in group))
        if postings > 1:  # several stock postings in this batch: take all their on-hand locks first
            _lock_stock_rows(session, device, [p for _env, p, h in todo if h in STORE_STOCK_HANDLERS])
        refused: dict[str, DomainError] = {}
        for group, batch in runs:
            if batch is not None:
                payloads = [p for _env, p, _h in group]
                errors = batch.check(session, payloads, terminal_id=device.terminal_id, store_id=device.store_id,
                                     read_clashes=False)  # the unique keys refuse a clash: see _one
                good = []
                for (env, payload, _h), err in zip(group, errors, strict=True):
                    if err is None:
                        good.append(payload)
                    else:
                        refused[env.event_id] = err
                batch.write(session, good, terminal_id=device.terminal_id, store_id=device.store_id,
                            received_at=now)
                continue
            env, payload, handler = group[0]
            inner = session.begin_nested()  # one event of another kind: its own savepoint
            try:
                _call(handler, session, device, env, payload, now)
                session.flush()
            except DomainError as err:
                inner.rollback()
                _forget_caches(session)
                refused[env.event_id] = err
                continue
            except IntegrityError as err:
                inner.rollback()
                _forget_caches(session)
                refused[env.event_id] = _clash(err)
                continue
            except UNSTORABLE as err:
                inner.rollback()
                _forget_caches(session)
                refused[env.event_id] = _unstorable(err)
                continue
            except BaseException:
                if inner.is_active:
                    inner.rollback()
                raise
            inner.commit()
        answers = _settle(session, device, [env for env, _p, _h in todo if env.event_id in refused], refused, now)
        session.flush()
    except (DomainError, IntegrityError, DataError, OverflowError):  # UNSTORABLE too
        savepoint.rollback()
        _forget_caches(session)
        session.info.pop(_ROOM, None)  # what the rolled-back refusals took is free again
        return {env.event_id: _one(session, device, env, now) for env, _p, _h in ready}
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    savepoint.commit()
    for env, _p, _h in todo:
        answers.setdefault(env.event_id, EventResult(event_id=env.event_id, status=EventStatus.APPLIED))
    answers.update(_repeats(session, device, [env for env, _p, _h in ready if env.event_id not in won], now))
    return answers


def batch_handler_for(event_type: EventType, handler: Handler) -> BatchHandler | None:
    """The bulk path of `event_type`, used only while its single-event handler is the one the bulk
    path stands for (a test that swaps the handler gets the event-by-event path)."""
    batch = BATCH_HANDLERS.get(event_type)
    return batch if batch is not None and batch.single is handler else None


def _runs(todo: list[tuple[EventEnvelope, BaseModel, Handler]]
          ) -> Iterator[tuple[list[tuple[EventEnvelope, BaseModel, Handler]], BatchHandler | None]]:
    """The batch in seq order as runs: consecutive events with a bulk path together (a run never
    spans another event, so each event still sees everything before it), others one at a time."""
    i = 0
    while i < len(todo):
        env, _p, handler = todo[i]
        batch = batch_handler_for(env.type, handler)
        j = i + 1
        if batch is not None:
            while j < len(todo) and todo[j][0].type == env.type:
                j += 1
        yield todo[i:j], batch
        i = j


UNSTORABLE: tuple[type[Exception], ...] = (DataError, OverflowError)
"""What a database says of a value it cannot hold (a NUL byte in PostgreSQL text, a string longer
than its column, a number too large for it; SQLite's driver raises OverflowError for an integer
beyond 64 bits). The wire contract's ranges (`sync.ranges`) keep such values out; should one still
get through, the event that carries it is quarantined, not the batch refused."""


def _unstorable(err: Exception) -> DomainError:
    orig = getattr(err, "orig", None) or err
    detail = str(orig).splitlines()[0][:200] if str(orig) else type(orig).__name__
    return DomainError(f"总部数据库无法保存此事件的某个值：{detail}",
                       f"central's database cannot hold a value of this event: {detail}", code="unstorable")


def _clash(err: IntegrityError) -> DomainError:
    detail = str(err.orig)[:200] if err.orig is not None else ""
    return DomainError(f"与总部已有数据冲突：{detail}", f"clashes with data central holds: {detail}",
                       code="integrity_conflict")


def _settle(session: Session, device: Device, envs: list[EventEnvelope], refused: dict[str, DomainError],
            now: datetime) -> dict[str, EventResult]:
    """Events the bulk path logged as applied but refused: deferred ones leave no trace (their log
    row goes, so they can come again), rejected ones are logged `rejected` and quarantined."""
    answers: dict[str, EventResult] = {}
    deferred, rejected = [], []
    for env in envs:
        err = refused[env.event_id]
        if err.code in DEFERRABLE_CODES:
            deferred.append(env.event_id)
            answers[env.event_id] = EventResult(event_id=env.event_id, status=EventStatus.DEFERRED, code=err.code,
                                                message=err.message, message_en=err.message_en)
        elif not _take_room(session, device, now):
            deferred.append(env.event_id)
            answers[env.event_id] = _quarantine_full(env)
        else:
            rejected.append(env)
            answers[env.event_id] = EventResult(event_id=env.event_id, status=EventStatus.REJECTED, code=err.code,
                                                message=err.message, message_en=err.message_en)
    log = cast(Table, SyncEvent.__table__)
    if deferred:
        session.execute(delete(log).where(log.c.event_id.in_(deferred)))
    if rejected:
        session.execute(update(log).where(log.c.event_id.in_([env.event_id for env in rejected]))
                        .values(status="rejected"))
        for env in rejected:
            err = refused[env.event_id]
            _quarantine(session, device, env, "rejected", err.code, err.message, err.message_en, now)
    return answers


def _refuse(session: Session, device: Device, env: EventEnvelope, rej: Rejection, now: datetime) -> EventResult:
    if rej.code.startswith("forbidden"):
        # not logged under the event id: a forged event must not block the real one
        if not _take_room(session, device, now):
            return _quarantine_full(env)
        _quarantine(session, device, env, "rejected", rej.code, rej.message, rej.message_en, now)
        return EventResult(event_id=env.event_id, status=EventStatus.REJECTED, code=rej.code,
                           message=rej.message, message_en=rej.message_en)
    return _reject(session, device, env, rej.code, rej.message, rej.message_en, now)


def _one(session: Session, device: Device, env: EventEnvelope, now: datetime) -> EventResult:
    try:
        payload = parse(env, now=now)
        check_scope(device, env, payload)
    except Rejection as rej:
        return _refuse(session, device, env, rej, now)

    handler = handler_for(env.type)
    if handler is None:
        return EventResult(event_id=env.event_id, status=EventStatus.DEFERRED, code="not_supported_yet",
                           message="总部暂不能处理此类事件", message_en="central cannot apply this event type yet")
    savepoint = session.begin_nested()
    try:
        won = insert_ignore(session, SyncEvent.__table__, [_log_row(device, env, now, "applied")],
                            ["event_id"], returning=SyncEvent.__table__.c.event_id).first()
        if won is None:
            savepoint.commit()
            return _repeat(session, device, env, now)
        _call(handler, session, device, env, payload, now)
        session.flush()
        savepoint.commit()
    except DomainError as err:
        savepoint.rollback()
        _forget_caches(session)
        if err.code in DEFERRABLE_CODES:
            return EventResult(event_id=env.event_id, status=EventStatus.DEFERRED, code=err.code,
                               message=err.message, message_en=err.message_en)
        return _reject(session, device, env, err.code, err.message, err.message_en, now)
    except IntegrityError as err:
        # the event clashes with data central holds (e.g. a receipt number used by another event)
        savepoint.rollback()
        _forget_caches(session)
        detail = str(err.orig)[:200] if err.orig is not None else ""
        return _reject(session, device, env, "integrity_conflict", f"与总部已有数据冲突：{detail}",
                       f"clashes with data central holds: {detail}", now)
    except UNSTORABLE as err:
        savepoint.rollback()
        _forget_caches(session)
        why = _unstorable(err)
        return _reject(session, device, env, why.code, why.message, why.message_en, now)
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    return EventResult(event_id=env.event_id, status=EventStatus.APPLIED)


def _lock_stock_rows(session: Session, device: Device, payloads: list[BaseModel]) -> None:
    """Take the batch's on-hand row locks up front, in primary-key order (PostgreSQL).

    A stock posting locks its on-hand rows in order, but a batch with several postings (a run of
    sales, a return, more sales) would lock them posting by posting; two tills of one store pushing
    such batches at once could then deadlock. Locking the whole batch's rows first, sorted, makes
    concurrent batches queue instead. A batch with a single posting (one run of sales, the usual
    push) needs no such lock: its one statement takes them in order, as late as it can (the run's
    headers and lines are written first), so tills of one store wait on each other only briefly."""
    if session.get_bind().dialect.name != "postgresql" or device.store_id is None:
        return
    products = sorted({line.product_id for p in payloads for line in getattr(p, "lines", ())})
    if not products:
        return
    try:
        warehouse = store_warehouse(session, device.store_id)
    except DomainError:
        return  # the events themselves will say so
    session.execute(select(StockOnHand.product_id).where(
        StockOnHand.warehouse_id == warehouse, StockOnHand.product_id.in_(products))
        .order_by(StockOnHand.product_id).with_for_update())


def _call(handler: Handler, session: Session, device: Device, env: EventEnvelope, payload: BaseModel,
          now: datetime) -> None:
    extra = {"rep_id": device.rep_id} if env.type in REP_EVENTS else {}
    handler(session, payload, terminal_id=device.terminal_id, store_id=device.store_id, received_at=now, **extra)


def _forget_caches(session: Session) -> None:
    """Domains may cache lookups in `session.info` for a batch; a rolled-back savepoint makes them
    stale, so drop them all (the feed's own bookkeeping stays)."""
    from central.syncing.feed import _TOUCHED

    for key in [k for k in session.info if k not in (_TOUCHED, _ROOM)]:
        del session.info[key]


def _log_row(device: Device, env: EventEnvelope, now: datetime, status: str) -> dict[str, Any]:
    return {
        "event_id": env.event_id, "terminal_id": device.terminal_id, "store_id": device.store_id,
        "seq": env.seq, "type": env.type.value, "payload_hash": env.payload_hash, "payload": env.payload,
        "occurred_at": env.occurred_at, "received_at": now, "status": status,
    }


@lru_cache(maxsize=4)
def _log_statement(dialect: str) -> Any:
    """`INSERT INTO sync_events … ON CONFLICT (event_id) DO NOTHING RETURNING event_id`, built once;
    executed with the batch's rows, SQLAlchemy sends it as multi-row VALUES pages (insertmanyvalues)."""
    table = cast(Table, SyncEvent.__table__)
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        stmt: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as lite_insert
        stmt = lite_insert(table)
    return stmt.on_conflict_do_nothing(index_elements=["event_id"]).returning(table.c.event_id)


_LOG_COLUMNS = ("event_id", "terminal_id", "store_id", "seq", "type", "payload_hash", "payload", "occurred_at",
                "received_at", "status")


def _log_events(session: Session, device: Device, envs: list[EventEnvelope], now: datetime,
                texts: dict[str, str]) -> set[str]:
    """Record the batch in the event log; the ids this insert won (the others were there already).

    PostgreSQL: COPY of the whole batch (the payloads as their canonical JSON text) when none is
    in the log yet, else one `INSERT … SELECT FROM json_to_recordset(…) ON CONFLICT DO NOTHING
    RETURNING`; elsewhere the latter through SQLAlchemy. The unique key decides in both cases."""
    if not envs:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        # nearly always every event is new: COPY them; only when the unique key on event_id
        # refuses (a repeat) take the ON CONFLICT statement below, which sorts out which are
        tuples = [(e.event_id, device.terminal_id, device.store_id, e.seq, e.type.value, e.payload_hash,
                   JsonText(texts.get(e.event_id) or canonical_json(e.payload)), e.occurred_at, now, "applied")
                  for e in envs]
        if copy_unless_conflict(session, cast(Table, SyncEvent.__table__), _LOG_COLUMNS, tuples):
            return {e.event_id for e in envs}
        sql = recordset_sql(cast(Table, SyncEvent.__table__), _LOG_COLUMNS,
                            "ON CONFLICT (event_id) DO NOTHING RETURNING event_id")
        common = f',"terminal_id":{device.terminal_id},"store_id":{json.dumps(device.store_id)},' \
                 f'"received_at":"{now.isoformat()}","status":"applied","payload":'
        rows = ",".join(
            json.dumps({"event_id": e.event_id, "seq": e.seq, "type": e.type.value, "payload_hash": e.payload_hash,
                        "occurred_at": e.occurred_at.isoformat()}, ensure_ascii=False)[:-1]
            + common + (texts.get(e.event_id) or canonical_json(e.payload)) + "}" for e in envs)
        return {row[0] for row in pg_execute(session, sql, ["[" + rows + "]"])}
    stmt = _log_statement(session.get_bind().dialect.name)
    return set(session.execute(stmt, [_log_row(device, env, now, "applied") for env in envs]).scalars())


def _repeats(session: Session, device: Device, envs: list[EventEnvelope], now: datetime) -> dict[str, EventResult]:
    """`_repeat` for many events, with one query for the log rows (and one for quarantine rows)."""
    if not envs:
        return {}
    log = SyncEvent.__table__.c
    logged = {r.event_id: r for r in session.execute(
        select(log.event_id, log.payload_hash, log.status, log.terminal_id)
        .where(log.event_id.in_([env.event_id for env in envs])))}
    same = {env.event_id for env in envs if (row := logged.get(env.event_id)) is not None
            and row.payload_hash == env.payload_hash and row.terminal_id == device.terminal_id}
    rejected = [env.event_id for env in envs if env.event_id in same and logged[env.event_id].status == "rejected"]
    why: dict[tuple[str, str], Any] = {}
    if rejected:
        q = SyncQuarantine.__table__.c
        why = {(r.event_id, r.payload_hash): r for r in session.execute(
            select(q.event_id, q.payload_hash, q.code, q.message, q.message_en).where(q.event_id.in_(rejected)))}
    answers: dict[str, EventResult] = {}
    for env in envs:
        if env.event_id not in logged:
            answers[env.event_id] = _repeat(session, device, env, now)
        elif env.event_id not in same:
            answers[env.event_id] = _conflict(session, device, env, now)
        elif logged[env.event_id].status == "rejected":
            r = why.get((env.event_id, env.payload_hash))
            answers[env.event_id] = EventResult(
                event_id=env.event_id, status=EventStatus.REJECTED, code=r.code if r else "rejected",
                message=r.message if r else None, message_en=r.message_en if r else None)
        else:
            answers[env.event_id] = EventResult(event_id=env.event_id, status=EventStatus.DUPLICATE)
    return answers


def _repeat(session: Session, device: Device, env: EventEnvelope, now: datetime) -> EventResult:
    """The event id is already in the log: same payload → duplicate (with the first answer's
    status), another payload → conflict, reported and quarantined."""
    logged = session.execute(
        select(SyncEvent.payload_hash, SyncEvent.status, SyncEvent.terminal_id)
        .where(SyncEvent.event_id == env.event_id)
    ).one()
    if logged.payload_hash == env.payload_hash and logged.terminal_id == device.terminal_id:
        if logged.status == "rejected":
            q = session.execute(
                select(SyncQuarantine.code, SyncQuarantine.message, SyncQuarantine.message_en)
                .where(SyncQuarantine.event_id == env.event_id,
                       SyncQuarantine.payload_hash == env.payload_hash)
            ).first()
            return EventResult(event_id=env.event_id, status=EventStatus.REJECTED,
                               code=q.code if q else "rejected", message=q.message if q else None,
                               message_en=q.message_en if q else None)
        return EventResult(event_id=env.event_id, status=EventStatus.DUPLICATE)
    return _conflict(session, device, env, now)


def _conflict(session: Session, device: Device, env: EventEnvelope, now: datetime) -> EventResult:
    msg = "同一事件编号收到了不同内容，已隔离待总部处理"
    msg_en = "the same event id arrived with a different payload; quarantined for head office"
    if not _take_room(session, device, now):
        return _quarantine_full(env)
    _quarantine(session, device, env, "conflict", "payload_conflict", msg, msg_en, now)
    return EventResult(event_id=env.event_id, status=EventStatus.CONFLICT, code="payload_conflict",
                       message=msg, message_en=msg_en)


def _reject(session: Session, device: Device, env: EventEnvelope, code: str, message: str,
            message_en: str, now: datetime) -> EventResult:
    if not _take_room(session, device, now):
        return _quarantine_full(env)
    won = insert_ignore(session, SyncEvent.__table__, [_log_row(device, env, now, "rejected")],
                        ["event_id"], returning=SyncEvent.__table__.c.event_id).first()
    if won is None:
        return _repeat(session, device, env, now)
    _quarantine(session, device, env, "rejected", code, message, message_en, now)
    return EventResult(event_id=env.event_id, status=EventStatus.REJECTED, code=code, message=message,
                       message_en=message_en)


def _quarantine(session: Session, device: Device, env: EventEnvelope, kind: str, code: str,
                message: str, message_en: str, now: datetime) -> None:
    insert_ignore(session, SyncQuarantine.__table__, [{
        "event_id": env.event_id, "payload_hash": env.payload_hash, "kind": kind,
        "terminal_id": device.terminal_id, "store_id": device.store_id, "type": env.type.value,
        "seq": env.seq, "code": code[:64], "message": message, "message_en": message_en,
        "envelope": env.model_dump(mode="json"), "received_at": now,
    }], ["event_id", "payload_hash"])


_ROOM = "sync_quarantine_room"
"""`session.info` key: quarantine rows this push may still add for its terminal (counted once)."""


def _take_room(session: Session, device: Device, now: datetime) -> bool:
    """Whether this terminal may put one more event in quarantine this hour (and count it if so).

    The cap (`central.settings.quarantine_per_hour`) bounds what one device can make central store
    about events it refuses; the count is read once per push, on the first refusal only, so the
    push of a working till never pays for it."""
    from central.settings import quarantine_per_hour

    room = session.info.get(_ROOM)
    if room is None:
        cap = quarantine_per_hour()
        q = SyncQuarantine.__table__.c
        recent = select(q.id).where(q.terminal_id == device.terminal_id,
                                    q.received_at > now - timedelta(hours=1)).limit(cap).subquery()
        room = cap - int(session.execute(select(func.count()).select_from(recent)).scalar_one())
    if room <= 0:
        session.info[_ROOM] = 0
        return False
    session.info[_ROOM] = room - 1
    return True


def _quarantine_full(env: EventEnvelope) -> EventResult:
    """The answer for a refused event that finds this terminal's quarantine full: nothing stored,
    the till keeps the event and sends it again later."""
    from central.settings import quarantine_per_hour

    cap = quarantine_per_hour()
    return EventResult(
        event_id=env.event_id, status=EventStatus.DEFERRED, code="quarantine_full",
        message=f"本终端一小时内被总部拒收的事件已达上限（{cap} 条），此事件暂留终端，稍后再传；请联系总部检查终端",
        message_en=f"this terminal has had {cap} events refused by central in the last hour; this one stays on "
                   "the terminal and is sent again later. Ask head office to check the terminal")
