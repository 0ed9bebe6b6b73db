"""Where central keeps its data: the database URL and the data directory.

Precedence for the database: `--db URL` > `POS_DATABASE_URL` > a SQLite file
`central.sqlite3` under `POS_DATA_DIR` (default `./data/central`). The embedded default
means `pos-central serve` works with nothing else installed.
"""

from __future__ import annotations

import os
from pathlib import Path

DB_FILE_NAME = "central.sqlite3"


def data_dir() -> Path:
    """The data directory (`POS_DATA_DIR`, or ./data/central), not created here."""
    env = os.environ.get("POS_DATA_DIR")
    return Path(env) if env else Path("data") / "central"


def resolve_db_url(cli_value: str | None = None) -> str:
    """The database URL to use; creates the data directory when it falls back to SQLite."""
    if cli_value:
        return cli_value
    env = os.environ.get("POS_DATABASE_URL")
    if env:
        return env
    directory = data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(directory / DB_FILE_NAME).resolve()}"


def redact_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
