"""The test reader is strict: it must reject what a printer would misprint, or the layout tests prove nothing."""

from __future__ import annotations

import pytest

from .escpos_reader import Op, ReaderError, read_escpos


@pytest.mark.parametrize(
    "raw",
    [
        b"\x1b@" + "中文".encode("gb18030") + b"\n",  # two-byte text outside Chinese mode
        b"\x1b@\x1c&\xa3\n",  # a GBK lead byte without its trail byte
        b"\x1bZ\x00",  # a command we never send
        b"\x1dV\x07",  # a cut mode that does not exist
        b"\x1bp\x00\x32\x10",  # drawer pulse off-time shorter than on-time
        b"\x1d(k\x03\x00\x31\x51\x30",  # QR printed before its data was stored
        b"\x1d(k\x10\x00\x31\x50",  # truncated QR store
        b"\x07",  # a stray control byte
    ],
)
def test_malformed_streams_are_rejected(raw: bytes) -> None:
    with pytest.raises(ReaderError):
        read_escpos(raw)


def test_a_well_formed_stream() -> None:
    raw = (b"\x1b@\x1c&\x1ba\x01" + "￥3.50".encode("gb18030") + b"\n"
           + b"\x1d(k\x06\x00\x31\x50\x30ABC" + b"\x1d(k\x03\x00\x31\x51\x30" + b"\x1c.\x1bd\x04\x1dV\x01")
    state = read_escpos(raw)
    assert state.ops == [Op("init"), Op("chinese", True), Op("align", 1), Op("text", "￥3.50"), Op("qr", "ABC"),
                         Op("chinese", False), Op("feed", 4), Op("cut", "partial")]
