"""What central checks of a pushed sale's claims before it credits them (#10 §2).

A sale that happened is never refused for these: its money and stock go in as the till sent them.
What central does not take on the till's word:

- Points. The points a sale earns and costs are worked out again with the shared rules of
  `sync.points` (the very functions `sync.pricing.price_cart` calls at the till): earned on what
  the sale took in money before 抹零 at the earn rate of the member level the sale cites, redeemed
  as the points worth the value the sale shows paid with points. The recomputed figures are what
  the ledger gets; any difference is flagged. Redeeming more than the member's balance is applied
  (the customer had the discount) and flagged. Members are chain-wide (central ships every member
  to every till), so a member of another store earns like any other.
- Unit prices. Each line's unit price must be the one `sync.pricing.unit_price_rule` gives for
  that store, customer, member level and time (base price, customer and group price lists, member
  level discount and 会员价), or a manager-approved override naming the approving manager (the
  line's `approved_by`). Anything else is flagged.
- The cashier. The sale's cashier must be till staff of the till's store (`central.users.till_staff`,
  the same check as a return's cashier and a shift's opener).

Versions: a sale cites the change-feed cursor it was priced with (`price_version`). Central keeps
only the current state of its master data (the feed is compacted), so when the member level, the
member or a line's product changed at central after that cursor, central cannot know the old
values: it then credits the smaller of the till's points and its own figure (never more than the
current rules give) and says in the flag that the rules changed since the sale's version.

Everything is read once per run of sales (one query per kind of row, none per sale or line), and
the flags go to the review list (`central.review.service.flag`) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from central.bulk import in_list
from central.customers.models import Customer
from central.members.models import Member
from central.pricing.models import MemberLevel, MemberLevelPrice, PriceList, PriceListItem
from central.review.service import flag
from central.syncing.models import SyncFeed
from central.users.models import User
from central.users.till_staff import flag_not_till_staff, not_till_staff
from sync.catalog import CustomerTerms, in_window
from sync.catalog import MemberLevel as LevelRule
from sync.events import SaleCompleted, Tender
from sync.master import Entity
from sync.points import PointsPolicy, points_for_value, sale_points_earned
from sync.pricing import SOURCE_GIFT, SOURCE_OVERRIDE, unit_price_rule

APPROVER_ROLES = frozenset({"store_manager", "admin"})
"""Who may approve a price override at the till (`terminal.session.MANAGER_ROLES`)."""


def _t(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def points_policy(store_id: int) -> PointsPolicy:
    """The points policy the store's tills price with. Central ships none (no `points_policy` in the
    store settings), so every till uses the contract's default; central checks with the same."""
    return PointsPolicy()


@dataclass(frozen=True, slots=True)
class PointsCredit:
    """What central credits for one sale: points earned (+) and redeemed (taken off the balance)."""

    earned: int
    redeemed: int


def _fmt(n: int) -> str:
    return f"{n:,}"


@lru_cache(maxsize=4)
def _statements(dialect: str) -> dict[str, Any]:
    members, users, customers = _t(Member), _t(User), _t(Customer)
    feed = _t(SyncFeed)
    from central.catalog.models import ProductUnit

    units = _t(ProductUnit)
    return {
        "members": select(members.c.id, members.c.level, members.c.active).where(
            in_list(members.c.id, "ids", dialect)),
        "users": select(users.c.id, users.c.store_id, users.c.role, users.c.active).where(
            in_list(users.c.id, "ids", dialect)),
        "customers": select(customers.c.id, customers.c.group_id, customers.c.discount_bp).where(
            in_list(customers.c.id, "ids", dialect)),
        "units": select(units.c.product_id, units.c.code, units.c.price_fen).where(
            in_list(units.c.product_id, "ids", dialect)),
        "feed": select(feed.c.entity, feed.c.entity_id, func.max(feed.c.seq)).where(
            feed.c.entity == bindparam("entity"), in_list(feed.c.entity_id, "ids", dialect)
        ).group_by(feed.c.entity, feed.c.entity_id),
    }


def _levels(session: Session) -> dict[str, LevelRule]:
    """Central's member levels as the contract's rule objects; read once per session."""
    cached: dict[str, LevelRule] | None = session.info.get("claims_levels")
    if cached is None:
        from central.pricing.service import member_level_to_contract

        cached = {lv.code: member_level_to_contract(lv) for lv in session.scalars(select(MemberLevel))}
        session.info["claims_levels"] = cached
    return cached


