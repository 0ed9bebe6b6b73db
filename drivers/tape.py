"""Reading ESC/POS back: split a captured byte stream into jobs and show what each one prints.

A printer URL `file://…` appends every job to one file (the demo's `data/receipts.bin`); each job
starts with `ESC @` (initialise). `split_jobs` walks the stream command by command — skipping the
bodies of QR codes and raster images, whose bytes may look like anything — and cuts it at every
`ESC @`; `job_text` gives the text a job prints (GB18030), with `[QR]` and `[image]` where those
print and the formatting commands left out. For tests there is a strict reader in
`tests/drivers/escpos_reader.py`; this one is for people reading receipts.
"""

from __future__ import annotations

from collections.abc import Iterator

_FIXED_LENGTH = {b"\x1b@": 2, b"\x1ba": 3, b"\x1bE": 3, b"\x1bd": 3, b"\x1bp": 5, b"\x1d!": 3, b"\x1dV": 3,
                 b"\x1c!": 3, b"\x1c&": 2, b"\x1c.": 2, b"\x10\x04": 3, b"\x10\x14": 5, b"\x1b-": 3,
                 b"\x1b!": 3, b"\x1bM": 3, b"\x1dB": 3, b"\x1bt": 3, b"\x1b2": 2, b"\x1b3": 3}

INIT = b"\x1b@"


def _commands(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(start, end, head) of each command or printable byte, in order; `head` is b"" for a text byte."""
    i = 0
    while i < len(data):
        head = data[i:i + 2]
        if head in _FIXED_LENGTH:
            end = i + _FIXED_LENGTH[head]
        elif head == b"\x1d(" and i + 5 <= len(data):
            end = i + 5 + int.from_bytes(data[i + 3:i + 5], "little")
        elif head == b"\x1dv" and i + 8 <= len(data):
            end = i + 8 + int.from_bytes(data[i + 4:i + 6], "little") * int.from_bytes(data[i + 6:i + 8], "little")
        else:
            yield i, i + 1, b""
            i += 1
            continue
        yield i, min(end, len(data)), head
        i = end


def split_jobs(data: bytes) -> list[bytes]:
    """The jobs of a captured stream, each starting at its `ESC @` (bytes before the first one, if
    any, are a job of their own)."""
    starts = [start for start, _end, head in _commands(data) if head == INIT]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = [*starts, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if data[a:b]]


def job_text(job: bytes) -> str:
    """The text a job prints, commands left out."""
    out = bytearray()
    for start, end, head in _commands(job):
        if not head:
            out += job[start:end]
        elif head == b"\x1d(" and job[start + 6:start + 7] == b"Q":  # function 181: print the stored symbol
            out += b"[QR]"
        elif head == b"\x1dv":
            out += b"[image]\n"
        elif head == b"\x1dV":
            out += b"\n"
    return out.decode("gb18030", errors="replace")
