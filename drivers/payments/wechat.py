"""WeChat Pay API v2 付款码支付 (micropay): the real adapter, also spoken by the simulator.

Endpoints: `/pay/micropay`, `/pay/orderquery`, `/secapi/pay/reverse` (撤销), `/secapi/pay/refund`,
`/pay/refundquery`. Requests and answers are `<xml>` documents of flat fields, signed with
HMAC-SHA256 over the sorted `key=value` pairs and the merchant's API key (`sign`, `sign_type`).
An answer whose signature does not verify is not believed: it counts as no answer (UNKNOWN),
so a forged "paid" can never commit a sale. The API key is used only to sign, never sent,
never logged; the `secapi` calls present the merchant's client certificate when configured.

Which answers are definite and which are not follows the provider's own guidance for micropay:
`USERPAYING` means "ask again"; `SYSTEMERROR`, `BANKERROR`, a timeout or a dropped connection mean
"nobody knows" (query, then cancel); a charge that never left the till (connection refused) is a
definite failure.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import xml.etree.ElementTree as ET
from typing import Any

import httpx

from drivers.payments.provider import (
    ChargeResult,
    ChargeStatus,
    RefundResult,
    RefundStatus,
)
from drivers.payments.settings import ProviderSettings

log = logging.getLogger("drivers.payments")


def sign(fields: dict[str, str], key: str, sign_type: str = "HMAC-SHA256") -> str:
    """WeChat Pay v2's signature: the non-empty fields but `sign`, sorted by name, as `k=v&…&key=KEY`,
    then HMAC-SHA256 with the key (or MD5 for `sign_type=MD5`), upper-case hex."""
    text = "&".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "sign" and fields[k] != "")
    text += f"&key={key}"
    if sign_type == "MD5":
        return hashlib.md5(text.encode()).hexdigest().upper()
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


def to_xml(fields: dict[str, str]) -> bytes:
    root = ET.Element("xml")
    for k, v in fields.items():
        ET.SubElement(root, k).text = v
    return bytes(ET.tostring(root, encoding="utf-8"))


MAX_ANSWER_BYTES = 64 * 1024


def from_xml(body: bytes) -> dict[str, str]:
    """The flat fields of an `<xml>` document; ValueError when it is not one (or too big)."""
    if len(body) > MAX_ANSWER_BYTES or b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise ValueError("not a WeChat Pay answer")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ValueError(f"unreadable answer: {exc}") from None
    if root.tag != "xml":
        raise ValueError("not a WeChat Pay answer")
    return {child.tag: (child.text or "") for child in root}


def verified(fields: dict[str, str], key: str) -> bool:
    """The answer carries a signature made with our key."""
    given = fields.get("sign", "")
    return bool(given) and hmac.compare_digest(given, sign(fields, key, fields.get("sign_type", "HMAC-SHA256")))


# micropay / reverse / refund error codes and what they mean for the till
_PENDING_CODES = frozenset({"USERPAYING"})
_UNKNOWN_CODES = frozenset({"SYSTEMERROR", "BANKERROR", "ORDERPAID", "FREQUENCY_LIMITED"})
"""ORDERPAID answers a repeated charge of a paid order: the query says the rest."""

_MESSAGES: dict[str, tuple[str, str]] = {
    "NOTENOUGH": ("余额不足，请顾客换卡或换其他方式支付", "Insufficient funds: ask for another card or tender"),
    "AUTHCODEEXPIRE": ("付款码已过期，请顾客刷新付款码", "The payment code has expired: ask the customer to refresh it"),
    "AUTH_CODE_INVALID": ("付款码无效，请重新扫码", "Not a valid payment code: scan again"),
    "AUTH_CODE_ERROR": ("付款码无效，请重新扫码", "Not a valid payment code: scan again"),
    "USERPAYING": ("等待顾客在手机上输入密码", "Waiting for the customer to confirm on the phone"),
    "ORDERCLOSED": ("该笔支付已关闭", "This payment was closed"),
    "ORDERREVERSED": ("该笔支付已撤销", "This payment was cancelled"),
    "OUT_TRADE_NO_USED": ("订单号已用于另一笔支付", "The order number was used for another payment"),
    "SYSTEMERROR": ("支付渠道系统繁忙，结果未知，正在查询", "Provider busy, outcome unknown: checking"),
    "BANKERROR": ("银行系统异常，结果未知，正在查询", "Bank error, outcome unknown: checking"),
    "timeout": ("支付渠道未及时应答，结果未知，正在查询", "The provider did not answer in time: checking"),
    "connection_lost": ("与支付渠道的连接中断，结果未知，正在查询", "Connection to the provider lost: checking"),
    "unreachable": ("连不上支付渠道，未扣款，请稍后再试或换其他方式支付",
                    "Cannot reach the payment provider (not charged): try again or use another tender"),
    "bad_signature": ("支付渠道应答签名不对，不予采信", "The provider's answer is not signed with our key: not believed"),
    "bad_answer": ("支付渠道应答无法识别", "Unreadable answer from the payment provider"),
    "ORDERNOTEXIST": ("支付渠道没有这笔订单", "The provider has no such order"),
    "offline": ("连不上支付渠道，结果仍未知，稍后再查", "Cannot reach the payment provider: outcome still unknown"),
}


def _words(code: str, fallback: str = "") -> tuple[str, str]:
    zh, en = _MESSAGES.get(code, (fallback or f"支付失败（{code}）", f"Payment failed ({code})"))
    return zh, en


class _NoAnswer(Exception):
    """The call got no usable answer; `code` says why (timeout, connection_lost, unreachable …)."""

    def __init__(self, code: str, sent: bool) -> None:
        super().__init__(code)
        self.code = code
        self.sent = sent
        """False when the request surely never reached the provider (nothing can have happened)."""


def _asked(why: _NoAnswer) -> str:
    """The reason code of a question (query, cancel) that got no answer: unlike a charge, a question
    not sent leaves the outcome as unknown as before."""
    return "offline" if why.code == "unreachable" else why.code


class WeChatPayV2:
    """`PaymentProvider` over WeChat Pay v2 (or the simulator): one HTTP client, signed XML."""

    name = "wechat"

    def __init__(self, settings: ProviderSettings, *, transport: httpx.BaseTransport | None = None) -> None:
        self._settings = settings
        cert: Any = None
        if settings.cert_file:
            cert = (settings.cert_file, settings.cert_key_file) if settings.cert_key_file else settings.cert_file
        self._client = httpx.Client(base_url=settings.url.rstrip("/"), timeout=settings.timeout_s,
                                    transport=transport, cert=cert,
                                    headers={"Content-Type": "text/xml; charset=utf-8"})

    def __repr__(self) -> str:
        return f"WeChatPayV2(url={self._settings.url!r}, mch_id={self._settings.mch_id!r})"

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ calls

    def charge(self, *, order_no: str, auth_code: str, amount_fen: int, description: str) -> ChargeResult:
        if amount_fen <= 0:
            raise ValueError("a charge must be positive")
        fields = {"body": description[:40] or "商品", "out_trade_no": order_no, "total_fee": str(amount_fen),
                  "spbill_create_ip": "127.0.0.1", "auth_code": auth_code.strip()}
        if self._settings.device_info:
            fields["device_info"] = self._settings.device_info[:32]
        log.info("micropay %s %d fen code %s…", order_no, amount_fen, auth_code[:4])
        try:
            answer = self._call("/pay/micropay", fields)
        except _NoAnswer as why:
            status = ChargeStatus.UNKNOWN if why.sent else ChargeStatus.FAILED
            return self._charge_result(status, order_no, code=why.code)
        if answer.get("return_code") != "SUCCESS":
            return self._charge_result(ChargeStatus.FAILED, order_no, code="return_fail",
                                       text=answer.get("return_msg", ""))
        if answer.get("result_code") == "SUCCESS":
            return self._paid(order_no, answer)
        code = answer.get("err_code", "FAIL")
        if code in _PENDING_CODES:
            return self._charge_result(ChargeStatus.PENDING, order_no, code=code)
        if code in _UNKNOWN_CODES:
            return self._charge_result(ChargeStatus.UNKNOWN, order_no, code=code)
        if code == "ORDERREVERSED":
            return self._charge_result(ChargeStatus.CANCELLED, order_no, code=code)
        return self._charge_result(ChargeStatus.FAILED, order_no, code=code, text=answer.get("err_code_des", ""))

    def query(self, order_no: str) -> ChargeResult:
        try:
            answer = self._call("/pay/orderquery", {"out_trade_no": order_no})
        except _NoAnswer as why:
            return self._charge_result(ChargeStatus.UNKNOWN, order_no, code=_asked(why))
        if answer.get("return_code") != "SUCCESS":
            return self._charge_result(ChargeStatus.UNKNOWN, order_no, code="return_fail",
                                       text=answer.get("return_msg", ""))
        if answer.get("result_code") != "SUCCESS":
            # ORDERNOTEXIST: the charge never arrived — or is still on its way: only a cancel settles it
            return self._charge_result(ChargeStatus.UNKNOWN, order_no, code=answer.get("err_code", "FAIL"))
        state = answer.get("trade_state", "")
        if state in ("SUCCESS", "REFUND"):
            return self._paid(order_no, answer)
        if state in ("USERPAYING", "NOTPAY"):
            return self._charge_result(ChargeStatus.PENDING, order_no, code=state)
        if state in ("CLOSED", "REVOKED"):
            return self._charge_result(ChargeStatus.CANCELLED, order_no, code="ORDERREVERSED")
        if state == "PAYERROR":
            return self._charge_result(ChargeStatus.FAILED, order_no, code=state,
                                       text=answer.get("trade_state_desc", ""))
        return self._charge_result(ChargeStatus.UNKNOWN, order_no, code=state or "bad_answer")

    def cancel(self, order_no: str) -> ChargeResult:
        log.info("reverse %s", order_no)
        try:
            answer = self._call("/secapi/pay/reverse", {"out_trade_no": order_no})
        except _NoAnswer as why:
            return self._charge_result(ChargeStatus.UNKNOWN, order_no, code=_asked(why))
        if answer.get("return_code") != "SUCCESS":
            return self._charge_result(ChargeStatus.UNKNOWN, order_no, code="return_fail",
                                       text=answer.get("return_msg", ""))
        if answer.get("result_code") == "SUCCESS" and answer.get("recall", "N") != "Y":
            return self._charge_result(ChargeStatus.CANCELLED, order_no, code="ORDERREVERSED")
        code = answer.get("err_code", "") or "recall"
        if code == "ORDERNOTEXIST":
            # nothing to undo; the provider now refuses that number, so a late charge cannot land
            return self._charge_result(ChargeStatus.CANCELLED, order_no, code=code)
        return self._charge_result(ChargeStatus.UNKNOWN, order_no, code=code)

    def refund(self, *, order_no: str, refund_no: str, amount_fen: int, total_fen: int,
               reason: str = "") -> RefundResult:
        if not 0 < amount_fen <= total_fen:
            raise ValueError("a refund must be positive and at most the order's total")
        fields = {"out_trade_no": order_no, "out_refund_no": refund_no, "total_fee": str(total_fen),
                  "refund_fee": str(amount_fen), "refund_desc": reason[:80]}
        log.info("refund %s of %s: %d fen", refund_no, order_no, amount_fen)
        try:
            answer = self._call("/secapi/pay/refund", fields)
        except _NoAnswer as why:
            status = RefundStatus.UNKNOWN if why.sent else RefundStatus.FAILED
            return self._refund_result(status, refund_no, code=why.code)
        if answer.get("return_code") != "SUCCESS":
            return self._refund_result(RefundStatus.FAILED, refund_no, code="return_fail",
                                       text=answer.get("return_msg", ""))
        if answer.get("result_code") == "SUCCESS":
            return RefundResult(RefundStatus.PROCESSING, refund_no, amount_fen=int(answer.get("refund_fee") or 0),
                                refund_id=answer.get("refund_id") or None, message="退款已受理",
                                message_en="Refund accepted")
        code = answer.get("err_code", "FAIL")
        status = RefundStatus.UNKNOWN if code in _UNKNOWN_CODES else RefundStatus.FAILED
        return self._refund_result(status, refund_no, code=code, text=answer.get("err_code_des", ""))

    def query_refund(self, refund_no: str) -> RefundResult:
        try:
            answer = self._call("/pay/refundquery", {"out_refund_no": refund_no})
        except _NoAnswer as why:
            return self._refund_result(RefundStatus.UNKNOWN, refund_no, code=_asked(why))
        if answer.get("return_code") != "SUCCESS" or answer.get("result_code") != "SUCCESS":
            code = answer.get("err_code", "") or "return_fail"
            status = RefundStatus.FAILED if code == "REFUNDNOTEXIST" else RefundStatus.UNKNOWN
            return self._refund_result(status, refund_no, code=code)
        state = answer.get("refund_status_0", "")
        amount = int(answer.get("refund_fee_0") or answer.get("refund_fee") or 0)
        refund_id = answer.get("refund_id_0") or None
        if state == "SUCCESS":
            return RefundResult(RefundStatus.REFUNDED, refund_no, amount_fen=amount, refund_id=refund_id,
                                message="已原路退回", message_en="Refunded to the customer's wallet")
        if state == "PROCESSING":
            return RefundResult(RefundStatus.PROCESSING, refund_no, amount_fen=amount, refund_id=refund_id,
                                message="退款处理中", message_en="Refund in progress")
        return self._refund_result(RefundStatus.FAILED, refund_no, code=state or "bad_answer")

    # ------------------------------------------------------------------ plumbing

    def _call(self, path: str, fields: dict[str, str]) -> dict[str, str]:
        s = self._settings
        body = {"appid": s.app_id, "mch_id": s.mch_id, "nonce_str": os.urandom(16).hex(),
                "sign_type": "HMAC-SHA256", **{k: v for k, v in fields.items() if v != ""}}
        body["sign"] = sign(body, s.api_key.reveal())
        try:
            response = self._client.post(path, content=to_xml(body))
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
            log.warning("%s: cannot reach the provider: %s", path, type(exc).__name__)
            raise _NoAnswer("unreachable", sent=False) from None
        except httpx.TimeoutException:
            log.warning("%s: no answer in %.1f s", path, s.timeout_s)
            raise _NoAnswer("timeout", sent=True) from None
        except httpx.TransportError as exc:
            log.warning("%s: connection lost: %s", path, type(exc).__name__)
            raise _NoAnswer("connection_lost", sent=True) from None
        if response.status_code != 200:
            log.warning("%s: HTTP %d", path, response.status_code)
            raise _NoAnswer("bad_answer", sent=True)
        try:
            answer = from_xml(response.content)
        except ValueError:
            raise _NoAnswer("bad_answer", sent=True) from None
        if answer.get("return_code") == "SUCCESS" and not verified(answer, s.api_key.reveal()):
            log.warning("%s: answer signature does not verify", path)
            raise _NoAnswer("bad_signature", sent=True)
        return answer

    def _paid(self, order_no: str, answer: dict[str, str]) -> ChargeResult:
        return ChargeResult(ChargeStatus.PAID, order_no, amount_fen=int(answer.get("total_fee") or 0),
                            transaction_id=answer.get("transaction_id") or None, message="支付成功",
                            message_en="Paid")

    @staticmethod
    def _charge_result(status: ChargeStatus, order_no: str, *, code: str, text: str = "") -> ChargeResult:
        zh, en = _words(code, text)
        return ChargeResult(status, order_no, code=code, message=zh, message_en=en)

    @staticmethod
    def _refund_result(status: RefundStatus, refund_no: str, *, code: str, text: str = "") -> RefundResult:
        zh, en = _words(code, text)
        if status is RefundStatus.FAILED and code not in _MESSAGES:
            zh, en = f"退款失败（{code}）{text}".strip(), f"Refund failed ({code})"
        return RefundResult(status, refund_no, code=code, message=zh, message_en=en)
