"""A receipt printer chosen by one URL-like setting, e.g. in the terminal's settings table.

    usb://0x0416:0x5011            USB vendor:product id (hex or decimal)
    tcp://192.168.1.50:9100        network printer (port defaults to 9100)
    serial:///dev/ttyUSB0?baud=19200
    file:///dev/usb/lp0            device file (or any file, for capturing bytes: jobs are appended)

Query options for every transport (defaults in brackets):
    width=58|80 [80]  chinese=1|0 [1]  drawer_pin=2|5 [2]  pulse_ms=N [100]
    cut=partial|full|none [partial]  feed=N [4]  qr=native|image [native]  qr_size=1..16 [6]
    status=auto|on|off [auto; off for file]  timeout=seconds [5]  drawer_open=high|low [high]
    barcode=1|0 [0]: also print the receipt number as Code 128 (for 1-D-only scanners)
Serial only: baud [9600]. USB only: in_ep, out_ep (hex) [0x82, 0x01].
Unknown options are refused so a typo cannot silently change behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl

from drivers.errors import DeviceConfigError
from drivers.escpos import PrinterProfile

Transport = Literal["usb", "tcp", "serial", "file"]
StatusMode = Literal["auto", "on", "off"]

_COMMON = {"width", "chinese", "drawer_pin", "pulse_ms", "cut", "feed", "qr", "qr_size", "status", "timeout",
           "drawer_open", "barcode"}
_EXTRA: dict[str, set[str]] = {"usb": {"in_ep", "out_ep"}, "tcp": set(), "serial": {"baud"}, "file": set()}
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


@dataclass(frozen=True)
class PrinterSettings:
    transport: Transport
    target: str
    """Host, device path or file path (USB: empty)."""
    port: int = 9100
    baud: int = 9600
    usb_vendor: int = 0
    usb_product: int = 0
    usb_in_ep: int = 0x82
    usb_out_ep: int = 0x01
    timeout: float = 5.0
    status: StatusMode = "auto"
    drawer_open_high: bool = True
    """Drawer sensor: pin 3 high means open (most drawers); `drawer_open=low` flips it."""
    profile: PrinterProfile = field(default_factory=PrinterProfile)
    url: str = ""


def _bad(url: str, why: str, why_zh: str) -> DeviceConfigError:
    return DeviceConfigError(f"{url}: {why}", message=f"打印机地址有误：{why_zh}",
                             message_en=f"Invalid printer address: {why}")


def _int(url: str, name: str, value: str, *, base: int = 10) -> int:
    try:
        return int(value, base)
    except ValueError:
        raise _bad(url, f"{name} must be a number, got {value!r}", f"{name} 必须是数字") from None


def parse_printer_url(url: str) -> PrinterSettings:
    """Parse and validate a printer URL; raises `DeviceConfigError` with a zh-CN message."""
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in _EXTRA:
        raise _bad(url, "use usb://, tcp://, serial:// or file://", "请使用 usb://、tcp://、serial:// 或 file://")
    transport: Transport = scheme  # type: ignore[assignment]
    location, _, query = rest.partition("?")
    try:
        options = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
    except ValueError:
        raise _bad(url, "malformed options", "参数格式错误") from None
    unknown = set(options) - _COMMON - _EXTRA[transport]
    if unknown:
        raise _bad(url, f"unknown option(s) {', '.join(sorted(unknown))}", f"未知参数 {', '.join(sorted(unknown))}")

    values: dict[str, object] = {"transport": transport, "url": url, "target": ""}
    if transport == "tcp":
        host, _, port = location.rpartition(":") if ":" in location else (location, "", "")
        if not host:
            raise _bad(url, "missing host", "缺少主机地址")
        values["target"] = host.strip("[]")
        values["port"] = _int(url, "port", port) if port else 9100
        if not 0 < int(values["port"]) < 65536:  # type: ignore[call-overload]
            raise _bad(url, "port out of range", "端口超出范围")
    elif transport == "usb":
        vendor, _, product = location.partition(":")
        if not vendor or not product:
            raise _bad(url, "use usb://VENDOR:PRODUCT", "请使用 usb://厂商ID:产品ID")
        values["usb_vendor"] = _int(url, "vendor id", vendor, base=0)
        values["usb_product"] = _int(url, "product id", product, base=0)
        if "in_ep" in options:
            values["usb_in_ep"] = _int(url, "in_ep", options["in_ep"], base=0)
        if "out_ep" in options:
            values["usb_out_ep"] = _int(url, "out_ep", options["out_ep"], base=0)
    else:
        if not location.startswith("/"):
            raise _bad(url, "path must be absolute (three slashes: serial:///dev/ttyUSB0)", "路径必须是绝对路径")
        values["target"] = location
        if transport == "serial":
            baud = _int(url, "baud", options.get("baud", "9600"))
            if baud not in BAUD_RATES:
                raise _bad(url, f"baud must be one of {BAUD_RATES}", "波特率不支持")
            values["baud"] = baud

    status = options.get("status", "off" if transport == "file" else "auto")
    if status not in ("auto", "on", "off"):
        raise _bad(url, "status must be auto, on or off", "status 只能是 auto、on 或 off")
    values["status"] = status
    if "timeout" in options:
        try:
            timeout = float(options["timeout"])
        except ValueError:
            raise _bad(url, "timeout must be seconds", "超时必须是秒数") from None
        if not 0 < timeout <= 120:
            raise _bad(url, "timeout must be 0..120 s", "超时必须在 0 到 120 秒之间")
        values["timeout"] = timeout
    drawer_open = options.get("drawer_open", "high")
    if drawer_open not in ("high", "low"):
        raise _bad(url, "drawer_open must be high or low", "drawer_open 只能是 high 或 low")
    values["drawer_open_high"] = drawer_open == "high"
    values["profile"] = _profile(url, options)
    return PrinterSettings(**values)  # type: ignore[arg-type]


def _profile(url: str, options: dict[str, str]) -> PrinterProfile:
    flags = {"1": True, "0": False, "on": True, "off": False, "true": True, "false": False}
    chinese = options.get("chinese", "1").lower()
    if chinese not in flags:
        raise _bad(url, "chinese must be 1 or 0", "chinese 只能是 1 或 0")
    barcode = options.get("barcode", "0").lower()
    if barcode not in flags:
        raise _bad(url, "barcode must be 1 or 0", "barcode 只能是 1 或 0")
    qr = options.get("qr", "native")
    if qr not in ("native", "image"):
        raise _bad(url, "qr must be native or image", "qr 只能是 native 或 image")
    try:
        return PrinterProfile(
            width_mm=_int(url, "width", options.get("width", "80")),  # type: ignore[arg-type]
            chinese_mode=flags[chinese],
            drawer_pin=_int(url, "drawer_pin", options.get("drawer_pin", "2")),  # type: ignore[arg-type]
            drawer_pulse_ms=_int(url, "pulse_ms", options.get("pulse_ms", "100")),
            cut=options.get("cut", "partial"),  # type: ignore[arg-type]
            feed_before_cut=_int(url, "feed", options.get("feed", "4")),
            qr_native=qr == "native",
            code128=flags[barcode],
            qr_module=_int(url, "qr_size", options.get("qr_size", "6")),
        )
    except ValueError as exc:
        raise _bad(url, str(exc), str(exc)) from None
