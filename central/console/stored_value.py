"""Console area 储值卡 (`/stored-value`): top-up bonus rules, a member's balance and movements, adjustments.

Rules and adjustments go through the API's schemas and `central.stored_value.service` (audited).
Members are found by card number, phone, or the phone's last four digits (a short list when
several match). Head office (stored_value.write: admin, finance) sets rules and adjusts balances;
store managers read.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import or_, select

from central.api.deps import IdPath, SessionDep
from central.auth.roles import Permission as P
from central.console.i18n import register
from central.console.listing import Listing, Sort
from central.console.web import (
    NAV,
    ConsoleRoute,
    FormErrors,
    NavItem,
    Viewer,
    form_errors,
    page,
    parse_yuan,
    render,
)
from central.errors import Invalid, NotFound
from central.members.models import Member
from central.org.models import Store
from central.stored_value import service
from central.stored_value.models import StoredValueEntry, StoredValueRule
from central.stored_value.schemas import AdjustIn, RuleIn
from sync.store_time import day_start_utc

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/stored-value", "储值卡", (P.STORED_VALUE_READ,)))

Reader = Annotated[Viewer, page(P.STORED_VALUE_READ)]
Writer = Annotated[Viewer, page(P.STORED_VALUE_WRITE)]

KIND_NAMES = {"topup": "充值", "bonus": "赠送", "pay": "消费", "refund": "退款退回", "adjust": "调整"}
MOVEMENTS = Listing(sorts=[Sort("id", "时间", StoredValueEntry.__table__.c.id)], tiebreak=StoredValueEntry.__table__.c.id,
                    default_sort="id",
                    default_desc=True)
MAX_FOUND = 20


def _stores(session: SessionDep) -> list[tuple[int, str, str]]:
    return [(s.id, s.code, s.name) for s in session.scalars(select(Store).where(Store.active.is_(True))
                                                            .order_by(Store.code))]


def _home(request: Request, viewer: Viewer, session: SessionDep, *, form: dict[str, Any] | None = None,
          errors: FormErrors | None = None, status: int = 200, found: list[Member] | None = None,
          q: str = "") -> Response:
    rules = list(session.scalars(select(StoredValueRule).order_by(StoredValueRule.active.desc(),
                                                                  StoredValueRule.min_topup_fen)))
    return render(request, viewer, "stored_value/home.html", status=status, rules=rules, stores=_stores(session),
                  form=form or {}, errors=errors or FormErrors(), flash_error=errors.general if errors else None,
                  found=found, q=q)


@router.get("/stored-value")
def home(request: Request, viewer: Reader, session: SessionDep, q: str = "") -> Response:
    q = q.strip()[:32]
    found = None
    if q:
        cond = [Member.card_no == q, Member.phone == q]
        if q.isdigit() and len(q) == 4:
            cond.append(Member.phone.like(f"%{q}"))
        found = list(session.scalars(select(Member).where(or_(*cond)).order_by(Member.card_no).limit(MAX_FOUND + 1)))
        if len(found) == 1:
            return RedirectResponse(f"/stored-value/members/{found[0].id}", status_code=303)
    return _home(request, viewer, session, found=found, q=q)


def _day(text: str, *, end: bool = False) -> Any:
    if not text.strip():
        return None
    day = date.fromisoformat(text.strip())
    return day_start_utc(day + timedelta(days=1) if end else day)


@router.post("/stored-value/rules")
async def create_rule(request: Request, viewer: Writer, session: SessionDep) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "store_ids"}
    stores = [int(str(s)) for s in form.getlist("store_ids") if str(s).isdigit()]
    try:
        body = RuleIn.model_validate({
            "name": values.get("name", ""), "min_topup_fen": parse_yuan(values.get("min_topup")) or 0,
            "bonus_fen": parse_yuan(values.get("bonus")) or 0,
            "bonus_bp": round(float(values.get("bonus_percent") or 0) * 100),
            "valid_from": _day(values.get("valid_from", "")), "valid_to": _day(values.get("valid_to", ""), end=True),
            "store_ids": stores})
        service.create_rule(session, actor=viewer.principal, **body.model_dump())
    except (ValidationError, Invalid, NotFound) as exc:
        return _home(request, viewer, session, form={**values, "store_ids": stores},
                     errors=form_errors(viewer.locale, exc), status=422)
    except ValueError:
        return _home(request, viewer, session, form={**values, "store_ids": stores},
                     errors=FormErrors(general=viewer.t("金额、比例或日期格式不对")), status=422)
    return RedirectResponse("/stored-value", status_code=303)


@router.post("/stored-value/rules/{rule_id}/active")
def set_active(rule_id: IdPath, viewer: Writer, session: SessionDep,
               active: Annotated[str, Form(max_length=1)] = "") -> Response:
    rule = service.get_rule(session, rule_id)
    service.update_rule(session, rule, {"active": active == "1"}, actor=viewer.principal)
    return RedirectResponse("/stored-value", status_code=303)


def _member_page(request: Request, viewer: Viewer, session: SessionDep, member: Member, *,
                 errors: FormErrors | None = None, status: int = 200, flash_ok: str | None = None) -> Response:
    moves = MOVEMENTS.page(session, select(StoredValueEntry).where(StoredValueEntry.member_id == member.id),
                           MOVEMENTS.params(request))
    return render(request, viewer, "stored_value/member.html", status=status, member=member, moves=moves,
                  kinds=KIND_NAMES, store_codes={sid: c for sid, c, _n in _stores(session)},
                  errors=errors or FormErrors(), flash_error=errors.general if errors else None, flash_ok=flash_ok)


@router.get("/stored-value/members/{member_id}")
def member_page(request: Request, member_id: str, viewer: Reader, session: SessionDep) -> Response:
    member = service.get_member(session, member_id[:36])
    return _member_page(request, viewer, session, member,
                        flash_ok=viewer.t("已调整") if request.query_params.get("adjusted") else None)


@router.post("/stored-value/members/{member_id}/adjust")
def adjust(request: Request, member_id: str, viewer: Writer, session: SessionDep,
           amount: Annotated[str, Form(max_length=20)] = "", note: Annotated[str, Form(max_length=200)] = "") -> Response:
    member = service.get_member(session, member_id[:36])
    try:
        text = amount.strip()
        negative = text.startswith("-")
        fen = parse_yuan(text.lstrip("-+")) or 0
        body = AdjustIn.model_validate({"amount_fen": -fen if negative else fen, "note": note})
        service.adjust(session, member, amount_fen=body.amount_fen, note=body.note, actor=viewer.principal)
    except (ValidationError, Invalid) as exc:
        return _member_page(request, viewer, session, member, errors=form_errors(viewer.locale, exc), status=422)
    except ValueError:
        return _member_page(request, viewer, session, member,
                            errors=FormErrors(general=viewer.t("金额格式不对")), status=422)
    return RedirectResponse(f"/stored-value/members/{member.id}?adjusted=1", status_code=303)


register({
    "储值卡": "Stored value",
    "充值": "Top-up",
    "赠送": "Bonus",
    "消费": "Payment",
    "退款退回": "Refund",
    "调整": "Adjustment",
    "已调整": "Balance adjusted",
    "金额格式不对": "The amount is not in a form we can read",
    "充值赠送规则": "Top-up bonus rules",
    "充满（元）": "Top up at least (yuan)",
    "赠送（元）": "Bonus (yuan)",
    "赠送比例（%）": "Bonus (% of the top-up)",
    "新建充值赠送规则": "New bonus rule",
    "同一次充值只按赠送最多的一条规则": "A top-up gets the one rule that gives the most",
    "查会员储值": "Find a member's stored value",
    "卡号、手机号或手机尾号四位": "Card no., phone, or the phone's last four digits",
    "没有找到会员": "No member found",
    "找到多位会员，请选择": "Several members match: pick one",
    "余额": "Balance",
    "储值流水": "Stored-value movements",
    "调整余额": "Adjust the balance",
    "确认调整": "Adjust",
    "金额（元，可为负）": "Amount (yuan, may be negative)",
    "说明（必填）": "Why (required)",
    "透支": "Overdrawn",
    "单号": "Document",
    "变动": "Change",
    "结余": "Balance after",
    "会员 {card}": "Member {card}",
    "返回储值卡": "Back to stored value",
    "手机": "Phone",
    "姓名": "Name",
    "卡号": "Card no.",
    "规则": "Rule",
})
