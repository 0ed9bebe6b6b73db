"""A push batch bigger than central's body limit is sent again in halves, and every sale arrives once."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from terminal.sync_client.client import PUSH_PATH, SyncClient
from terminal.sync_client.transport import Transport

from .world import central_counts, enrol_till, seed


def test_a_batch_over_the_body_limit_is_pushed_in_halves(central_engine: Engine, api: TestClient,
                                                         tmp_path: Path) -> None:
    # given central taking at most 12 KB a push (a few sales) and a till with 40 sales waiting
    seeded = seed(central_engine, products=6, members=0, stores=("S01",))
    app = api.app
    schema = app.openapi()  # type: ignore[attr-defined]
    schema["paths"]["/api/v1/sync/push"]["post"]["x-max-body-bytes"] = 12 * 1024  # read by the gate at first use
    till = enrol_till(central_engine, tmp_path / "till", seeded.store_ids["S01"], "http://central", client=api)
    for _ in range(40):
        till.sell(list(seeded.product_ids[:5]))
    sent: list[int] = []
    sync = SyncClient(till.store, Transport("http://central", till.store.get_setting("credential"), client=api,
                                            retries=0), batch=500)
    real_post = sync.transport.post

    def counting_post(path: str, body: dict[str, object], **kw: object) -> dict[str, object]:
        if path == PUSH_PATH:
            sent.append(len(body["events"]))  # type: ignore[arg-type]
        return real_post(path, body, **kw)  # type: ignore[arg-type]

    sync.transport.post = counting_post  # type: ignore[method-assign]
    # when it pushes
    report = sync.push()
    # then the first batch was refused (413) and the same events went again in smaller batches
    assert sent[0] == 41
    assert max(sent[1:]) < 41
    assert report.acked == 41
    assert till.pending() == 0
    assert central_counts(central_engine)["sales"] == set(till.sales)
