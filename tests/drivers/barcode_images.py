"""Real barcode images for the camera tests, drawn by python-barcode and qrcode."""

from __future__ import annotations

import io

import barcode
import qrcode
from barcode.writer import ImageWriter
from PIL import Image, ImageFilter


def linear(kind: str, digits: str) -> Image.Image:
    """kind: ean13, ean8, upca, code128 (python-barcode names)."""
    cls = barcode.get_barcode_class(kind)
    buffer = io.BytesIO()
    cls(digits, writer=ImageWriter()).write(buffer, options={"module_width": 0.3, "module_height": 12.0,
                                                             "quiet_zone": 6.0, "font_size": 8, "dpi": 200})
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def qr(text: str) -> Image.Image:
    code = qrcode.QRCode(box_size=6, border=4)
    code.add_data(text)
    code.make(fit=True)
    image: Image.Image = code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    return image


def on_table(image: Image.Image, *, angle: float = 0, blur: float = 0, size: tuple[int, int] = (900, 700)) -> Image.Image:
    """Place the code on a grey background like a camera frame, turned and slightly out of focus."""
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255)) if angle else image
    frame = Image.new("RGB", size, (170, 170, 160))
    x = max(0, (size[0] - turned.width) // 2)
    y = max(0, (size[1] - turned.height) // 2)
    frame.paste(turned, (x, y))
    return frame.filter(ImageFilter.GaussianBlur(blur)) if blur else frame


def blank(size: tuple[int, int] = (640, 480)) -> Image.Image:
    return Image.new("RGB", size, (170, 170, 160))
