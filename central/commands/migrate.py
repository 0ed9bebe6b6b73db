"""`pos-central migrate [--db URL]`: upgrade the database schema to the latest revision."""

from __future__ import annotations

import argparse

from central.db import get_engine
from central.migrations import current_revision, head_revision, upgrade
from central.settings import redact_url, resolve_db_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--revision", default="head", help="target revision (default: head)")


def run(args: argparse.Namespace) -> int:
    url = resolve_db_url(args.db)
    before = current_revision(get_engine(url))
    upgrade(url, args.revision)
    after = current_revision(get_engine(url))
    if before == after:
        print(f"数据库已是最新版本 {after} / database already at {after}: {redact_url(url)}")
    else:
        print(f"数据库已升级 {before or '(空)'} → {after} / upgraded {before or '(empty)'} → {after}: "
              f"{redact_url(url)}")
    return 0 if after == head_revision() or args.revision != "head" else 1
