"""A till whose answer to POST /enroll is lost (central committed, the connection died) enrols anyway:
the transport retries with the same code and the same nonce (kept in the till's store before the
first attempt, so `pos-terminal enroll` run again also reuses it) and gets the same terminal with a
fresh secret. In process (central on SQLite and PostgreSQL) and with real processes through the
fault-injecting TCP proxy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from central.db import session_scope
from central.org.models import EnrolmentCode, Terminal
from terminal.store import open_store
from terminal.sync_client import setup
from terminal.sync_client.transport import Offline, ServerRejected

from .faultproxy import FaultProxy
from .procs import Central, terminal_cli
from .world import Seeded, enrolment_code, seed


class LoseEnrolAnswers:
    """An HTTP client in front of central that loses the first `lose` answers to POST /enroll after
    central has handled (and committed) them, as a connection cut on the way back would."""

    def __init__(self, inner: TestClient, lose: int) -> None:
        self.inner = inner
        self.lose = lose
        self.lost: list[dict[str, Any]] = []
        self.bodies: list[dict[str, Any]] = []

    def post(self, url: str, **kw: Any) -> httpx.Response:
        response = self.inner.post(url, **kw)
        if url.endswith(setup.ENROLL_PATH):
            self.bodies.append(json.loads(kw["content"]))
            if self.lose > 0:
                self.lose -= 1
                self.lost.append(response.json())
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return response

    def close(self) -> None:
        pass

    @property
    def client(self) -> httpx.Client:
        return cast(httpx.Client, self)


def _terminals(engine: Engine) -> list[str]:
    with session_scope(engine, write=False) as s:
        return list(s.scalars(select(Terminal.code).order_by(Terminal.id)))


def _me(api: TestClient, credential: str | None) -> int:
    return api.get("/api/v1/devices/me", headers={"Authorization": f"Device {credential}"}).status_code


@pytest.fixture
def seeded(central_engine: Engine) -> Seeded:
    return seed(central_engine, products=15, members=2)


def test_transport_retries_the_enrol_after_a_lost_answer(central_engine: Engine, api: TestClient, seeded: Seeded,
                                                         tmp_path: Path) -> None:
    code = enrolment_code(central_engine, seeded.store_ids["S01"])
    net = LoseEnrolAnswers(api, lose=1)
    with open_store(tmp_path / "till") as store:
        identity = setup.enroll(store, "http://central", code, client=net.client)
        credential = store.get_setting("credential")
        assert store.get_setting(setup.NONCE_SETTING) is None  # enrolled: the nonce is gone
        # the till works: the first download with the credential it kept
        assert setup.bootstrap(store, client=api).current
        assert store.scalar("SELECT count(*) FROM master WHERE entity='product'") == 15
    # two attempts with the same code and nonce, one terminal
    assert len(net.lost) == 1
    assert len(net.bodies) == 2
    assert net.bodies[0] == net.bodies[1]
    assert len(net.bodies[0]["nonce"]) >= 22
    assert _terminals(central_engine) == ["S01-POS01"] == [identity["terminal_code"]]
    assert net.lost[0]["terminal_id"] == int(identity["terminal_id"])
    # the credential the till holds works; the one that was lost on the way does not
    assert _me(api, credential) == 200
    assert _me(api, net.lost[0]["credential"]) == 401
    with session_scope(central_engine, write=False) as s:
        assert s.scalar(select(func.count(EnrolmentCode.id)).where(EnrolmentCode.used_at.is_not(None))) == 1


def test_enrol_run_again_after_giving_up_reuses_the_nonce(central_engine: Engine, api: TestClient,
                                                          seeded: Seeded, tmp_path: Path) -> None:
    code = enrolment_code(central_engine, seeded.store_ids["S01"])
    net = LoseEnrolAnswers(api, lose=3)
    with open_store(tmp_path / "till") as store, pytest.raises(Offline):
        setup.enroll(store, "http://central", code, retries=2, client=net.client)  # every answer lost
    assert _terminals(central_engine) == ["S01-POS01"]  # central enrolled it (three times)
    # the till restarts; the cashier runs the command again with the same code (typed differently)
    with open_store(tmp_path / "till") as store:
        assert store.get_setting("credential") is None
        assert store.get_setting(setup.NONCE_SETTING)
        identity = setup.enroll(store, "http://central", code.lower().replace("-", ""), client=net.client)
        credential = store.get_setting("credential")
    assert len({b["nonce"] for b in net.bodies}) == 1
    assert len(net.bodies) == 4
    assert identity["terminal_code"] == "S01-POS01"
    assert _terminals(central_engine) == ["S01-POS01"]
    assert _me(api, credential) == 200
    assert all(_me(api, lost["credential"]) == 401 for lost in net.lost)


def test_another_till_with_the_same_code_is_refused(central_engine: Engine, api: TestClient, seeded: Seeded,
                                                    tmp_path: Path) -> None:
    code = enrolment_code(central_engine, seeded.store_ids["S01"])
    with open_store(tmp_path / "till1") as store:
        setup.enroll(store, "http://central", code, client=api)
        credential = store.get_setting("credential")
    with open_store(tmp_path / "till2") as other:
        with pytest.raises(ServerRejected) as refused:
            setup.enroll(other, "http://central", code, client=api)
        assert other.get_setting("credential") is None
    assert refused.value.code == "enrolment_code_used"
    assert "已被使用" in refused.value.detail
    assert "already been used" in refused.value.detail_en
    assert _terminals(central_engine) == ["S01-POS01"]
    assert _me(api, credential) == 200


def test_the_nonce_belongs_to_one_code(tmp_path: Path) -> None:
    with open_store(tmp_path / "till") as store:
        first = setup.enrolment_nonce(store, "ABCD-EFGH-JKLM-NPQR")
        assert setup.enrolment_nonce(store, "abcdefghjklmnpqr") == first  # the same code, however typed
        assert first not in (store.get_setting(setup.NONCE_SETTING) or "").split(" ")[0]
        other = setup.enrolment_nonce(store, "ZZZZ-EFGH-JKLM-NPQR")  # a new code: a new nonce
        assert other != first
        assert len(other) >= 43
        assert "ZZZZ" not in (store.get_setting(setup.NONCE_SETTING) or "")  # the code is not kept


def test_a_central_without_nonces_still_enrols_the_till(central_engine: Engine, api: TestClient, seeded: Seeded,
                                                        tmp_path: Path) -> None:
    code = enrolment_code(central_engine, seeded.store_ids["S01"])

    class OldCentral(LoseEnrolAnswers):
        def post(self, url: str, **kw: Any) -> httpx.Response:
            body = json.loads(kw["content"])
            self.bodies.append(body)
            if "nonce" in body:  # what a central before enrolment nonces answers
                return httpx.Response(422, json={"error": {
                    "code": "validation_error", "message": "nonce: 不允许的字段",
                    "message_en": "nonce: Extra inputs are not permitted", "field": "nonce"}})
            return self.inner.post(url, **kw)

    old = OldCentral(api, lose=0)
    with open_store(tmp_path / "till") as store:
        identity = setup.enroll(store, "http://central", code, client=old.client)
    assert [("nonce" in b) for b in old.bodies] == [True, False]
    assert identity["terminal_code"] == "S01-POS01"


# ------------------------------------------------------------------ real processes, real sockets

@pytest.fixture
def central(central_url: str, seeded: Seeded, tmp_path: Path) -> Iterator[Central]:
    server = Central(central_url, tmp_path / "central.log").start()
    yield server
    server.stop()


@pytest.mark.slow
def test_pos_terminal_enroll_through_a_connection_that_drops_the_answer(
        central_engine: Engine, central: Central, seeded: Seeded, tmp_path: Path) -> None:
    store_id = seeded.store_ids["S01"]
    # 1. the first answer is lost on the wire; the command's own retry enrols the till
    proxy = FaultProxy(central.port, plan=["lose_answer"]).start()
    try:
        done = terminal_cli("enroll", "--server", proxy.url, "--code", enrolment_code(central_engine, store_id),
                            "--data", str(tmp_path / "till1"))
    finally:
        proxy.stop()
    assert done.returncode == 0, done.stderr
    assert proxy.counts["lose_answer"] == 1
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["terminal_code"] == "S01-POS01"
    assert summary["products"] == 15
    assert _terminals(central_engine) == ["S01-POS01"]
    with open_store(tmp_path / "till1") as store:
        credential = store.get_setting("credential")
        assert store.get_setting(setup.NONCE_SETTING) is None
    me = httpx.get(central.url + "/api/v1/devices/me", headers={"Authorization": f"Device {credential}"})
    assert me.status_code == 200
    assert me.json()["code"] == "S01-POS01"

    # 2. every answer of the first run is lost (1 + 3 retries): it fails, saying it is safe to run
    #    again; the second run, same code, gets the same terminal
    code = enrolment_code(central_engine, store_id)
    proxy = FaultProxy(central.port, plan=["lose_answer"] * 4).start()
    try:
        failed = terminal_cli("enroll", "--server", proxy.url, "--code", code, "--data", str(tmp_path / "till2"))
        assert failed.returncode == 1
        assert "同一注册码" in failed.stderr
        assert "same code" in failed.stderr
        assert _terminals(central_engine) == ["S01-POS01", "S01-POS02"]
        again = terminal_cli("enroll", "--server", proxy.url, "--code", code, "--data", str(tmp_path / "till2"))
    finally:
        proxy.stop()
    assert again.returncode == 0, again.stderr
    assert proxy.counts == {"lose_answer": 4, "pass": proxy.counts["pass"]}
    assert json.loads(again.stdout.strip().splitlines()[-1])["terminal_code"] == "S01-POS02"
    assert _terminals(central_engine) == ["S01-POS01", "S01-POS02"]  # no orphan
    with open_store(tmp_path / "till2") as store:
        credential2 = store.get_setting("credential")
    me2 = httpx.get(central.url + "/api/v1/devices/me", headers={"Authorization": f"Device {credential2}"})
    assert me2.status_code == 200
    assert me2.json()["code"] == "S01-POS02"

    # 3. a third till with a used code: refused, in both languages
    third = terminal_cli("enroll", "--server", central.url, "--code", code, "--data", str(tmp_path / "till3"))
    assert third.returncode == 1
    assert "注册码已被使用" in third.stderr
    assert "already been used" in third.stderr
