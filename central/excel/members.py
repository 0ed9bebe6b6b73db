"""Members from a spreadsheet (matched by card number) through the members service, row by row:
the same checks as the API (`MemberIn`, card and phone unique, the level must exist). Member lists
are thousands of rows, not hundreds of thousands, so the per-row service is fast enough and keeps
one home for the rules. Points are never imported (they move only through the points ledger)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.auth.principal import Principal
from central.auth.roles import Permission
from central.errors import DomainError
from central.excel.columns import Column
from central.excel.importing import Applied, Reporter, read_cells, validation_problems
from central.excel.lists import MEMBER_COLUMNS, MEMBER_EXPORT_ONLY
from central.excel.reader import Row, Table
from central.members import service
from central.members.models import Member
from central.members.schemas import MemberIn
from central.org.models import Store

FIELDS = ("phone", "name", "birthday", "level", "home_store_id", "active")


class MemberImporter:
    kind = "members"
    title = "会员"
    permission = Permission.MEMBERS_WRITE
    columns: Sequence[Column] = MEMBER_COLUMNS
    extra: Sequence[Column] = MEMBER_EXPORT_ONLY

    def begin(self, session: Session, who: Principal | None, table: Table, report: Reporter) -> None:
        self.table, self.who = table, who
        self.stores = dict(session.execute(select(Store.code, Store.id)).all())
        self.cards: dict[str, int] = {}
        self.phones: dict[str, int] = {}

    def parse(self, row: Row, report: Reporter) -> tuple[int, str, dict[str, Any]] | None:
        values = read_cells(row, self.table, report)
        if values is None:
            return None
        fields: dict[str, Any] = {k: values[k] for k in ("phone", "name", "birthday", "level") if k in values}
        if fields.get("level") is None and "level" in fields:
            fields["level"] = "normal"
        if values.get("active") is not None:
            fields["active"] = values["active"]
        if "home_store" in values:
            code = values["home_store"]
            if code is not None and code not in self.stores:
                report(row.number, "home_store", f"没有这个门店：{code}", f"no such store: {code}")
                return None
            fields["home_store_id"] = self.stores.get(code) if code else None
            if self.who is not None and fields["home_store_id"] is not None:
                try:
                    self.who.check_store(fields["home_store_id"])
                except DomainError as exc:
                    report.error(row.number, "home_store", exc)
                    return None
        try:
            MemberIn.model_validate({"card_no": values["card_no"],
                                     **{k: v for k, v in fields.items() if k != "active"}})
        except ValidationError as exc:
            validation_problems(exc, row.number, report, lambda loc: {"home_store_id": "home_store"}.get(
                str(loc[0]), str(loc[0])) if loc else None)
            return None
        card = str(values["card_no"]).strip()
        for key, seen, what, what_en in ((card, self.cards, "会员卡号", "card number"),
                                         (fields.get("phone"), self.phones, "手机号", "phone")):
            if key is None:
                continue
            if key in seen:
                report(row.number, "card_no" if seen is self.cards else "phone",
                       f"{what}重复：{key} 已在第 {seen[key]} 行", f"{what_en} {key} repeats: already on row {seen[key]}")
                return None
            seen[key] = row.number
        return row.number, card, fields

    def apply(self, session: Session, records: list[tuple[int, str, dict[str, Any]]], report: Reporter, *,
              write: bool) -> Applied:
        out = Applied()
        existing = {m.card_no: m for m in session.scalars(select(Member).where(
            Member.card_no.in_([card for _n, card, _f in records])))}
        changes: list[tuple[str, dict[str, Any] | None, dict[str, Any]]] = []
        for number, card, fields in records:
            member = existing.get(card)
            savepoint = session.begin_nested()
            try:
                if member is None:
                    made = service.create_member(session, self.who, audited=False, card_no=card, **fields)
                    out.created.append(made.id)
                    changes.append((made.id, None, {"card_no": card, **fields}))
                else:
                    before = {k: getattr(member, k) for k in fields}
                    changed = {k: v for k, v in fields.items() if before[k] != v}
                    if not changed:
                        out.unchanged += 1
                        savepoint.commit()
                        continue
                    service.update_member(session, member, changed, self.who, audited=False)
                    out.updated.append(member.id)
                    changes.append((member.id, {k: before[k] for k in changed}, changed))
            except DomainError as exc:
                savepoint.rollback()
                column = {"card_no": "card_no", "phone": "phone", "level": "level", "active": "active",
                          "home_store_id": "home_store"}.get(exc.field or "", None)
                report.error(number, column, exc)
                continue
            if write and not report.bad:
                savepoint.commit()
            else:
                savepoint.rollback()
        if write and not report.bad:
            audit.record_many(session, actor=report.who, action="member.import", entity_type="member",
                              changes=changes, reason=report.reason)
        return out
