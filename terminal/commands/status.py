"""`pos-terminal status [--json]`: enrolment, events waiting, last sync, cursor, refused events."""

from __future__ import annotations

import argparse

from terminal.store import open_store
from terminal.store.backup import list_backups
from terminal.sync_client.client import dumps, status_dict
from terminal.sync_client.setup import data_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    store = open_store(data_dir(args.data))
    try:
        status = status_dict(store)
        backups = list_backups(store.path)
    finally:
        store.close()
    status["backups"] = len(backups)
    status["newest_backup"] = backups[0].taken_at.isoformat(timespec="seconds") if backups else None
    if args.json:
        print(dumps(status))
        return 0
    print(f"已注册 enrolled: {'是 yes' if status['enrolled'] else '否 no'}"
          f"  终端 terminal: {status['terminal_id'] or '-'}  门店 store: {status['store_id'] or '-'}")
    print(f"待上传 pending: {status['pending']}  游标 cursor: {status['cursor']}")
    print(f"上次同步 last sync: {status['last_sync'] or '从未 never'}")
    if status["last_error"]:
        print(f"上次错误 last error: {status['last_error']} / {status['last_error_en']}")
    print(f"备份 backups: {status['backups']}  最新 newest: {status['newest_backup'] or '无 none'}")
    print(f"被总部拒收 quarantined: {status['quarantined']}")
    for q in status["quarantine"]:
        print(f"  #{q['seq']} {q['type']} {q['kind']}: {q['message'] or q['code']}")
    return 0
