"""A small, strict ESC/POS reader for tests: bytes → a list of operations.

It knows exactly the commands our renderer may send and fails on anything else, so a stray or
malformed byte in the output makes a test fail rather than pass silently. Text is decoded as
GB18030 (two-byte characters are only legal while Chinese mode is on).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ReaderError(AssertionError):
    pass


@dataclass
class Op:
    kind: str
    value: object = None


@dataclass
class ReadState:
    ops: list[Op] = field(default_factory=list)
    chinese: bool = False
    qr_stored: str | None = None
    qr_module: int | None = None

    def texts(self) -> list[str]:
        return [str(op.value) for op in self.ops if op.kind == "text"]

    def kinds(self) -> list[str]:
        return [op.kind for op in self.ops]

    def first(self, kind: str) -> int:
        for i, op in enumerate(self.ops):
            if op.kind == kind:
                return i
        raise ReaderError(f"no {kind} in {self.kinds()}")

    def index_of_text(self, needle: str) -> int:
        for i, op in enumerate(self.ops):
            if op.kind == "text" and needle in str(op.value):
                return i
        raise ReaderError(f"text {needle!r} not printed; printed: {self.texts()}")


def read_escpos(data: bytes) -> ReadState:
    """Decode a byte stream; text runs between commands become one `text` op per line."""
    state = ReadState()
    i = 0
    text = bytearray()

    def flush_text(line_end: bool) -> None:
        if not text and not line_end:
            return
        raw = bytes(text)
        if not state.chinese and any(b >= 0x80 for b in raw):
            raise ReaderError(f"multi-byte text outside Chinese mode: {raw!r}")
        try:
            decoded = raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ReaderError(f"invalid GB18030 text {raw!r}") from exc
        state.ops.append(Op("text", decoded))
        text.clear()

    def need(n: int) -> bytes:
        if i + n > len(data):
            raise ReaderError(f"truncated command at byte {i}: {data[i:i + 8]!r}")
        return data[i:i + n]

    while i < len(data):
        b = data[i]
        if b == 0x0A:
            flush_text(True)
            i += 1
            continue
        if b >= 0x20:
            text.append(b)
            i += 1
            continue
        flush_text(False)
        if b == 0x1B:  # ESC
            cmd = need(2)[1:2]
            if cmd == b"@":
                state.ops.append(Op("init"))
                i += 2
            elif cmd == b"a":
                state.ops.append(Op("align", need(3)[2]))
                i += 3
            elif cmd == b"E":
                state.ops.append(Op("bold", bool(need(3)[2])))
                i += 3
            elif cmd == b"d":
                state.ops.append(Op("feed", need(3)[2]))
                i += 3
            elif cmd == b"p":
                m, t1, t2 = need(5)[2:5]
                if m not in (0, 1, 48, 49) or t2 < t1:
                    raise ReaderError(f"bad drawer pulse {m} {t1} {t2}")
                state.ops.append(Op("pulse", {"pin": 2 if m in (0, 48) else 5, "on_ms": t1 * 2, "off_ms": t2 * 2}))
                i += 5
            else:
                raise ReaderError(f"unknown ESC {cmd!r} at {i}")
        elif b == 0x1D:  # GS
            cmd = need(2)[1:2]
            if cmd == b"!":
                state.ops.append(Op("size", need(3)[2]))
                i += 3
            elif cmd == b"V":
                mode = need(3)[2]
                if mode not in (0, 1, 48, 49):
                    raise ReaderError(f"bad cut mode {mode}")
                state.ops.append(Op("cut", "full" if mode in (0, 48) else "partial"))
                i += 3
            elif cmd == b"(":
                head = need(5)
                if head[2:3] != b"k":
                    raise ReaderError(f"unknown GS ( {head[2:3]!r}")
                length = int.from_bytes(head[3:5], "little")
                body = need(5 + length)[5:]
                i += 5 + length
                _qr_function(state, body)
            elif cmd in (b"h", b"w", b"H", b"f"):
                state.ops.append(Op({b"h": "barcode_height", b"w": "barcode_module", b"H": "hri", b"f": "hri_font"}[cmd],
                                    need(3)[2]))
                i += 3
            elif cmd == b"k":
                m, n = need(4)[2:4]
                if m != 73:
                    raise ReaderError(f"barcode type {m}: only Code 128 (73) is used")
                payload = need(4 + n)[4:]
                if payload[:2] not in (b"{A", b"{B", b"{C"):
                    raise ReaderError("Code 128 data must start with a code set")
                state.ops.append(Op("code128", payload[2:].decode("ascii")))
                i += 4 + n
            elif cmd == b"v":
                head = need(8)
                if head[2:4] != b"0\x00":
                    raise ReaderError("unknown GS v mode")
                width_bytes = int.from_bytes(head[4:6], "little")
                height = int.from_bytes(head[6:8], "little")
                pixels = need(8 + width_bytes * height)[8:]
                state.ops.append(Op("raster", {"width": width_bytes * 8, "height": height, "bits": pixels}))
                i += 8 + width_bytes * height
            else:
                raise ReaderError(f"unknown GS {cmd!r} at {i}")
        elif b == 0x1C:  # FS
            cmd = need(2)[1:2]
            if cmd == b"&":
                state.chinese = True
                state.ops.append(Op("chinese", True))
                i += 2
            elif cmd == b".":
                state.chinese = False
                state.ops.append(Op("chinese", False))
                i += 2
            elif cmd == b"!":
                state.ops.append(Op("cjk_size", need(3)[2]))
                i += 3
            else:
                raise ReaderError(f"unknown FS {cmd!r} at {i}")
        elif b == 0x10:  # DLE
            cmd = need(3)
            if cmd[1] == 0x14:
                fn, m, t = need(5)[2:5]
                if fn != 1 or m not in (0, 1) or not 1 <= t <= 8:
                    raise ReaderError(f"bad real-time pulse {need(5)!r}")
                state.ops.append(Op("realtime_pulse", {"pin": 2 if m == 0 else 5, "on_ms": t * 100}))
                i += 5
                continue
            if cmd[1] != 0x04 or cmd[2] not in (1, 2, 3, 4):
                raise ReaderError(f"unknown DLE command {cmd!r}")
            state.ops.append(Op("status_query", cmd[2]))
            i += 3
        else:
            raise ReaderError(f"unexpected control byte 0x{b:02x} at {i}")
    if text:
        flush_text(False)
    return state


def _qr_function(state: ReadState, body: bytes) -> None:
    if body[:1] != b"\x31":
        raise ReaderError(f"GS ( k for symbol {body[:1]!r}, only QR (49) is used")
    fn = body[1:2]
    if fn == b"A":
        if body[2:3] not in (b"1", b"2"):
            raise ReaderError("bad QR model")
    elif fn == b"C":
        state.qr_module = body[2]
    elif fn == b"E":
        if body[2] not in (48, 49, 50, 51):
            raise ReaderError("bad QR error level")
    elif fn == b"P":
        if body[2:3] != b"0":
            raise ReaderError("bad QR store parameter")
        state.qr_stored = body[3:].decode("ascii")
    elif fn == b"Q":
        if state.qr_stored is None:
            raise ReaderError("QR printed before data was stored")
        state.ops.append(Op("qr", state.qr_stored))
    else:
        raise ReaderError(f"unknown QR function {fn!r}")
