"""The rep app (`pos-terminal run` on a rep tablet), driven by real touches off screen at 1280×800 and
800×1280 on a tablet enrolled with a real central (SQLite) and offline while the app runs: sign-in,
Today, a visit with photos from the camera driver and from a file, an order with a box line and a
gift, an order over the credit limit held with its reason, a collection with its printed receipt,
the order status; then the tablet syncs and central has everything, the photos included, and the
app shows central's statuses."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from drivers.sim.printer import NetworkPrinterSimulator
from sync.barcodes import with_check_digit
from tests.drivers.escpos_reader import read_escpos
from tests.ui.conftest import ScenarioRunner
from tests.ui.images import assert_real_screen, dark_ratio

pytestmark = [pytest.mark.ui, pytest.mark.slow]

PIECE_BARCODE = with_check_digit("690000000003")
"""商品3's piece barcode in `tests.sync.world.seed`."""


def _shelf_photo(path: Path, colour: tuple[int, int, int]) -> Path:
    image = Image.new("RGB", (640, 480), colour)
    draw = ImageDraw.Draw(image)
    for x in range(0, 640, 80):
        draw.rectangle([x + 10, 100, x + 60, 400], fill=(250, 250, 240))
    image.save(path)
    return path


@pytest.fixture(scope="module")
def rep_world_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Central (SQLite) with the field world of `tests/field/world.py` and a rep tablet enrolled and
    bootstrapped through the real API: built once, copied by each test."""
    from central.db import dispose_engine
    from central.migrations import upgrade
    from tests.field.world import build_world_files

    root = tmp_path_factory.mktemp("rep-world")
    url = f"sqlite:///{root / 'central.sqlite3'}"
    upgrade(url)
    dispose_engine(url)
    build_world_files(root)
    return root


@pytest.fixture
def rep_world(rep_world_template: Path, tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "world"
    shutil.copytree(rep_world_template, root)
    return root


@pytest.fixture
def printer() -> Iterator[NetworkPrinterSimulator]:
    with NetworkPrinterSimulator() as sim:
        yield sim


def _env(root: Path, printer: NetworkPrinterSimulator) -> dict[str, str]:
    camera = root / "camera"
    camera.mkdir()
    _shelf_photo(camera / "frame1.jpg", (200, 120, 60))
    return {"POS_CAMERA": f"files://{camera}/*.jpg", "POS_TEST_PHOTO": str(_shelf_photo(root / "shelf.png", (60, 140, 200))),
            "POS_TEST_BARCODE": PIECE_BARCODE, "POS_PRINTER_URL": printer.url}


def _sync_in_process(root: Path) -> dict[str, object]:
    """What the tablet's sync does when the network is back, against the same central database."""
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from central.app import create_app
    from central.attachments.models import Attachment
    from central.customers.models import Customer
    from central.db import dispose_engine, get_engine, session_scope
    from central.field.models import Collection, Visit
    from central.orders.models import SalesOrder
    from terminal.field.attachments import upload_pending
    from terminal.store import open_store
    from terminal.sync_client.client import SyncClient
    from terminal.sync_client.transport import Transport

    url = f"sqlite:///{root / 'central.sqlite3'}"
    store = open_store(root / "tablet")
    try:
        with TestClient(create_app(url), base_url="http://central") as api:
            transport = Transport("http://central", store.get_setting("credential"), client=api, retries=0)
            SyncClient(store, transport).sync_round()
            uploads = upload_pending(store, client=api)
            SyncClient(store, transport).sync_round()  # pull back what central made of the orders
        pending = store.outbox.pending_count()
    finally:
        store.close()
    with session_scope(get_engine(url), write=False) as s:
        orders = sorted((o.total_fen, o.status, list(o.hold_reasons or [])) for o in s.scalars(select(SalesOrder)))
        visits = [(len(v.photos or []), v.notes) for v in s.scalars(select(Visit))]
        collections = [(c.amount_fen, c.method, c.reference) for c in s.scalars(select(Collection))]
        attachments = [a.complete for a in s.scalars(select(Attachment))]
        customers = {c.name: (c.status, c.contact_name) for c in s.scalars(select(Customer))}
    dispose_engine(url)
    return {"orders": orders, "visits": visits, "collections": collections, "attachments": attachments,
            "uploaded": uploads.uploaded, "pending": pending,
            "customers": customers}


