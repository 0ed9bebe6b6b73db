"""Alembic migrations of the central database, and the helpers that run and check them.

No alembic.ini is needed: `alembic_config(url)` builds the configuration in code, so
`pos-central migrate --db URL` and the tests use the same path. The revision chain is linear:
0001_core (H3) → 0002_domains (H4) → 0003_sync (H6) → ...
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from central.settings import redact_url

MIGRATIONS_DIR = Path(__file__).resolve().parent


class SchemaOutOfDate(RuntimeError):
    """The database's schema revision is not the code's head: run `pos-central migrate`."""

    def __init__(self, url: str, current: str | None, head: str | None) -> None:
        self.current, self.head = current, head
        where = redact_url(url)
        state = "是空的(尚未建表)" if current is None else f"版本为 {current}"
        super().__init__(
            f"数据库结构不是最新版本：{where} {state}，程序需要 {head}。请先运行：pos-central migrate --db <URL>\n"
            f"database schema is out of date: {where} is at {current or 'nothing (empty)'}, "
            f"the code needs {head}. Run: pos-central migrate --db <URL>")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["database_url"] = url
    return cfg


def head_revision() -> str | None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    heads = script.get_heads()
    if len(heads) > 1:
        raise RuntimeError(f"migrations have several heads {heads}: keep the revision chain linear")
    return heads[0] if heads else None


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (creates every table on an empty database)."""
    command.upgrade(alembic_config(url), revision)


def check_up_to_date(engine: Engine) -> None:
    """Raise SchemaOutOfDate unless the database is at the head revision."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutOfDate(engine.url.render_as_string(hide_password=False), current, head)