def _feed_seqs(session: Session, entity: Entity, ids: set[str]) -> dict[str, int]:
    """The change-feed version of each of these rows (absent: never published)."""
    if not ids:
        return {}
    q = _statements(session.get_bind().dialect.name)["feed"]
    return {str(eid): int(seq) for _e, eid, seq in session.execute(q, {"entity": entity.value, "ids": sorted(ids)})}


def _users(session: Session, ids: set[int]) -> dict[int, tuple[int | None, str, bool]]:
    """(store, role, active) of these users; remembered for the session."""
    cache: dict[int, tuple[int | None, str, bool]] = session.info.setdefault("claims_users", {})
    wanted = sorted(ids - set(cache))
    if wanted:
        q = _statements(session.get_bind().dialect.name)["users"]
        for uid, store, role, active in session.execute(q, {"ids": wanted}):
            cache[int(uid)] = (store, str(role), bool(active))
    return {i: cache[i] for i in ids if i in cache}


# ---------------------------------------------------------------------------- points


def points_value_fen(ev: SaleCompleted) -> int:
    """The value the sale shows paid with points: a `points` tender, or (as the till sends it) the
    discounts the lines carry beyond the sale's `discount_fen` (`price_cart`: discount_fen = line and
    order discounts − the points' value)."""
    tendered = sum(p.amount_fen for p in ev.payments if p.tender == Tender.POINTS)
    in_lines = sum(ln.line_discount_fen + ln.order_discount_fen for ln in ev.lines) - ev.discount_fen
    return tendered + max(0, in_lines)


def paid_in_money_fen(ev: SaleCompleted) -> int:
    """What the sale took before 抹零, not counting what points paid: Σ line amounts (the till puts
    the points' value in the lines' order discounts) less any `points` tender."""
    return sum(ln.amount_fen for ln in ev.lines) - sum(p.amount_fen for p in ev.payments if p.tender == Tender.POINTS)


def check_points(session: Session, events: Sequence[SaleCompleted], *, store_id: int,
                 terminal_id: int) -> dict[str, PointsCredit]:
    """The points to credit for each member sale (by sale id), flagging every claim that differs."""
    member_sales = [ev for ev in events if ev.member_id is not None]
    if not member_sales:
        return {}
    policy = points_policy(store_id)
    levels = _levels(session)
    q = _statements(session.get_bind().dialect.name)["members"]
    members = {str(mid): (str(level), bool(active)) for mid, level, active in
               session.execute(q, {"ids": sorted({ev.member_id for ev in member_sales if ev.member_id})})}
    out: dict[str, PointsCredit] = {}
    doubtful: list[tuple[SaleCompleted, int, int, str]] = []  # (sale, earned by rules, redeemed by rules, level)
    for ev in member_sales:
        assert ev.member_id is not None
        current_level = members.get(ev.member_id, ("", True))[0]
        level_code = current_level if ev.member_level in (None, current_level) else ev.member_level
        level = levels.get(level_code or "")
        due = paid_in_money_fen(ev)
        earned = sale_points_earned(due, level.earn_milli if level is not None else None, policy)
        redeemed = points_for_value(points_value_fen(ev), policy)
        out[ev.sale_id] = PointsCredit(earned, redeemed)
        if earned != ev.points_earned or redeemed != ev.points_redeemed or level_code != current_level:
            doubtful.append((ev, earned, redeemed, level_code or ""))
    if not doubtful:
        return out
    # Only now (a claim that differs): did the level's rules change after the sale's version?
    level_seqs = _feed_seqs(session, Entity.MEMBER_LEVEL, {lv for _e, _a, _b, lv in doubtful}
                            | {members.get(str(e.member_id), ("",))[0] for e, _a, _b, _l in doubtful})
    for ev, earned, redeemed, level_code in doubtful:
        current_level = members.get(str(ev.member_id), ("", True))[0]
        changed = level_seqs.get(level_code, 0) > ev.price_version or \
            level_seqs.get(current_level, 0) > ev.price_version
        if level_code != current_level:
            # the sale names another level than the member has now: the member may have moved
            # since (central keeps no history of it), so central credits the smaller figure
            other = levels.get(current_level)
            earned = min(earned, sale_points_earned(paid_in_money_fen(ev), other.earn_milli if other is not None
                                                    else None, policy))
        if changed:
            earned = min(earned, ev.points_earned)
        out[ev.sale_id] = PointsCredit(earned, redeemed)
        if earned == ev.points_earned and redeemed == ev.points_redeemed:
            continue
        why_zh, why_en = [], []
        if earned != ev.points_earned:
            why_zh.append(f"获得积分按 {_fmt(earned)} 入账，不是收银机声称的 {_fmt(ev.points_earned)}")
            why_en.append(f"credited {_fmt(earned)} points, not {_fmt(ev.points_earned)}")
        if redeemed != ev.points_redeemed:
            why_zh.append(f"抵扣积分按 {_fmt(redeemed)} 扣减，不是 {_fmt(ev.points_redeemed)}")
            why_en.append(f"took {_fmt(redeemed)} redeemed points off the balance, not {_fmt(ev.points_redeemed)}")
        due = paid_in_money_fen(ev)
        basis_zh = (f"（会员等级 {current_level or '无'}，实收 ¥{due / 100:.2f}，积分抵扣 ¥{points_value_fen(ev) / 100:.2f}"
                    + (f"，单据写的等级是 {ev.member_level}" if ev.member_level not in (None, current_level) else "")
                    + ("；会员等级规则在该单所用版本之后改过，按较少者入账" if changed else "") + "）")
        basis_en = (f" (member level {current_level or 'none'}, paid ¥{due / 100:.2f}, paid with points "
                    f"¥{points_value_fen(ev) / 100:.2f}"
                    + (f"; the sale names level {ev.member_level}" if ev.member_level not in (None, current_level)
                       else "")
                    + ("; the level's rules changed after the version the sale was priced with, so the "
                       "smaller figure was credited" if changed else "") + ")")
        flag(session, kind="points_mismatch", store_id=store_id, terminal_id=terminal_id, event_id=None,
             subject=ev.receipt_no,
             claimed={"points_earned": ev.points_earned, "points_redeemed": ev.points_redeemed,
                      "member_level": ev.member_level, "price_version": ev.price_version},
             computed={"points_earned": earned, "points_redeemed": redeemed, "member_level": current_level,
                       "paid_fen": due, "points_value_fen": points_value_fen(ev)},
             message_zh="；".join(why_zh) + basis_zh, message_en="; ".join(why_en) + basis_en)
    return out


