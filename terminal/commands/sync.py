"""`pos-terminal sync`: one full round (push then pull); exit 0 only when everything is through."""

from __future__ import annotations

import argparse
import sys

from terminal.store.db import Store, open_store
from terminal.sync_client.client import SyncClient, dumps, status_dict
from terminal.sync_client.setup import data_dir
from terminal.sync_client.transport import SyncError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    parser.add_argument("--retries", type=int, default=3, help="retries per request (default 3)")


def run(args: argparse.Namespace) -> int:
    """Exit 0: outbox empty and pull current. 1: an error (printed). 3: events still waiting
    (deferred by central, e.g. a return whose sale another till has not sent yet)."""
    store = open_store(data_dir(args.data))
    try:
        try:
            client = SyncClient.from_settings(store, timeout=args.timeout, retries=args.retries)
        except SyncError:
            print("本终端尚未注册，请先运行 pos-terminal enroll\nthis terminal is not enrolled: run "
                  "`pos-terminal enroll` first", file=sys.stderr)
            return 2
        try:
            report = client.sync_round()
        except SyncError as exc:
            print(f"同步失败：{exc.message}\nsync failed: {exc.message_en} {exc.detail}", file=sys.stderr)
            out = status_dict(store)
            out.pop("quarantine", None)
            print(dumps({"ok": False, **out}))
            return 1
        finally:
            client.transport.close()
        out = status_dict(store)
        out.pop("quarantine", None)
        photos = _upload_photos(store, args.timeout)
        if photos is not None:
            out["photos"] = photos
        print(dumps({"ok": report.current, **out, "round": report.as_dict()}))
        return 0 if report.current else 3
    finally:
        store.close()


def _upload_photos(store: Store, timeout: float) -> dict[str, int] | None:
    """On a rep tablet, after the round: the photos whose visits central now has (their own queue;
    a failure leaves them queued and does not fail the sync)."""
    from terminal.field.attachments import upload_pending
    from terminal.field.mode import is_rep_tablet

    if not is_rep_tablet(store):
        return None
    report = upload_pending(store, timeout=timeout)
    return {"uploaded": report.uploaded, "failed": report.failed, "waiting": report.waiting}
