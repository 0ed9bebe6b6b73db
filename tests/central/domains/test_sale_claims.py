"""Central is the authority on a pushed sale's points, prices and cashier (#10 §2).

Every sale here goes through the real push API (`POST /api/v1/sync/push` with an enrolled till's
credential), several to a batch, so the push's bulk path is the one checked: the sale is applied
as it happened, central credits its own points figures, and every claim that does not hold is on
the review list (`/api/v1/review/flags`) in plain words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from central.auth.roles import DeviceKind
from central.db import session_scope
from central.members.models import Member, PointsEntry
from central.org import service as org
from central.review.models import ReviewFlag
from central.sales.models import Sale
from sync.events import SaleLinePayload, make_event
from sync.protocol import PROTOCOL_VERSION

from .conftest import World, line, sale, shift_opened

Headers = dict[str, str]


def _till(client: TestClient, engine: Engine, store_id: int) -> tuple[int, Headers]:
    with session_scope(engine) as s:
        code, _ = org.make_enrolment_code(s, store_id=store_id, kind=DeviceKind.POS)
    cred = client.post("/api/v1/enroll", json={"code": code}).json()
    return int(cred["terminal_id"]), {"Authorization": f"Device {cred['credential']}"}


def _push(client: TestClient, till: tuple[int, Headers], payloads: list[Any]) -> list[str]:
    tid, headers = till
    events = [make_event(terminal_id=tid, seq=n, payload=p.model_copy(update={"terminal_id": tid}))
              .model_dump(mode="json") for n, p in enumerate(payloads, start=1)]
    r = client.post("/api/v1/sync/push", headers=headers,
                    json={"protocol_version": PROTOCOL_VERSION, "terminal_id": tid, "events": events})
    assert r.status_code == 200, r.text
    return [x["status"] for x in r.json()["results"]]


def _flags(client: TestClient, admin: Headers) -> list[dict[str, Any]]:
    r = client.get("/api/v1/review/flags", headers=admin, params={"limit": 100})
    assert r.status_code == 200, r.text
    return list(reversed(r.json()["items"]))


def test_minted_points_are_not_credited_and_are_flagged(client: TestClient, engine: Engine, admin: Headers,
                                                        world: World) -> None:
    # given a member of the other store (members are chain-wide) with 500 points, at level gold (1 a yuan)
    with session_scope(engine) as s:
        member = s.get(Member, world.member)
        assert member is not None
        member.home_store_id = world.store2
    till = _till(client, engine, world.store)
    ten_yuan = [line(1, world.cola, 2, 300), line(2, world.cola, 2, 300, discount=200)]  # ¥6 + ¥4
    minted = sale(world, ten_yuan, member_id=world.member, member_level="gold", points_earned=5_000_000)
    honest = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)], member_id=world.member, member_level="gold",
                  points_earned=59)
    # a redemption the sale's figures do not back: 10,000 points claimed for ¥1.00 of points value
    redeemed = sale(world, [line(1, world.cola, 1, 300, order_discount=100)], member_id=world.member,
                    member_level="gold", points_earned=2, points_redeemed=10_000)
    redeemed = redeemed.model_copy(update={"discount_fen": 0})  # the ¥1.00 in the lines was paid with points
    # when the till pushes them in one batch (the bulk path)
    assert _push(client, till, [shift_opened(world), minted, honest, redeemed]) == ["applied"] * 4
    # then each sale is applied, with central's points: 10 for the ¥10 sale, not five million
    with Session(engine) as s:
        assert s.scalar(select(Sale.points_earned).where(Sale.id == minted.sale_id)) == 10
        entries = s.execute(select(PointsEntry.source_id, PointsEntry.kind, PointsEntry.points)
                            .order_by(PointsEntry.id)).all()
        assert [(k, p) for sid, k, p in entries if sid == minted.sale_id] == [("earn", 10)]
        assert [(k, p) for sid, k, p in entries if sid == redeemed.sale_id] == [("redeem", -100), ("earn", 2)]
        member = s.get(Member, world.member)
        assert member is not None
        assert member.points_balance == 500 + 10 + 59 - 100 + 2
    flags = _flags(client, admin)
    assert [(f["kind"], f["subject"]) for f in flags] == [("points_mismatch", minted.receipt_no),
                                                           ("points_mismatch", redeemed.receipt_no)]
    first = flags[0]
    assert first["kind_name"] == "积分与规则不符"
    assert first["message_en"].startswith("credited 10 points, not 5,000,000 (member level gold, paid ¥10.00")
    assert first["message_zh"].startswith("获得积分按 10 入账，不是收银机声称的 5,000,000")
    assert first["claimed"]["points_earned"] == 5_000_000
    assert first["computed"]["points_earned"] == 10
    assert first["store_id"] == world.store
    assert flags[1]["message_en"].startswith("took 100 redeemed points off the balance, not 10,000")


def test_redeeming_beyond_the_balance_is_applied_and_flagged(client: TestClient, engine: Engine, admin: Headers,
                                                             world: World) -> None:
    till = _till(client, engine, world.store)
    big = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900, order_discount=800)], member_id=world.member,
               member_level="gold", points_earned=51, points_redeemed=800)
    big = big.model_copy(update={"discount_fen": 0})
    assert _push(client, till, [shift_opened(world), big]) == ["applied", "applied"]
    with Session(engine) as s:
        member = s.get(Member, world.member)
        assert member is not None
        assert member.points_balance == 500 - 800 + 51
    flags = _flags(client, admin)
    assert [f["kind"] for f in flags] == ["points_overdrawn"]
    assert flags[0]["message_en"].startswith("redeemed 800 points beyond the member's balance: the balance is now -300")


def test_unit_prices_must_be_central_prices_or_an_approved_override(
        client: TestClient, engine: Engine, admin: Headers, world: World, make_user: Callable[..., int]) -> None:
    manager = make_user("mgr1", role="store_manager", store_id=world.store)
    other_manager = make_user("mgr2", role="store_manager", store_id=world.store2)
    till = _till(client, engine, world.store)

    def override(approved_by: int | None) -> SaleLinePayload:
        return line(1, world.cola, 1, 100).model_copy(update={"price_source": "override", "approved_by": approved_by})

    box = line(2, world.cola, 1, 6600, unit="box", factor=24)
    good = sale(world, [line(1, world.cola, 2, 300), box])
    cheap = sale(world, [line(1, world.cola, 2, 300), line(2, world.rice, 1, 990, tax_bp=900)])
    approved = sale(world, [override(manager)])
    unapproved = sale(world, [override(None)])
    foreign = sale(world, [override(other_manager)])
    statuses = _push(client, till, [shift_opened(world), good, cheap, approved, unapproved, foreign])
    assert statuses == ["applied"] * 6  # a wrong price is flagged, never refused
    flags = _flags(client, admin)
    assert [(f["kind"], f["subject"]) for f in flags] == [
        ("price_unverified", cheap.receipt_no), ("price_unverified", unapproved.receipt_no),
        ("price_unverified", foreign.receipt_no)]
    assert flags[0]["kind_name"] == "价格无法核实"
    assert flags[0]["message_en"].startswith(f"line 2 (SKU{world.rice}) sold at ¥9.90, central's price is ¥59.90")
    assert "总部价格 ¥59.90" in flags[0]["message_zh"]
    assert flags[1]["message_en"].startswith(
        f"line 1 (SKU{world.cola}) overridden to ¥1.00 without naming an approving manager")
    assert f"approved by {other_manager}, who is not a manager of this store" in flags[2]["message_en"]


def test_member_and_level_prices_follow_the_shared_rule(client: TestClient, engine: Engine, admin: Headers,
                                                        world: World) -> None:
    from central.pricing.models import MemberLevel, MemberLevelPrice

    with session_scope(engine) as s:
        s.add(MemberLevelPrice(level_code="gold", product_id=world.rice, unit_code="pc", price_fen=4990))
        level = s.scalars(select(MemberLevel).where(MemberLevel.code == "gold")).one()
        level.percent_off_bp = 1000  # 9折 on everything else
    till = _till(client, engine, world.store)
    member_sale = sale(world, [line(1, world.rice, 1, 4990, tax_bp=900), line(2, world.cola, 1, 270)],
                       member_id=world.member, member_level="gold", points_earned=52)
    walk_in = sale(world, [line(1, world.rice, 1, 4990, tax_bp=900)])  # a member price without a member
    assert _push(client, till, [shift_opened(world), member_sale, walk_in]) == ["applied"] * 3
    flags = _flags(client, admin)
    assert [(f["kind"], f["subject"]) for f in flags] == [("price_unverified", walk_in.receipt_no)]


def test_the_cashier_must_be_a_till_user_of_the_store(client: TestClient, engine: Engine, admin: Headers,
                                                      world: World, make_user: Callable[..., int]) -> None:
    foreign = make_user("cash2", role="cashier", store_id=world.store2)
    office = make_user("fin1", role="finance")
    boss = make_user("boss", role="admin")
    till = _till(client, engine, world.store)
    own = sale(world, [line(1, world.cola, 1, 300)])
    by_admin = sale(world, [line(1, world.cola, 1, 300)], cashier_id=boss)
    other_store = sale(world, [line(1, world.cola, 1, 300)], cashier_id=foreign)
    not_till = sale(world, [line(1, world.cola, 1, 300)], cashier_id=office)
    assert _push(client, till, [shift_opened(world), own, by_admin, other_store, not_till]) == ["applied"] * 5
    flags = _flags(client, admin)
    assert [(f["kind"], f["subject"]) for f in flags] == [("cashier_not_of_store", other_store.receipt_no),
                                                           ("cashier_not_of_store", not_till.receipt_no)]
    assert flags[0]["kind_name"] == "收银员不属于本店"
    assert flags[0]["message_en"].startswith(
        f"the person who rang up sale {other_store.receipt_no} is not till staff of this store: ")
    assert f"belongs to store {world.store2}, not store {world.store}" in flags[0]["message_en"]
    assert "不是本店收银人员" in flags[0]["message_zh"]
    assert "may not sign in at a till" in flags[1]["message_en"]
    with Session(engine) as s:
        assert s.scalar(select(Sale.cashier_id).where(Sale.id == other_store.sale_id)) == foreign
        assert s.scalars(select(ReviewFlag.store_id)).all() == [world.store, world.store]
