"""Camera scanning: zbar (pyzbar) on PIL frames, with de-duplication across consecutive frames.

Frames come from a `FrameSource`: `ImageFileCamera` plays image files (tests, demo); a V4L2
device is read through OpenCV when it is installed. A code held in front of the camera is
reported once, and again only after it has left the picture for `rearm_frames` frames.
"""

from __future__ import annotations

import glob
import math
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from PIL import Image, ImageFilter, ImageMath, ImageStat

from drivers.errors import CameraMissingError, CameraReadError, DeviceConfigError
from drivers.scan import ScanResult, Symbology

_ZBAR_NAMES: dict[str, Symbology] = {
    "EAN13": "EAN-13",
    "EAN8": "EAN-8",
    "UPCA": "UPC-A",
    "CODE128": "Code 128",
    "QRCODE": "QR",
}
RETRY_ANGLES = (45, -25, 25)
"""zbar reads 1-D codes within roughly ±15° of horizontal or vertical; with these turns every angle
is within reach of one pass (QR codes read at any angle anyway)."""


STRONG_QUALITY = 10
"""A 1-D read agreed by this many scan lines is taken without trying further turns."""
MIN_LINEAR_QUALITY = 3
"""zbar's quality of a 1-D read is how many scan lines agreed; reads from one or two lines are where
misreads come from (a turned, blurred Code 128 read as another valid code), so they are dropped."""


class FrameSource(Protocol):
    def read(self) -> Image.Image | None:
        """The next frame, or None when there is none (end of the file list, camera gap)."""
        ...

    def close(self) -> None: ...


def decode_frame(image: Image.Image, retry_angles: Sequence[float] = RETRY_ANGLES) -> list[ScanResult]:
    """Every supported code in one frame.

    Passes: upright; turned so the frame's dominant edges stand upright; then turned by each of
    `retry_angles` (pass `()` for live video, where the next frame is the cheaper retry). A pass
    with a strong read (or a QR code) ends the search; otherwise the pass with the strongest read
    wins, so a weak partial read (an EAN-8 inside a turned UPC-A) loses to the whole code.
    """
    from pyzbar.pyzbar import ZBarSymbol, decode

    symbols = [ZBarSymbol.EAN13, ZBarSymbol.EAN8, ZBarSymbol.UPCA, ZBarSymbol.CODE128, ZBarSymbol.QRCODE]
    gray = image.convert("L")
    best: list[Any] = []
    for angle in (0.0, None, *retry_angles):
        if angle is None:
            angle = -_dominant_edge_angle(gray)
            if abs(angle) < 3:
                continue  # already upright: the first pass saw it
        turned = gray if angle == 0 else gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True,
                                                     fillcolor=255)
        found = _trusted(decode(turned, symbols=symbols))
        if found and _strength(found) >= STRONG_QUALITY:
            best = found
            break
        if found and _strength(found) > _strength(best):
            best = found
    results: list[ScanResult] = []
    for item in best:
        symbology = _ZBAR_NAMES.get(item.type, "unknown")
        code = item.data.decode("ascii", errors="replace") if symbology != "QR" else _qr_text(item.data)
        result = ScanResult(code=code, symbology=symbology, source="camera")
        if result not in results:
            results.append(result)
    return results


def _strength(found: list[Any]) -> int:
    if not found:
        return 0
    return max(STRONG_QUALITY if item.type == "QRCODE" else int(item.quality) for item in found)


def _dominant_edge_angle(gray: Image.Image) -> float:
    """Direction of the strongest edges (structure tensor of Sobel gradients), in degrees.

    Sums of products are taken as squares only, (a+b)² − (a−b)² = 4ab, because PIL's statistics of
    float images are histogram based and unreliable for signed values.
    """
    kx = ImageFilter.Kernel((3, 3), (-1, 0, 1, -2, 0, 2, -1, 0, 1), scale=8, offset=128)
    ky = ImageFilter.Kernel((3, 3), (-1, -2, -1, 0, 0, 0, 1, 2, 1), scale=8, offset=128)
    gx = gray.filter(kx).convert("F")
    gy = gray.filter(ky).convert("F")

    def total(fn: Any) -> float:
        return float(ImageStat.Stat(ImageMath.lambda_eval(fn, p=gx, q=gy)).sum[0])

    jxx = total(lambda a: (a["p"] - 128) * (a["p"] - 128))
    jyy = total(lambda a: (a["q"] - 128) * (a["q"] - 128))
    plus = total(lambda a: (a["p"] + a["q"] - 256) * (a["p"] + a["q"] - 256))
    minus = total(lambda a: (a["p"] - a["q"]) * (a["p"] - a["q"]))
    jxy = (plus - minus) / 4
    return 0.5 * math.degrees(math.atan2(2 * jxy, jxx - jyy))