def flag_overdrawn(session: Session, overdrawn: Sequence[tuple[str, str, int, int]], receipts: dict[str, str], *,
                   store_id: int, terminal_id: int) -> None:
    """Flag sales whose redemption took the member's balance below zero: (sale id, member id,
    points redeemed, balance after). Applied all the same: the customer had the discount."""
    for sale_id, member_id, points, balance in overdrawn:
        flag(session, kind="points_overdrawn", store_id=store_id, terminal_id=terminal_id, event_id=None,
             subject=receipts.get(sale_id, sale_id),
             claimed={"points_redeemed": points}, computed={"balance_after": balance, "member_id": member_id},
             message_zh=f"会员积分不足：抵扣 {_fmt(points)} 积分后余额为 {_fmt(balance)}（销售已入账，请核查）",
             message_en=f"redeemed {_fmt(points)} points beyond the member's balance: the balance is now "
                        f"{_fmt(balance)} (the sale is applied; please check)")


# ---------------------------------------------------------------------------- cashier


def check_cashiers(session: Session, events: Sequence[SaleCompleted], *, store_id: int, terminal_id: int) -> None:
    """Flag sales whose cashier is not till staff of this store (`central.users.till_staff`: an
    active user of the store with a till role, or a head-office admin); one query for the run."""
    problems = not_till_staff(session, (ev.cashier_id for ev in events if ev.cashier_id is not None), store_id)
    if not problems:
        return
    for ev in events:
        problem = problems.get(ev.cashier_id) if ev.cashier_id is not None else None
        if problem is not None:
            flag_not_till_staff(session, problem, kind="cashier_not_of_store", terminal_id=terminal_id,
                                event_id=None, subject=ev.receipt_no, doing_zh=f"收款（小票 {ev.receipt_no}）",
                                doing_en=f"rang up sale {ev.receipt_no}")


# ---------------------------------------------------------------------------- unit prices


@dataclass(frozen=True, slots=True)
class _PriceData:
    base: dict[tuple[int, str], int]
    customers: dict[int, CustomerTerms]
    lists: dict[tuple[str, int, int, str], list[tuple[int, int, int, datetime | None, datetime | None]]]
    """(scope, target, product, unit) → (−priority, price, list id, from, to), sorted as the till's index."""
    member_prices: dict[tuple[str, int, str], list[tuple[int, datetime | None, datetime | None]]]


