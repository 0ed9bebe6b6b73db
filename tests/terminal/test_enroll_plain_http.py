"""`pos-terminal enroll` warns loudly, in Chinese and English, when the enrolment code and the device
credential would cross the network in clear text: plain http:// to anything but this machine (#10 §5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from terminal.cli import main
from terminal.commands.enroll import plain_http_warning


@pytest.mark.parametrize("url", ["http://192.168.1.20:8000", "HTTP://central.example.cn", "http://10.0.0.5",
                                 "http://[2001:db8::1]:8000", "http://0.0.0.0:8000"])
def test_plain_http_to_another_machine_is_warned_about(url: str) -> None:
    warning = plain_http_warning(url)
    assert warning is not None
    assert "警告：正在用未加密的 http://" in warning
    assert "WARNING: plain http://" in warning
    assert "HTTPS" in warning


@pytest.mark.parametrize("url", ["https://central.example.cn", "http://127.0.0.1:8000", "http://localhost:8000",
                                 "http://127.8.9.1", "http://[::1]:8000", "https://192.168.1.20"])
def test_tls_or_this_machine_is_not(url: str) -> None:
    assert plain_http_warning(url) is None


def test_the_command_prints_it_before_it_tries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 0.0.0.0 is not loopback by name; nothing listens on port 1, so the enrolment itself fails at once
    code = main(["enroll", "--data", str(tmp_path / "t"), "--server", "http://0.0.0.0:1", "--code", "AAAA-BBBB"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("!!! 警告：正在用未加密的 http:// 连接 0.0.0.0")
    assert "!!! WARNING: plain http:// to 0.0.0.0" in err
