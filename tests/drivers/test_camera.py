"""Camera scanning on real barcode images (python-barcode, qrcode): turned, blurred, de-duplicated."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.camera import CameraScanner, Deduplicator, ImageFileCamera, decode_frame, open_camera
from drivers.errors import CameraMissingError, CameraReadError, DeviceConfigError
from drivers.scan import ScanResult

from .barcode_images import blank, linear, on_table, qr

CODES = [
    ("ean13", "690123456789", "6901234567892", "EAN-13"),
    ("ean8", "9031101", "90311017", "EAN-8"),
    ("upca", "03600029145", "036000291452", "UPC-A"),
    ("code128", "S0202-20261123-0042", "S0202-20261123-0042", "Code 128"),
]


@pytest.mark.parametrize(("kind", "digits", "expected", "symbology"), CODES)
@pytest.mark.parametrize(("angle", "blur"), [(0, 0), (12, 1.0), (37, 0), (45, 1.0), (90, 0), (160, 1.0)])
def test_linear_codes_decode_turned_and_blurred(
    kind: str, digits: str, expected: str, symbology: str, angle: float, blur: float
) -> None:
    frame = on_table(linear(kind, digits), angle=angle, blur=blur)
    assert decode_frame(frame) == [ScanResult(code=expected, symbology=symbology, source="camera")]  # type: ignore[arg-type]


@pytest.mark.parametrize("angle", [0, 30, 135])
def test_qr_with_a_receipt_number(angle: float) -> None:
    frame = on_table(qr("S0202-20261123-0042"), angle=angle, blur=1.0)
    assert decode_frame(frame) == [ScanResult(code="S0202-20261123-0042", symbology="QR", source="camera")]


def test_empty_frame_has_no_code() -> None:
    assert decode_frame(blank()) == []


def test_same_code_in_consecutive_frames_is_reported_once(tmp_path: Path) -> None:
    # given a camera that sees: code A, A, A (held still), nothing, A again, then B
    a = on_table(linear("ean13", "690123456789"))
    b = on_table(qr("S0101-20261123-0001"), angle=20)
    frames = [a, on_table(linear("ean13", "690123456789"), angle=5), a, blank(), a, b]
    for i, frame in enumerate(frames):
        frame.save(tmp_path / f"frame{i:02d}.png")
    scanner = CameraScanner(ImageFileCamera(tmp_path))
    # when everything is read
    codes = []
    while (result := scanner.read(timeout=5)) is not None:
        codes.append(result.code)
    # then A twice (it left the picture in between) and B once
    assert codes == ["6901234567892", "6901234567892", "S0101-20261123-0001"]


def test_rearm_after_several_frames() -> None:
    dedup = Deduplicator(rearm_frames=2)
    a = ScanResult(code="1", symbology="QR", source="camera")
    assert dedup.filter([a]) == [a]
    assert dedup.filter([]) == []
    assert dedup.filter([a]) == []  # absent for one frame only: still the same hold
    assert dedup.filter([]) == []
    assert dedup.filter([]) == []
    assert dedup.filter([a]) == [a]
    with pytest.raises(ValueError):
        Deduplicator(0)


def test_glob_source_and_loop(tmp_path: Path) -> None:
    on_table(qr("X1")).save(tmp_path / "a.png")
    camera = open_camera(f"files://{tmp_path}/*.png")
    assert camera.read() is not None
    assert camera.read() is None
    looping = ImageFileCamera([tmp_path / "a.png"], loop=True)
    assert looping.read() is not None
    assert looping.read() is not None


def test_camera_missing_and_unreadable(tmp_path: Path) -> None:
    with pytest.raises(CameraMissingError) as info:
        open_camera("/dev/video-none")
    assert info.value.message == "找不到摄像头"
    with pytest.raises(CameraMissingError):
        ImageFileCamera(f"{tmp_path}/*.png")
    with pytest.raises(DeviceConfigError):
        open_camera("rtsp://camera")
    with pytest.raises(CameraMissingError):
        open_camera("/dev/null")  # exists, but is no camera (and without OpenCV none can be read)
    (tmp_path / "broken.png").write_bytes(b"not an image")
    with pytest.raises(CameraReadError):
        ImageFileCamera(tmp_path).read()