def test_a_reps_day_offline_then_sync(rep_world: Path, run_scenario: ScenarioRunner,
                                      printer: NetworkPrinterSimulator) -> None:
    # given a rep tablet enrolled and bootstrapped, whose central is not running
    # when the rep works the day through the app at 1280x800
    result = run_scenario("rep_day", rep_world / "tablet", size="1280x800", env=_env(rep_world, printer))
    facts = result["facts"]
    assert facts["problems"] == []
    assert facts["wrong_pin"] == "密码错误（再错 4 次将锁定）"  # five wrong PINs lock the tablet (#10 §5)
    # then Today showed the route, the overdue reminder and the target
    assert facts["today"]["stops"] == ["1. 客户1-0", "2. 客户1-1", "3. 客户1-2"]
    assert any("客户1-2" in r and "逾期" in r for r in facts["today"]["reminders"])
    assert "¥10000.00" in facts["today"]["target"]
    assert facts["overdue_card"].startswith("¥250.00")
    # the order had a box line, a piece line found by its barcode and a gift, at the customer's prices
    lines = facts["draft"]["lines"]
    assert ["商品10", "2", "箱", 2 * ((100 + 10) * 6 - 10), False] in lines
    assert ["商品3", "5", "个", 5 * 103, False] in lines
    assert ["商品1", "3", "个", 0, True] in lines
    assert facts["draft"]["hold"] == ""
    first, second = facts["orders"]
    assert first["held"] is False
    assert second["held"] is True
    assert "超出信用额度" in second["body"]
    assert "超出信用额度" in facts["hold_warning"]
    assert "银行转账 ¥200.00" in facts["collection"]
    assert facts["online"] is False
    assert facts["pending"] == 6  # the contact edit, the new customer, two orders, the visit, the collection
    assert "待审核" in facts["new_customer"]
    assert "专柜" in facts["new_customer"]
    assert any("超出信用额度" in s and "未上传" in s for s in facts["statuses"])
    assert all("not synced yet" in s for s in facts["statuses_en"])
    # the receipt (and the confirmations) reached the portable printer
    assert facts["printed"] == ["已打印"] * 3, facts["printed"]  # two confirmations and the receipt
    printed = "\n".join(read_escpos(printer.received).texts())
    for expected in ("订货确认单", "【赠】商品1", "超出信用额度", "收款收据", "TR20261207001", "银行转账"):
        assert expected in printed, expected
    shots = {Path(s).stem: Path(s) for s in result["screenshots"]}
    for name in ("rep-signin", "rep-today", "rep-customer", "rep-visit", "rep-order", "rep-order-held",
                 "rep-collection", "rep-orders", "rep-orders-en"):
        assert_real_screen(shots[name])
    assert dark_ratio(shots["rep-signin"], (540, 170, 740, 200)) > 0.04  # 业务员登录 drawn as glyphs

    # when the network is back: everything reaches central exactly once, photos after their visit
    synced = _sync_in_process(rep_world)
    assert synced["pending"] == 0
    assert len(synced["orders"]) == 2
    held = [o for o in synced["orders"] if o[1] == "held"]
    assert len(held) == 1
    assert held[0][2] == ["credit_limit"]
    assert [o[1] for o in synced["orders"] if o[1] != "held"] == ["approved"]
    assert synced["visits"] == [(2, "货架缺货两个品种")]
    assert synced["collections"] == [(20_000, "bank_transfer", "TR20261207001")]
    assert synced["customers"]["客户1-0"][1] == "王老板"
    assert synced["customers"]["路口新开小卖部"][0] == "pending"
    assert synced["uploaded"] == 2
    assert synced["attachments"] == [True, True]
    # and the app shows central's statuses
    after = run_scenario("rep_after_sync", rep_world / "tablet", size="1280x800")
    statuses = " ".join(after["facts"]["statuses"])
    assert "已审批" in statuses
    assert "待审批" in statuses
    assert "超出信用额度" in statuses


def test_portrait_tablet(rep_world: Path, run_scenario: ScenarioRunner, printer: NetworkPrinterSimulator) -> None:
    # the same day on a tablet held upright (800x1280): every screen stacks and still fits
    result = run_scenario("rep_day", rep_world / "tablet", size="800x1280", env=_env(rep_world, printer))
    assert result["facts"]["window"] == [800, 1280]
    assert result["facts"]["problems"] == []
    assert result["facts"]["orders"][1]["held"] is True
    for shot in result["screenshots"]:
        assert_real_screen(Path(shot))
