"""The worker app factory: builds the app from POS_DATABASE_URL and freezes start-up objects."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from fastapi import FastAPI

from central.app import app_from_env
from central.migrations import upgrade


def test_app_from_env_freezes_startup_objects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    upgrade(url)
    monkeypatch.setenv("POS_DATABASE_URL", url)
    gc.unfreeze()
    try:
        app = app_from_env()
        assert isinstance(app, FastAPI)
        assert app.state.db_url == url
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
