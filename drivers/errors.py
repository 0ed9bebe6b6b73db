"""Errors a cashier can act on: each device failure is a typed error with zh-CN and English text.

The terminal catches `DeviceError`, shows `message` (or `message_en`) and keeps the sale: a
failed print is printed later or reprinted, never a reason to lose a sale.
"""

from __future__ import annotations


class DeviceError(Exception):
    """Base of every hardware failure; `code` is stable for logs and tests."""

    code = "device_error"
    message = "设备错误"
    message_en = "Device error"

    def __init__(self, detail: str = "", *, message: str | None = None, message_en: str | None = None) -> None:
        if message is not None:
            self.message = message
        if message_en is not None:
            self.message_en = message_en
        self.detail = detail
        super().__init__(f"{self.message_en}: {detail}" if detail else self.message_en)


class DeviceConfigError(DeviceError, ValueError):
    """A device setting (URL, port, baud ...) that cannot work."""

    code = "device_config"
    message = "设备设置有误"
    message_en = "Invalid device setting"


# --- receipt printer -------------------------------------------------------------------------

class PrinterError(DeviceError):
    code = "printer_error"
    message = "打印机故障"
    message_en = "Printer error"


class PrinterNotFoundError(PrinterError):
    """USB device absent, device file missing, host unreachable: nothing to talk to."""

    code = "printer_not_found"
    message = "找不到打印机，请检查连接线或网络"
    message_en = "Printer not found: check the cable or network"


class PrinterOfflineError(PrinterError):
    code = "printer_offline"
    message = "打印机离线"
    message_en = "Printer is offline"


class PrinterPaperOutError(PrinterError):
    code = "printer_paper_out"
    message = "打印机缺纸，请装纸"
    message_en = "Printer is out of paper"


class PrinterCoverOpenError(PrinterError):
    code = "printer_cover_open"
    message = "打印机盖未合上"
    message_en = "Printer cover is open"


class PrinterFaultError(PrinterError):
    """Cutter jam or another error the printer reports (DLE EOT 3)."""

    code = "printer_fault"
    message = "打印机故障（切刀或机械错误）"
    message_en = "Printer fault (cutter or mechanism)"


class PrinterWriteError(PrinterError):
    """The link broke while sending: part of the receipt may be missing, so reprint."""

    code = "printer_write_failed"
    message = "打印中断，请重印"
    message_en = "Printing was interrupted: reprint"


# --- serial devices --------------------------------------------------------------------------

class SerialPortMissingError(DeviceError):
    code = "serial_port_missing"
    message = "串口不存在或无法打开"
    message_en = "Serial port missing or cannot be opened"


class SerialIOError(DeviceError):
    code = "serial_io"
    message = "串口通信失败"
    message_en = "Serial communication failed"


# --- scanners --------------------------------------------------------------------------------

class CameraMissingError(DeviceError):
    code = "camera_missing"
    message = "找不到摄像头"
    message_en = "Camera not found"


class CameraReadError(DeviceError):
    code = "camera_read"
    message = "摄像头读取失败"
    message_en = "Could not read from the camera"


# --- scale -----------------------------------------------------------------------------------

class ScaleError(DeviceError):
    code = "scale_error"
    message = "电子秤故障"
    message_en = "Scale error"


class ScaleTimeoutError(ScaleError):
    code = "scale_timeout"
    message = "电子秤无响应"
    message_en = "Scale is not responding"


class ScaleUnstableError(ScaleError):
    code = "scale_unstable"
    message = "重量不稳定，请稍候再称"
    message_en = "Weight is not stable: wait and weigh again"


class ScaleOverloadError(ScaleError):
    code = "scale_overload"
    message = "超出秤量范围"
    message_en = "Scale overload"


class ScaleNegativeError(ScaleError):
    code = "scale_negative"
    message = "重量为负，请去皮或清零"
    message_en = "Negative weight: tare or zero the scale"


class ScaleProtocolError(ScaleError):
    code = "scale_protocol"
    message = "电子秤数据格式无法识别，请检查通讯协议与波特率"
    message_en = "Unreadable scale data: check protocol and baud rate"


# --- customer display ------------------------------------------------------------------------

class DisplayError(DeviceError):
    code = "display_error"
    message = "顾客显示屏故障"
    message_en = "Customer display error"
