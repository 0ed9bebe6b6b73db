"""Excel over the API: export, upload (checked, nothing written), commit (all or none, audited), and
each refusal: no credentials, a device, a role without the permission, another user's upload, a
file too large or one that inflates too far, and lists confined to a store or a rep."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy import Engine, select

from central.audit.models import AuditEntry
from central.catalog import service
from central.catalog.models import Product
from central.db import session_scope
from central.excel import reader, uploads
from central.excel.writer import XLSX_MEDIA_TYPE
from tests.central.excel.conftest import xlsx_bytes

Headers = dict[str, str]
HEAD = ["商品编码", "商品名称", "单位", "零售价（元）"]



def _upload(client: TestClient, kind: str, data: bytes, headers: Headers, name: str = "商品.xlsx") -> object:
    return client.post(f"/api/v1/excel/imports/{kind}", params={"file_name": name}, content=data,
                       headers={**headers, "Content-Type": XLSX_MEDIA_TYPE})


@pytest.fixture
def products(engine: Engine) -> None:
    with session_scope(engine) as s:
        service.create_product(s, sku="COKE", name="可口可乐", units=[{"code": "pc", "factor": 1, "price_fen": 350}])
        service.create_product(s, sku="RICE", name="大米", units=[{"code": "bag", "factor": 1, "price_fen": 5990}])


@pytest.mark.usefixtures("products")
def test_export_upload_commit(client: TestClient, engine: Engine, admin: Headers) -> None:
    # the product list exported, uploaded back: checked, nothing to change
    r = client.get("/api/v1/excel/exports/products", headers=admin)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX_MEDIA_TYPE
    assert "filename*=UTF-8''%E5%95%86%E5%93%81.xlsx" in r.headers["content-disposition"]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_index(0).to_python()
    assert [row[0] for row in rows[1:]] == ["COKE", "RICE"]
    up = _upload(client, "products", r.content, admin)
    assert up.status_code == 201, up.text
    body = up.json()
    assert (body["status"], body["result"]["unchanged"], body["result"]["problems"]) == ("checked", 2, [])
    # a file with a new product and a changed price: checked first, written only on commit
    data = xlsx_bytes([HEAD, ["COKE", "可口可乐", "pc", 3.8], ["TEA", "绿茶", "pc", 3]])
    up = _upload(client, "products", data, admin, name="新价格.xlsx").json()
    assert (up["result"]["created"], up["result"]["updated"], up["result"]["written"]) == (1, 1, False)
    assert client.get(f"/api/v1/excel/uploads/{up['id']}", headers=admin).json()["status"] == "checked"
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(Product.id).where(Product.sku == "TEA")) is None
    done = client.post(f"/api/v1/excel/uploads/{up['id']}/commit", headers=admin)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["result"]["written"]) == ("committed", True)
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(Product.id).where(Product.sku == "TEA")) is not None
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "excel.import"))
        assert entry is not None and entry.actor_label == "admin"  # noqa: PT018
        assert entry.after == {"kind": "products", "file_name": "新价格.xlsx", "sha256": up["sha256"], "rows": 2,
                               "created": 1, "updated": 1, "unchanged": 0}
        assert [e.reason for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "product.import"))] == [
            "Excel 导入 import 新价格.xlsx"] * 2
    again = client.post(f"/api/v1/excel/uploads/{up['id']}/commit", headers=admin)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_committed")


@pytest.mark.usefixtures("products")
def test_bad_rows_are_reported_and_a_commit_writes_nothing(client: TestClient, engine: Engine,
                                                           admin: Headers) -> None:
    data = xlsx_bytes([HEAD, ["TEA", "绿茶", "pc", 3], ["BAD", "坏价格", "pc", "abc"]])
    up = _upload(client, "products", data, admin).json()
    assert [(p["row"], p["column"], p["column_en"]) for p in up["result"]["problems"]] == [
        (3, "零售价（元）", "Price (yuan)")]
    assert up["result"]["problems"][0]["message"]
    assert up["result"]["problems"][0]["message_en"]
    r = client.post(f"/api/v1/excel/uploads/{up['id']}/commit", headers=admin)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "bad_rows")
    assert r.json()["error"]["upload"]["result"]["bad_rows"] == 1
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(Product.id).where(Product.sku == "TEA")) is None
    # a file that is not a workbook, and one with the wrong headers: a file-level problem each
    for data, code in ((b"PK\x03\x04 not really a zip", "无法读取文件"), (xlsx_bytes([["名字", "价钱"], ["x", 1]]), "表头不对")):
        result = _upload(client, "products", data, admin).json()["result"]
        assert result["problems"][0]["row"] is None and code in result["problems"][0]["message"]  # noqa: PT018


def test_refusals(client: TestClient, make_store: Callable[..., int], make_user: Callable[..., int],
                  login: Callable[[str], Headers], admin: Headers, monkeypatch: pytest.MonkeyPatch) -> None:
    s1 = make_store("S01")
    make_user("cash", role="cashier", store_id=s1)
    make_user("rep", role="sales_rep", store_id=s1)
    make_user("boss2", role="admin")
    data = xlsx_bytes([HEAD, ["TEA", "绿茶", "pc", 3]])
    assert _upload(client, "products", data, {}).status_code == 401
    for who, kind in (("cash", "products"), ("cash", "customers"), ("rep", "customers"), ("rep", "price-lists")):
        r = _upload(client, kind, data, login(who))
        assert (r.status_code, r.json()["error"]["code"]) == (403, "permission_denied"), (who, kind)
    r = client.get("/api/v1/excel/exports/customers", headers=login("cash"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "permission_denied")
    code = client.post("/api/v1/enrolment-codes", json={"store_id": s1}, headers=admin).json()["code"]
    device = {"Authorization": f"Device {client.post('/api/v1/enroll', json={'code': code}).json()['credential']}"}
    assert _upload(client, "products", data, device).status_code == 403
    assert client.get("/api/v1/excel/exports/products", headers=device).status_code == 403
    assert _upload(client, "nothing", data, admin).status_code == 404
    # another user's upload is not there for them
    up = _upload(client, "products", data, admin).json()
    other = login("boss2")
    assert client.get(f"/api/v1/excel/uploads/{up['id']}", headers=other).status_code == 404
    assert client.post(f"/api/v1/excel/uploads/{up['id']}/commit", headers=other).status_code == 404
    # too large: refused by its declared length, before the body is read
    r = _upload(client, "products", b"x" * (uploads.DEFAULT_UPLOAD_LIMIT + 1), admin)
    assert (r.status_code, r.json()["error"]["code"]) == (413, "body_too_large")
    assert _upload(client, "products", b"", admin).status_code == 422
    # a workbook that inflates too far is refused before it is parsed
    monkeypatch.setattr(reader, "MAX_UNPACKED_BYTES", 1_000_000)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * 2_000_000)
    result = _upload(client, "products", bomb.getvalue(), admin).json()["result"]
    assert "解压后太大" in result["problems"][0]["message"]


def test_exports_are_confined_to_a_store_and_a_rep(client: TestClient, engine: Engine, make_store: Callable[..., int],
                                                   make_user: Callable[..., int],
                                                   login: Callable[[str], Headers]) -> None:
    from central.customers.models import Customer
    from central.inventory.service import DocLine, receive_purchase
    from central.org.models import Warehouse

    s1, s2 = make_store("S01"), make_store("S02")
    make_user("mgr", role="store_manager", store_id=s1)
    rep, other = make_user("rep", role="sales_rep", store_id=s1), make_user("rep2", role="sales_rep", store_id=s1)
    with session_scope(engine) as s:
        pid = service.create_product(s, sku="COKE", name="可口可乐",
                                     units=[{"code": "pc", "factor": 1, "price_fen": 350}]).id
        for store in (s1, s2):
            wh = s.scalar(select(Warehouse.id).where(Warehouse.store_id == store))
            receive_purchase(s, warehouse_id=wh, lines=[DocLine(pid, Decimal(5))])  # type: ignore[arg-type]
        s.add_all([Customer(code="C1", name="甲", rep_id=rep, tags=[]), Customer(code="C2", name="乙", rep_id=other,
                                                                              tags=[])])

    def first_column(kind: str, who: str) -> list[object]:
        r = client.get(f"/api/v1/excel/exports/{kind}", headers=login(who))
        assert r.status_code == 200, r.text
        return [row[0] for row in CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_index(0)
                .to_python()[1:]]

    assert first_column("stock", "mgr") == ["S01-W1"]
    assert first_column("customers", "rep") == ["C1"]
