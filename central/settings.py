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


# ------------------------------------------------------------------ request bodies

KiB = 1024
MiB = 1024 * KiB

DEFAULT_MAX_BODY_BYTES = 1 * MiB
"""Largest request body an endpoint accepts unless it says otherwise (`central.api.gate.body_limit`);
`POS_MAX_BODY_BYTES` overrides it. A product, a price list of thousands of items or a promotion is far
below it."""

MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects a JSON body may have (the deepest real one, a push batch, is 7)."""


def parse_size(text: str) -> int:
    """`1048576`, `512K`, `16M` (binary units) → bytes; ValueError for anything else."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    factor = {"K": KiB, "M": MiB, "G": 1024 * MiB}.get(value[-1:], 1)
    number = value[:-1] if factor != 1 else value
    if not number.isdigit() or int(number) <= 0:
        raise ValueError(f"not a size in bytes: {text!r} (e.g. 1048576, 512K, 16M)")
    return int(number) * factor


def max_body_bytes(name: str | None = None, default: int = DEFAULT_MAX_BODY_BYTES) -> int:
    """The body limit called `name` (`POS_MAX_BODY_BYTES_<NAME>`), or the default one (`POS_MAX_BODY_BYTES`)."""
    variable = f"POS_MAX_BODY_BYTES_{name.upper()}" if name else "POS_MAX_BODY_BYTES"
    env = os.environ.get(variable)
    if not env:
        return default
    try:
        return parse_size(env)
    except ValueError as exc:
        raise ValueError(f"{variable}: {exc}") from exc


# ------------------------------------------------------------------ sync quarantine

DEFAULT_QUARANTINE_PER_HOUR = 200
"""Events one terminal may put in quarantine in an hour (`POS_QUARANTINE_PER_HOUR`). A till that
works has none; a broken or hostile one is stopped here instead of filling central's disk: past
the cap its refused events are answered `deferred` (`quarantine_full`) and stay on the till."""


def quarantine_per_hour() -> int:
    """The per-terminal hourly quarantine cap (`POS_QUARANTINE_PER_HOUR`, a positive integer)."""
    env = os.environ.get("POS_QUARANTINE_PER_HOUR", "").strip()
    if not env:
        return DEFAULT_QUARANTINE_PER_HOUR
    if not env.isdigit() or int(env) <= 0:
        raise ValueError(f"POS_QUARANTINE_PER_HOUR: not a positive integer: {env!r}")
    return int(env)


# ------------------------------------------------------------------ guessing (logins, devices, enrolment codes)


def positive_int_setting(name: str, default: int) -> int:
    """The positive integer in environment variable `name`, or `default` when it is unset."""
    env = os.environ.get(name, "").strip()
    if not env:
        return default
    if not env.isdigit() or int(env) <= 0:
        raise ValueError(f"{name}: not a positive integer: {env!r}")
    return int(env)


DEFAULT_LOGIN_MAX_FAILURES = 5
"""Wrong passwords for one username before it backs off (`POS_LOGIN_MAX_FAILURES`)."""

DEFAULT_LOGIN_ADDRESS_MAX_FAILURES = 20
"""Failed logins from one client address before it backs off (`POS_LOGIN_ADDRESS_MAX_FAILURES`); higher than
the per-user figure because a shop's staff share one address behind its router."""

DEFAULT_LOCKOUT_SECONDS = 30
"""The first back-off, doubled at every further failure (`POS_LOCKOUT_SECONDS`)."""

DEFAULT_LOCKOUT_MAX_SECONDS = 15 * 60
"""The longest back-off (`POS_LOCKOUT_MAX_SECONDS`); failures older than this are forgotten."""

DEFAULT_GUESS_MAX_FAILURES = 10
"""Distinct wrong device credentials or enrolment codes from one client address before it backs off
(`POS_GUESS_MAX_FAILURES`). A till repeating its own stale credential counts once: only guesses add up."""

DEFAULT_LOGIN_HASH_WORKERS = 2
"""Password checks (argon2, tens of ms of CPU and 64 MiB each) running at once per server process
(`POS_LOGIN_HASH_WORKERS`)."""

DEFAULT_LOGIN_HASH_QUEUE = 4
"""Logins that may wait for a password-check worker (`POS_LOGIN_HASH_QUEUE`); one more is refused at once
(429 `login_busy`) rather than queued in front of other requests."""
