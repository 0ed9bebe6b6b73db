"""QR codes drawn by central as inline SVG (no image service: the console works offline)."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from markupsafe import Markup


def qr_svg(payload: str) -> Markup:
    """A QR code of an ASCII payload (terminals scan ASCII reliably) as an inline `<svg>`."""
    image = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    text = image.to_string(encoding="unicode")
    return Markup(text[text.index("<svg"):])
