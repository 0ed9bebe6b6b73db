"""`/api/v1/review/flags`: the review list of claims central did not believe, and resolving them.

Head office (admin, finance) reads every store's flags and resolves them; a store manager reads
their own store's flags only; tills and cashiers see none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from central.api.deps import IdPath, IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import Strict, text
from central.auth.deps import require
from central.auth.principal import Principal, UserPrincipal
from central.auth.roles import Permission as P
from central.review import service
from central.review.service import KIND_NAMES

router = APIRouter(prefix="/review", tags=["review 复核"])

Reader = Annotated[Principal, require(P.REVIEW_READ, devices=False)]
Resolver = Annotated[Principal, require(P.REVIEW_RESOLVE, devices=False)]


class FlagOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    kind_name: str = ""
    kind_name_en: str = ""
    store_id: int | None
    terminal_id: int | None
    event_id: str | None
    subject: str | None
    claimed: dict[str, Any]
    computed: dict[str, Any]
    message_zh: str
    message_en: str
    status: str
    created_at: datetime
    resolved_by: int | None
    resolved_at: datetime | None
    resolution_note: str | None


def flag_out(row: Any) -> FlagOut:
    out = FlagOut.model_validate(row)
    zh, en = KIND_NAMES.get(out.kind, (out.kind, out.kind))
    return out.model_copy(update={"kind_name": zh, "kind_name_en": en})


class ResolveIn(Strict):
    note: text(500) = Field(description="what was found or done (required: it is the record)")  # type: ignore[valid-type]


@router.get("/flags", response_model=Page[FlagOut], summary="复核清单 / claims central did not believe")
def list_flags(
    session: SessionDep, who: Reader, page: PageDep,
    status: Annotated[Literal["open", "resolved", "all"], Query(description="open (default), resolved or all")] = "open",
    kind: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")] = None,
    store_id: IdQuery = None, terminal_id: IdQuery = None,
    event_id: Annotated[str | None, Query(max_length=40, pattern=r"^[0-9A-Za-z-]+$")] = None,
) -> object:
    if who.store_id is not None:
        who.check_store(store_id if store_id is not None else who.store_id)
        store_id = who.store_id
    stmt = service.flags_query(status=None if status == "all" else status, kind=kind, store_id=store_id,
                               terminal_id=terminal_id, event_id=event_id)
    return paginate(session, stmt, page, flag_out)


@router.get("/flags/{flag_id}", response_model=FlagOut, summary="复核事项 / one flag")
def get_flag(flag_id: IdPath, session: SessionDep, who: Reader) -> FlagOut:
    row = service.get_flag(session, flag_id)
    who.check_store(row.store_id)
    return flag_out(row)


@router.post("/flags/{flag_id}/resolve", response_model=FlagOut, summary="处理复核事项 / resolve a flag")
def resolve_flag(flag_id: IdPath, body: ResolveIn, session: SessionDep, who: Resolver) -> FlagOut:
    row = service.get_flag(session, flag_id, for_update=True)
    who.check_store(row.store_id)
    user_id = who.user_id if isinstance(who, UserPrincipal) else None
    return flag_out(service.resolve(session, row, note=body.note, user_id=user_id))