def _trusted(found: list[Any]) -> list[Any]:
    return [item for item in found if item.type == "QRCODE" or item.quality >= MIN_LINEAR_QUALITY]


def _qr_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


class Deduplicator:
    """Report a code once while it stays in view; re-arm after it is absent for `rearm_frames` frames."""

    def __init__(self, rearm_frames: int = 1) -> None:
        if rearm_frames < 1:
            raise ValueError("rearm_frames must be ≥ 1")
        self.rearm_frames = rearm_frames
        self._absent: dict[tuple[str, str], int] = {}
        """Codes recently seen → frames since last seen."""

    def filter(self, results: Iterable[ScanResult]) -> list[ScanResult]:
        seen_now = {(r.symbology, r.code): r for r in results}
        fresh = [r for key, r in seen_now.items() if key not in self._absent]
        for key in list(self._absent):
            if key in seen_now:
                continue
            self._absent[key] += 1
            if self._absent[key] >= self.rearm_frames:
                del self._absent[key]
        for key in seen_now:
            self._absent[key] = 0
        return fresh


class CameraScanner:
    """A `Scanner` over any frame source."""

    def __init__(self, source: FrameSource, *, rearm_frames: int = 1,
                 retry_angles: Sequence[float] = RETRY_ANGLES) -> None:
        self.source = source
        self.retry_angles = tuple(retry_angles)
        self.dedup = Deduplicator(rearm_frames)
        self._queue: list[ScanResult] = []

    def scan_frame(self, image: Image.Image) -> list[ScanResult]:
        """New codes in this frame (the ones already reported while in view are left out)."""
        return self.dedup.filter(decode_frame(image, self.retry_angles))

    def read(self, timeout: float) -> ScanResult | None:
        deadline = time.monotonic() + timeout
        while not self._queue:
            if time.monotonic() >= deadline:
                return None
            frame = self.source.read()
            if frame is None:
                return None
            self._queue.extend(self.scan_frame(frame))
        return self._queue.pop(0)

    def close(self) -> None:
        self.source.close()


class ImageFileCamera:
    """Plays image files as camera frames (a glob pattern, a folder, or a list of paths)."""

    def __init__(self, files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *, loop: bool = False) -> None:
        if isinstance(files, str | os.PathLike):
            path = Path(files)
            paths = sorted(path.iterdir()) if path.is_dir() else [Path(p) for p in sorted(glob.glob(os.fspath(files)))]
        else:
            paths = [Path(p) for p in files]
        if not paths:
            raise CameraMissingError(f"no image files at {files}", message="找不到摄像头（没有图像文件）",
                                     message_en="Camera not found (no image files)")
        self.paths = paths
        self.loop = loop
        self._index = 0

    def read(self) -> Image.Image | None:
        if self._index >= len(self.paths):
            if not self.loop:
                return None
            self._index = 0
        path = self.paths[self._index]
        self._index += 1
        try:
            with Image.open(path) as opened:
                opened.load()
                frame: Image.Image = opened.copy()
        except OSError as exc:
            raise CameraReadError(f"{path}: {exc}") from exc
        return frame

    def close(self) -> None:
        self._index = len(self.paths)
        self.loop = False


class V4L2Camera:
    """A real camera (`/dev/videoN`), read through OpenCV when it is installed."""

    def __init__(self, device: str = "/dev/video0") -> None:
        if not os.path.exists(device):
            raise CameraMissingError(device)
        try:
            import cv2
        except ImportError as exc:
            raise CameraMissingError(f"{device}: OpenCV (opencv-python-headless) is needed to read a live camera",
                                     message="摄像头需要 OpenCV 支持，请安装 opencv-python-headless",
                                     message_en="Reading a live camera needs OpenCV (opencv-python-headless)") from exc
        self._cv2: Any = cv2
        self._capture: Any = cv2.VideoCapture(device)
        if not self._capture.isOpened():
            raise CameraMissingError(f"{device}: cannot open")

    def read(self) -> Image.Image | None:
        ok, frame = self._capture.read()
        if not ok:
            raise CameraReadError("frame grab failed")
        image: Image.Image = Image.fromarray(self._cv2.cvtColor(frame, self._cv2.COLOR_BGR2RGB))
        return image

    def close(self) -> None:
        self._capture.release()


def open_camera(spec: str) -> FrameSource:
    """`files:///path/*.png` (or a folder) plays images; `/dev/videoN` opens a real camera."""
    if spec.startswith("files://"):
        return ImageFileCamera(spec[len("files://"):])
    if spec.startswith("/dev/"):
        return V4L2Camera(spec)
    raise DeviceConfigError(spec, message="摄像头设置有误", message_en="Camera must be files://PATTERN or /dev/videoN")
