"""The worker app factory: builds the app from POS_DATABASE_URL, freezes start-up objects and makes
young-generation collections rarer (push batches are short-lived garbage)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from fastapi import FastAPI

from central.app import GC_GEN0_THRESHOLD, app_from_env
from central.migrations import upgrade


def test_app_from_env_freezes_startup_objects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    upgrade(url)
    monkeypatch.setenv("POS_DATABASE_URL", url)
    gc.unfreeze()
    before = gc.get_threshold()
    try:
        app = app_from_env()
        assert isinstance(app, FastAPI)
        assert app.state.db_url == url
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (GC_GEN0_THRESHOLD, before[1], before[2])
        assert GC_GEN0_THRESHOLD > 10 * before[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
