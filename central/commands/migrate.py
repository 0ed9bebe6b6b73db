"""`pos-central migrate [--db URL] [--admin USERNAME]`: upgrade the database schema to the latest
revision; optionally make the first admin of a fresh install.

The admin's password comes from POS_ADMIN_PASSWORD, or is asked for on a terminal; it is
never taken from the command line (where `ps` and shell history would show it).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlalchemy import select

from central.auth.roles import Role
from central.db import get_engine, session_scope
from central.errors import DomainError
from central.migrations import current_revision, head_revision, upgrade
from central.settings import redact_url, resolve_db_url
from central.users import service as users
from central.users.models import User


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--revision", default="head", help="target revision (default: head)")
    parser.add_argument("--admin", metavar="USERNAME",
                        help="also create this admin user if missing (password: POS_ADMIN_PASSWORD or prompt)")


def _admin_password() -> str | None:
    password = os.environ.get("POS_ADMIN_PASSWORD")
    if password:
        return password
    if sys.stdin.isatty():
        first = getpass.getpass("管理员密码 / admin password: ")
        if first == getpass.getpass("再输入一次 / again: "):
            return first
        print("两次输入不一致 / the passwords differ", file=sys.stderr)
    return None


def _ensure_admin(url: str, username: str) -> int:
    engine = get_engine(url)
    with session_scope(engine) as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            print(f"用户已存在 / user exists: {username}")
            return 0
    password = _admin_password()
    if not password:
        print("需要密码：设置 POS_ADMIN_PASSWORD / set POS_ADMIN_PASSWORD", file=sys.stderr)
        return 1
    try:
        with session_scope(engine) as session:
            users.create_user(session, None, username=username, display_name=username, role=Role.ADMIN,
                              password=password)
    except DomainError as exc:
        print(f"{exc.message} / {exc.message_en}", file=sys.stderr)
        return 1
    print(f"已创建管理员 / admin created: {username}")
    return 0


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
    if args.revision == "head" and after != head_revision():
        return 1
    if args.admin:
        return _ensure_admin(url, args.admin)
    return 0
