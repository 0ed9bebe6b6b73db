"""`pos-terminal pay-setup`: the provider's settings kept in the till's settings, the key never
printed or logged, and `--check` proving the URL answers and the key signs (against the simulator)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from drivers.sim.payments import DEMO_APP_ID, DEMO_KEY, DEMO_MCH_ID, PaymentSimulator
from terminal.cli import main
from terminal.payment_settings import open_till_provider, provider_settings
from terminal.store import open_store


def test_pay_setup_keeps_the_settings_and_never_shows_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              caplog: pytest.LogCaptureFixture,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POS_PAY_URL", raising=False)
    data = tmp_path / "till"
    key_file = tmp_path / "key.txt"
    key_file.write_text(DEMO_KEY + "\n")
    caplog.set_level(logging.DEBUG)
    with PaymentSimulator() as sim:
        assert main(["pay-setup", "--data", str(data), "--show"]) == 0
        assert "未配置" in capsys.readouterr().out
        assert main(["pay-setup", "--data", str(data), "--url", sim.url, "--mch-id", DEMO_MCH_ID, "--app-id",
                     DEMO_APP_ID, "--key-file", str(key_file), "--check"]) == 0
        out = capsys.readouterr().out
        assert "answers, key accepted" in out
        assert DEMO_MCH_ID in out
        wrong = tmp_path / "wrong.txt"
        wrong.write_text("not-the-merchants-key-0000000000")
        assert main(["pay-setup", "--data", str(data), "--url", sim.url, "--mch-id", DEMO_MCH_ID, "--app-id",
                     DEMO_APP_ID, "--key-file", str(wrong), "--check"]) == 1
        out += capsys.readouterr().out
        assert sim.charges == []
    assert DEMO_KEY not in out
    assert DEMO_KEY not in caplog.text
    assert "not-the-merchants-key" not in out + caplog.text
    store = open_store(data)
    try:
        settings = provider_settings(store)
        assert settings is not None
        assert settings.api_key.reveal() == "not-the-merchants-key-0000000000"
        assert settings.device_info is None or settings.device_info
        provider, problem = open_till_provider(store)
        assert provider is not None
        assert problem == ""
        provider.close()
        assert DEMO_KEY not in repr(settings)
        audit = " ".join(str(r[0]) for r in store.all("SELECT detail FROM audit_log"))
        assert "not-the-merchants-key" not in audit
    finally:
        store.close()
