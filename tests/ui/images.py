"""Checks that a screenshot shows a real screen, not a blank or garbage window."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageStat

BACKGROUND_RGB = (240, 242, 247)
"""The app's background colour (0.94, 0.95, 0.97) in 8-bit RGB."""


def non_background_ratio(path: Path, tolerance: int = 12) -> float:
    """Share of pixels that differ from the app background (0 for an empty window)."""
    image = Image.open(path).convert("RGB").resize((256, 192))
    pixels = list(image.getdata())
    far = sum(1 for p in pixels if max(abs(p[i] - BACKGROUND_RGB[i]) for i in range(3)) > tolerance)
    return far / len(pixels)


def luminance_stddev(path: Path) -> float:
    return float(ImageStat.Stat(Image.open(path).convert("L")).stddev[0])


def dark_ratio(path: Path, box: tuple[int, int, int, int] | None = None) -> float:
    """Share of dark pixels (text) inside `box`: Chinese text drawn as glyphs, not empty boxes."""
    image = Image.open(path).convert("L")
    if box is not None:
        image = image.crop(box)
    pixels = list(image.getdata())
    return sum(1 for p in pixels if p < 110) / max(1, len(pixels))


def noise_level(path: Path) -> float:
    """Mean brightness jump between horizontal neighbours: small for a UI, huge for a garbage buffer."""
    image = Image.open(path).convert("L")
    width, height = image.size
    data = image.tobytes()
    total, count = 0, 0
    for y in range(0, height, 7):
        row = data[y * width:(y + 1) * width]
        for x in range(1, width, 3):
            total += abs(row[x] - row[x - 1])
            count += 1
    return total / max(1, count)


def assert_real_screen(path: Path) -> None:
    """Not blank, not one flat colour, not noise from an unrendered buffer."""
    assert path.is_file(), f"no screenshot at {path}"
    ratio = non_background_ratio(path)
    spread = luminance_stddev(path)
    noise = noise_level(path)
    assert ratio > 0.04, f"{path.name}: only {ratio:.1%} of pixels differ from the background (blank?)"
    assert spread > 15, f"{path.name}: flat image (luminance stddev {spread:.1f})"
    assert noise < 20, f"{path.name}: looks like noise (mean neighbour difference {noise:.1f})"
