"""`pos-terminal run`: its options, and the errors it gives before any window opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from terminal.cli import build_parser, main
from terminal.ui import fonts
from terminal.ui.launch import density_for, parse_size


def test_run_options_are_parsed() -> None:
    args = build_parser().parse_args(["run", "--data", "/tmp/x", "--fullscreen", "--size", "1920x1080",
                                      "--lang", "en"])
    assert (args.data, args.fullscreen, args.size, args.lang) == ("/tmp/x", True, "1920x1080", "en")
    assert build_parser().parse_args(["run"]).lang == "zh_CN"


def test_bad_size_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--size", "big"]) == 2
    assert "1024x768" in capsys.readouterr().err


def test_missing_font_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    monkeypatch.setattr(fonts, "CANDIDATES", (tmp_path / "missing.ttc",))
    assert main(["run", "--data", str(tmp_path / "data")]) == 3
    assert "fonts-wqy-microhei" in capsys.readouterr().err


def test_sizes_and_scaling() -> None:
    assert parse_size("1024x768") == (1024, 768)
    with pytest.raises(ValueError, match="1024x768"):
        parse_size("1024*768")
    assert density_for((1024, 768)) == 1.0
    assert density_for((800, 600)) == 1.0
    assert density_for((1920, 1080)) == 1.41


def test_display_option(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["run", "--display", "serial:///dev/ttyUSB1?charset=ascii"])
    assert args.display == "serial:///dev/ttyUSB1?charset=ascii"
    assert build_parser().parse_args(["run"]).display is None
    assert main(["run", "--display", "serial:///dev/ttyUSB1?speed=9600"]) == 2
    assert "speed" in capsys.readouterr().err


def test_http_client_requests_stay_out_of_the_till_log() -> None:
    import logging

    from terminal.ui.launch import quiet_http_client_logs

    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    quiet_http_client_logs()
    assert not logging.getLogger("httpcore").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("httpx").isEnabledFor(logging.WARNING)