def _price_data(session: Session, events: Sequence[SaleCompleted]) -> _PriceData:
    """The pricing rows these sales' lines need, one query per kind."""
    dialect = session.get_bind().dialect.name
    st = _statements(dialect)
    product_ids = sorted({ln.product_id for ev in events for ln in ev.lines})
    base = {(p, c): f for p, c, f in session.execute(st["units"], {"ids": product_ids}).tuples()}
    customer_ids = sorted({ev.customer_id for ev in events if ev.customer_id is not None})
    customers: dict[int, CustomerTerms] = {}
    lists: dict[tuple[str, int, int, str], list[tuple[int, int, int, datetime | None, datetime | None]]] = {}
    if customer_ids:
        for cid, group, pct in session.execute(st["customers"], {"ids": customer_ids}):
            customers[int(cid)] = CustomerTerms(customer_id=int(cid), group_id=group, percent_off_bp=int(pct or 0))
        groups = sorted({c.group_id for c in customers.values() if c.group_id is not None})
        pl, item = _t(PriceList), _t(PriceListItem)
        targets = or_(and_(pl.c.scope == "customer", pl.c.target_id.in_(customer_ids)),
                      and_(pl.c.scope == "customer_group", pl.c.target_id.in_(groups or [-1])))
        rows = session.execute(
            select(pl.c.scope, pl.c.target_id, pl.c.priority, pl.c.id, pl.c.valid_from, pl.c.valid_to,
                   item.c.product_id, item.c.unit_code, item.c.price_fen)
            .join(item, item.c.price_list_id == pl.c.id)
            .where(pl.c.active.is_(True), targets, item.c.product_id.in_(product_ids)))
        for scope, target, prio, lid, vf, vt, pid, unit, price in rows:
            lists.setdefault((str(scope), int(target), int(pid), str(unit)), []).append(
                (-int(prio), int(price), int(lid), vf, vt))
        for cands in lists.values():
            cands.sort(key=lambda c: c[:3])
    member_prices: dict[tuple[str, int, str], list[tuple[int, datetime | None, datetime | None]]] = {}
    if any(ev.member_id is not None for ev in events):
        mp = _t(MemberLevelPrice)
        for code, pid, unit, price, vf, vt in session.execute(
                select(mp.c.level_code, mp.c.product_id, mp.c.unit_code, mp.c.price_fen, mp.c.valid_from,
                       mp.c.valid_to).where(mp.c.product_id.in_(product_ids))):
            member_prices.setdefault((str(code), int(pid), str(unit)), []).append((int(price), vf, vt))
        for prices in member_prices.values():
            prices.sort(key=lambda m: m[0])
    return _PriceData(base, customers, lists, member_prices)


def _first_valid(cands: list[tuple[int, int, int, datetime | None, datetime | None]] | None,
                 at: datetime) -> int | None:
    for c in cands or ():
        if in_window(at, c[3], c[4]):
            return c[1]
    return None


