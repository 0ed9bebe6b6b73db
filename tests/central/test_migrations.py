"""Migrations build both databases from zero and agree exactly with the models (all domains)."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from central.db import dispose_engine, get_engine
from central.migrations import MIGRATIONS_DIR, current_revision, head_revision, upgrade
from central.tables import import_all_models


def test_models_and_migrations_agree(engine: Engine) -> None:
    # given a database built by running every migration from zero (the session template)
    metadata = import_all_models()
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        # when alembic compares it with the models
        diff = compare_metadata(ctx, metadata)
    # then there is nothing left to migrate
    assert diff == [], f"models and migrations disagree; add a revision: {diff}"


def test_revision_chain_is_linear() -> None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert revisions[-1].revision == "0001_core"
    for rev in revisions:
        assert not isinstance(rev.down_revision, tuple | list), f"{rev.revision} merges branches"


def test_migrate_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/c.sqlite3"
    upgrade(url)
    upgrade(url)
    assert current_revision(get_engine(url)) == head_revision()
    dispose_engine(url)


def test_sqlite_foreign_keys_are_back_on_after_migrating(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fk.sqlite3"
    upgrade(url)
    engine = get_engine(url)
    for _ in range(3):  # whichever pooled connection comes back
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    dispose_engine(url)
