"""The CJK font: found where Debian installs it, overridable, and a clear error when missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from terminal.ui import fonts


def test_finds_an_installed_cjk_font() -> None:
    path = fonts.find_cjk_font()
    assert path.is_file()
    assert path.suffix in {".ttc", ".ttf", ".otf"}


def test_override_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    font = tmp_path / "my.ttf"
    font.write_bytes(b"\0" * 16)
    monkeypatch.setenv(fonts.FONT_ENV, str(font))
    assert fonts.find_cjk_font() == font


def test_missing_font_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    monkeypatch.setattr(fonts, "CANDIDATES", (tmp_path / "none.ttc",))
    with pytest.raises(fonts.FontMissingError) as info:
        fonts.find_cjk_font()
    assert "fonts-wqy-microhei" in str(info.value)
    assert str(tmp_path / "none.ttc") in str(info.value)