def check_prices(session: Session, events: Sequence[SaleCompleted], *, store_id: int, terminal_id: int) -> None:
    """Flag sales with a line whose unit price is neither the rules' price nor an approved override."""
    if not events:
        return
    data = _price_data(session, events)
    levels = _levels(session)
    approvers = _users(session, {ln.approved_by for ev in events for ln in ev.lines
                                 if ln.approved_by is not None})
    doubtful: list[tuple[SaleCompleted, list[dict[str, Any]]]] = []
    for ev in events:
        customer = data.customers.get(ev.customer_id) if ev.customer_id is not None else None
        level = levels.get(ev.member_level or "") if ev.member_id is not None else None
        at = ev.sold_at
        wrong: list[dict[str, Any]] = []
        if customer is None and level is None:  # the common sale: base prices only (unit_price_rule's answer)
            get = data.base.get
            if all(ln.price_source != SOURCE_OVERRIDE and get((ln.product_id, ln.unit_code)) == ln.unit_price_fen
                   for ln in ev.lines):
                continue
        for ln in ev.lines:
            if ln.price_source == SOURCE_OVERRIDE:
                approver = approvers.get(ln.approved_by) if ln.approved_by is not None else None
                if approver is None or not approver[2] or approver[1] not in APPROVER_ROLES or \
                        approver[0] not in (None, store_id):
                    wrong.append({"line_no": ln.line_no, "sku": ln.sku, "unit_price_fen": ln.unit_price_fen,
                                  "price_source": ln.price_source, "approved_by": ln.approved_by,
                                  "expected": None})
                continue
            base = data.base.get((ln.product_id, ln.unit_code))
            if base is None:
                expected: int | None = None
            elif ln.is_gift or ln.price_source == SOURCE_GIFT:
                expected = base
            else:
                own = grp = mprice = None
                if customer is not None:
                    own = _first_valid(data.lists.get(("customer", customer.customer_id, ln.product_id,
                                                       ln.unit_code)), at)
                    if own is None and customer.group_id is not None:
                        grp = _first_valid(data.lists.get(("customer_group", customer.group_id, ln.product_id,
                                                           ln.unit_code)), at)
                if level is not None:
                    for price, vf, vt in data.member_prices.get((level.code, ln.product_id, ln.unit_code), ()):
                        if in_window(at, vf, vt):
                            mprice = price
                            break
                expected = unit_price_rule(base, level=level, member_price_fen=mprice)[0]
                if customer is not None and expected != ln.unit_price_fen:
                    # a sale naming a customer may be priced on the customer's terms (the rep's
                    # tablet) or not (the cashier's till prices for walk-in customers): either holds
                    expected = unit_price_rule(base, customer=customer, customer_price_fen=own, group_price_fen=grp,
                                               level=level, member_price_fen=mprice)[0]
            if expected != ln.unit_price_fen:
                wrong.append({"line_no": ln.line_no, "sku": ln.sku, "unit_price_fen": ln.unit_price_fen,
                              "price_source": ln.price_source, "expected": expected})
        if wrong:
            doubtful.append((ev, wrong))
    if not doubtful:
        return
    seqs = _feed_seqs(session, Entity.PRODUCT, {str(ln.product_id) for ev, _w in doubtful for ln in ev.lines})
    by_line = {(ev.sale_id, ln.line_no): ln.product_id for ev, _w in doubtful for ln in ev.lines}
    for ev, wrong in doubtful:
        changed = any(seqs.get(str(by_line[(ev.sale_id, w["line_no"])]), 0) > ev.price_version for w in wrong)
        parts_zh, parts_en = [], []
        for w in wrong:
            price_text = f"¥{w['unit_price_fen'] / 100:.2f}"
            if w["price_source"] == SOURCE_OVERRIDE:
                parts_zh.append(f"第 {w['line_no']} 行 {w['sku']} 改价为 {price_text}，但没有写明批准的店长"
                                if w["approved_by"] is None else
                                f"第 {w['line_no']} 行 {w['sku']} 改价为 {price_text}，批准人 {w['approved_by']} 不是本店店长")
                parts_en.append(f"line {w['line_no']} ({w['sku']}) overridden to {price_text} without naming an approving "
                                "manager" if w["approved_by"] is None else
                                f"line {w['line_no']} ({w['sku']}) overridden to {price_text}, approved by "
                                f"{w['approved_by']}, who is not a manager of this store")
            elif w["expected"] is None:
                parts_zh.append(f"第 {w['line_no']} 行 {w['sku']} 的单位 {price_text} 在总部没有价格")
                parts_en.append(f"line {w['line_no']} ({w['sku']}): central has no price for this unit")
            else:
                parts_zh.append(f"第 {w['line_no']} 行 {w['sku']} 单价 {price_text}，总部价格 ¥{w['expected'] / 100:.2f}")
                parts_en.append(f"line {w['line_no']} ({w['sku']}) sold at {price_text}, central's price is "
                                f"¥{w['expected'] / 100:.2f}")
        tail_zh = "；该商品在此单所用价格版本之后改过价，无法核实当时的价格" if changed else ""
        tail_en = ("; the product changed at central after the price version the sale cites, so the price "
                   "then cannot be checked") if changed else ""
        flag(session, kind="price_unverified", store_id=store_id, terminal_id=terminal_id, event_id=None,
             subject=ev.receipt_no,
             claimed={"price_version": ev.price_version,
                      "lines": [{k: w[k] for k in ("line_no", "sku", "unit_price_fen", "price_source")}
                                | ({"approved_by": w["approved_by"]} if "approved_by" in w else {}) for w in wrong]},
             computed={"lines": [{"line_no": w["line_no"], "unit_price_fen": w["expected"]} for w in wrong],
                       "changed_since_version": changed},
             message_zh="；".join(parts_zh) + tail_zh + "（销售已入账，请核查）",
             message_en="; ".join(parts_en) + tail_en + " (the sale is applied; please check)")


def check_sale_claims(session: Session, events: Sequence[SaleCompleted], *, store_id: int,
                      terminal_id: int) -> dict[str, PointsCredit]:
    """All the checks above for a run of sales; returns the points to credit per member sale."""
    check_cashiers(session, events, store_id=store_id, terminal_id=terminal_id)
    check_prices(session, events, store_id=store_id, terminal_id=terminal_id)
    return check_points(session, events, store_id=store_id, terminal_id=terminal_id)


__all__ = ["PointsCredit", "check_cashiers", "check_points", "check_prices", "check_sale_claims", "flag_overdrawn",
           "points_policy", "points_value_fen"]
