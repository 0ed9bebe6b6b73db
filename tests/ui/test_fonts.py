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


def test_screen_checks_tell_a_real_screen_from_blank_and_noise(tmp_path: Path) -> None:
    import random

    from PIL import Image, ImageDraw

    from tests.ui.images import BACKGROUND_RGB, assert_real_screen

    blank = tmp_path / "blank.png"
    Image.new("RGB", (320, 240), BACKGROUND_RGB).save(blank)
    noise = tmp_path / "noise.png"
    rng = random.Random(1)
    Image.frombytes("RGB", (320, 240), bytes(rng.randrange(256) for _ in range(320 * 240 * 3))).save(noise)
    ui = tmp_path / "ui.png"
    image = Image.new("RGB", (320, 240), BACKGROUND_RGB)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 320, 20), fill=(40, 50, 66))
    draw.rectangle((20, 40, 300, 220), fill=(255, 255, 255))
    draw.rectangle((30, 180, 290, 210), fill=(26, 158, 77))
    image.save(ui)

    assert_real_screen(ui)
    for bad in (blank, noise):
        with pytest.raises(AssertionError):
            assert_real_screen(bad)
