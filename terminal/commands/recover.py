"""`pos-terminal recover`: bring a till whose database is missing or damaged back from its newest
good backup, and say what happens next (`terminal.store.backup` explains the backups).

Nothing is deleted: the damaged files are moved into `damaged-<time>/`. The events of the restored
outbox that central has not acknowledged (as far as the backup knows) are pushed at the next sync;
central records every event id once, so those it already holds change nothing. Sales made after
the backup that never reached central are not in any backup: the report says from when.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from terminal.store import open_store
from terminal.store.backup import BackupError, list_backups, move_counters_on, restore_newest
from terminal.store.data_folder import retire_marker
from terminal.store.db import DB_FILENAME
from terminal.store.errors import DataFolderError
from terminal.sync_client.client import dumps
from terminal.sync_client.setup import data_dir

SHOW_EVENTS = 30
"""Events listed one per line (the rest are counted)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start-empty", action="store_true",
                        help="no usable backup: set the damaged database aside and let this folder start "
                             "empty (enrol again with a new code; unsynced sales are lost)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    directory = data_dir(args.data)
    db_path = directory / DB_FILENAME
    try:
        open_store(directory, check_integrity=True, migrate_schema=False).close()
    except DataFolderError as problem:
        if problem.code == "disk_full":
            raise  # a backup cannot help: the message says to free space
        print(f"{problem.message}\n{problem.message_en}", file=sys.stderr)
    else:
        backups = list_backups(db_path)
        newest = backups[0].taken_at.isoformat(timespec="seconds") if backups else "-"
        print(f"数据库完好，无需恢复（备份 {len(backups)} 份，最新 {newest}）\n"
              f"the database is sound: nothing to recover ({len(backups)} backups, newest {newest})")
        return 0
    if args.start_empty:
        return _start_empty(directory, db_path)
    try:
        restored = restore_newest(db_path)
    except BackupError as exc:
        print(f"无法恢复：{exc}。如确认数据无法找回，可运行 pos-terminal recover --start-empty --data {directory}，"
              f"再向总部申请新的注册码重新注册（未上传的销售将丢失）\n"
              f"cannot recover: {exc}. If the data cannot be found anywhere, run `pos-terminal recover "
              f"--start-empty --data {directory}`, then enrol again with a new code from head office "
              f"(unsynced sales are lost)", file=sys.stderr)
        return 1
    with open_store(directory, check_integrity=True) as store:
        counters = move_counters_on(store)
        waiting = store.outbox.waiting()
    report: dict[str, Any] = {
        "restored_from": str(restored.backup.path),
        "backup_taken_at": restored.backup.taken_at.isoformat(timespec="seconds"),
        "set_aside": [str(p) for p in restored.set_aside],
        "skipped_backups": [{"path": str(p), "problem": why} for p, why in restored.skipped],
        "will_push": len(waiting),
        "events": waiting,
        "counters": counters,
    }
    if args.json:
        print(dumps(report))
        return 0
    _print_report(report)
    return 0


def _print_report(report: dict[str, Any]) -> None:
    taken = report["backup_taken_at"]
    print(f"已从备份恢复 restored from: {report['restored_from']}（备份时间 taken at {taken} UTC）")
    for path in report["set_aside"]:
        print(f"  原文件已移到 set aside: {path}")
    for skipped in report["skipped_backups"]:
        print(f"  跳过损坏的备份 skipped a bad backup: {skipped['path']} ({skipped['problem']})")
    print(f"下次同步将重新上传 {report['will_push']} 个事件；总部按事件编号只记一次，已收到的不会重复入账。\n"
          f"{report['will_push']} events will be pushed (again) at the next sync; central records each event "
          f"id once, so those it already has change nothing.")
    for event in report["events"][:SHOW_EVENTS]:
        print(f"  #{event['seq']} {event['type']} {event['occurred_at']} {event['event_id']}")
    if len(report["events"]) > SHOW_EVENTS:
        print(f"  … {len(report['events']) - SHOW_EVENTS} more / 另有 {len(report['events']) - SHOW_EVENTS} 个")
    print(f"备份时间 {taken} 之后、且未上传到总部的销售不在备份中，无法恢复；已上传的总部仍有记录。\n"
          f"sales made after {taken} that had not reached central are not in the backup and cannot be "
          f"recovered; those central received are kept there.")
    print(f"票号等本机编号向后跳过，避免与备份后已用过的编号重复：{report['counters']}\n"
          f"receipt and other local numbers moved on so none used after the backup is issued again")


def _start_empty(directory: Path, db_path: Path) -> int:
    from terminal.store.backup import set_aside_database

    aside = set_aside_database(db_path)
    retired = retire_marker(directory)
    print(f"已将原数据库移到 {aside or '-'}，注册标记移到 {retired or '-'}。本目录将作为新终端启动：请向总部申请新的注册码，"
          f"运行 pos-terminal enroll。\n"
          f"the old database was moved to {aside or '-'} and the enrolment marker to {retired or '-'}. This "
          f"folder starts as a new till: get a new enrolment code from head office and run "
          f"`pos-terminal enroll`.")
    return 0
