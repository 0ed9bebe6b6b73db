"""`pos-terminal enroll --server URL --code CODE`: enrol with central, then download everything."""

from __future__ import annotations

import argparse
import ipaddress
import sys
import time
from urllib.parse import urlsplit

from sync.master import Entity
from terminal.store import open_store
from terminal.sync_client.client import dumps, status_dict
from terminal.sync_client.setup import bootstrap, data_dir, enroll
from terminal.sync_client.transport import Offline, SyncError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", required=True, metavar="URL", help="central server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--code", required=True, help="one-time enrolment code from `pos-central enroll-code`")
    parser.add_argument("--name", default=None, help="a name for this device (e.g. 1号收银台)")
    parser.add_argument("--force", action="store_true", help="enrol again although already enrolled")


def plain_http_warning(server: str) -> str | None:
    """The warning for a server URL that sends the enrolment code and the device credential in clear
    text over the network (plain http:// to anything but this machine), or None."""
    parsed = urlsplit(server.strip())
    if parsed.scheme.lower() != "http":
        return None
    host = (parsed.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    shown = host or server
    return (f"!!! 警告：正在用未加密的 http:// 连接 {shown}。注册码、终端凭证和每笔销售都会以明文经过网络，"
            "同一网络中的人可以截取并冒充本终端。请让总部为服务器配置 HTTPS（见 README 的运行说明），"
            "改用 https:// 地址。\n"
            f"!!! WARNING: plain http:// to {shown}: the enrolment code, this terminal's credential and every "
            "sale cross the network unencrypted, and anyone on the way can copy them and pose as this "
            "terminal. Have head office serve central over HTTPS (see the README's operating notes) and "
            "use an https:// address.")


def run(args: argparse.Namespace) -> int:
    warning = plain_http_warning(args.server)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    store = open_store(data_dir(args.data))
    try:
        try:
            identity = enroll(store, args.server, args.code, name=args.name, force=args.force)
        except SyncError as exc:
            detail_en = getattr(exc, "detail_en", "") or exc.detail
            print(f"注册失败：{exc.message}（{exc.detail}）\nenrolment failed: {exc.message_en} ({detail_en})",
                  file=sys.stderr)
            if isinstance(exc, Offline):
                print("可用同一注册码再次运行本命令（在注册码过期前可安全重试）\n"
                      "run this command again with the same code (safe to retry until the code expires)",
                      file=sys.stderr)
            return 1
        print(f"已注册为终端 {identity['terminal_code']}（门店 {identity['store_code']}），正在下载基础资料…")
        started = time.perf_counter()
        try:
            report = bootstrap(store)
        except SyncError as exc:
            print(f"已注册，但下载基础资料失败：{exc.message}；稍后运行 pos-terminal sync\n"
                  f"enrolled, but the first download failed: {exc.message_en}; run `pos-terminal sync` later",
                  file=sys.stderr)
            return 1
        products = store.master.count(Entity.PRODUCT.value)
        print(f"基础资料已下载：{products} 个商品，用时 {time.perf_counter() - started:.1f} 秒；可离线收银")
        summary = {**identity, **status_dict(store), "products": products, "round": report.as_dict()}
        summary.pop("quarantine", None)
        print(dumps(summary))
        return 0
    finally:
        store.close()
