"""`pos-terminal pay-setup`: give this till its 付款码 provider (merchant id, app id, API key, URL),
kept in the till's settings; `--show` prints them with the key hidden; `--check` asks the provider
about an order that cannot exist, which proves the URL answers and the key signs (nothing is charged).

The API key is read from a file (`--key-file`) or the `POS_PAY_KEY` environment variable, never from
the command line (other users of the machine can read a process's arguments)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from drivers.errors import DeviceConfigError
from drivers.payments.provider import ChargeStatus
from drivers.payments.settings import ProviderSettings, Secret, open_provider
from terminal.payment_settings import provider_settings, save_provider_settings
from terminal.store import open_store
from terminal.sync_client.setup import data_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="gateway, e.g. https://api.mch.weixin.qq.com (or the simulator's URL)")
    parser.add_argument("--mch-id", help="merchant id (商户号)")
    parser.add_argument("--app-id", help="app id (公众账号ID)")
    parser.add_argument("--key-file", type=Path, help="file holding the API key (else POS_PAY_KEY)")
    parser.add_argument("--cert", help="client certificate PEM (撤销 and 退款 need it at WeChat Pay)")
    parser.add_argument("--cert-key", help="the certificate's key PEM")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for an answer (default 10)")
    parser.add_argument("--show", action="store_true", help="print the settings (key hidden) and stop")
    parser.add_argument("--check", action="store_true", help="ask the provider once (nothing is charged)")


def _describe(settings: ProviderSettings | None) -> str:
    if settings is None:
        return "未配置付款码支付渠道 / no payment-code provider configured"
    return (f"provider={settings.provider} url={settings.url} mch_id={settings.mch_id} app_id={settings.app_id} "
            f"api_key={settings.api_key} timeout={settings.timeout_s}s")


def run(args: argparse.Namespace) -> int:
    store = open_store(data_dir(args.data))
    try:
        if args.url:
            key = args.key_file.read_text(encoding="utf-8").strip() if args.key_file else os.environ.get(
                "POS_PAY_KEY", "")
            try:
                settings = ProviderSettings(provider="wechat", url=args.url, mch_id=args.mch_id or "",
                                            app_id=args.app_id or "", api_key=Secret(key), cert_file=args.cert,
                                            cert_key_file=args.cert_key, timeout_s=args.timeout)
            except DeviceConfigError as exc:
                print(f"{exc.message}\n{exc.message_en}", file=sys.stderr)
                return 2
            save_provider_settings(store, settings)
            print("已保存 saved")
        try:
            current = provider_settings(store)
        except DeviceConfigError as exc:
            print(f"{exc.message}\n{exc.message_en}", file=sys.stderr)
            return 2
        print(_describe(current))
        if args.check and current is not None:
            provider = open_provider(current)
            try:
                answer = provider.query("pay-setup-check-00")
            finally:
                provider.close()
            reached = answer.status is not ChargeStatus.UNKNOWN or answer.code not in (
                "offline", "timeout", "connection_lost", "bad_signature", "bad_answer", "return_fail")
            print(f"{'支付渠道应答正常' if reached else '支付渠道未正常应答'} / provider "
                  f"{'answers, key accepted' if reached else 'did not answer properly'} ({answer.code})")
            return 0 if reached else 1
        return 0
    finally:
        store.close()
