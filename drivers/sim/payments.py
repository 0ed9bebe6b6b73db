"""A payment-provider simulator: a real local HTTP server speaking WeChat Pay v2's micropay API.

It keeps one order per merchant order number (`out_trade_no`) and never charges a number twice,
checks every request's signature with the merchant's key and signs its answers, so the real
adapter (`drivers.payments.wechat.WeChatPayV2`) is what tests and demos exercise. What a charge
does is chosen by the last two digits of the payment code the customer "shows":

| code ends in | behaviour |
| --- | --- |
| `11` | declined: insufficient funds (NOTENOUGH) |
| `22` | the customer must confirm on the phone (USERPAYING), then pays: paid after `confirm_after` queries |
| `33` | the customer must confirm, and never does (the till gives up and cancels) |
| `44` | slow: charged, but the answer comes after `slow_s` seconds (longer than the till waits) |
| `55` | lost answer: charged, then the connection drops without an answer |
| `66` | provider system error (SYSTEMERROR) after charging: outcome unknown to the till |
| `77` | expired code (AUTHCODEEXPIRE) |
| anything else | paid at once |

A repeated charge of the same order number answers that order (ORDERPAID, USERPAYING …) and
never charges again; with another amount or code it is refused (OUT_TRADE_NO_USED). Cancelling
(撤销) an order the simulator never saw leaves a tombstone, so a charge that arrives late under
that number is refused. `faults` makes the next answers of any endpoint slow or lost (after the
simulator has acted), for refunds and queries that go astray.

From a shell: `python -m drivers.sim.payments --port 8700` prints the settings to give the till
and one line per request.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from drivers.payments.settings import ProviderSettings, Secret
from drivers.payments.wechat import from_xml, sign, to_xml, verified

DEMO_MCH_ID = "1900000109"
DEMO_APP_ID = "wx2421b1c4370ec43b"
DEMO_KEY = "pos-demo-simulator-key-000000000"
"""The simulator's own demo credentials (not a real merchant's)."""

BEHAVIOURS = {"11": "insufficient", "22": "confirm", "33": "abandon", "44": "slow", "55": "lost",
              "66": "system_error", "77": "expired"}


@dataclass
class SimOrder:
    order_no: str
    auth_code: str
    amount_fen: int
    state: str
    """USERPAYING, SUCCESS, REFUND (paid, partly or wholly refunded), REVOKED, CLOSED, PAYERROR."""
    behaviour: str = "pay"
    transaction_id: str = ""
    queries_left: int = 0
    refunded_fen: int = 0
    reversed_fen: int = 0


@dataclass
class SimRefund:
    refund_no: str
    order_no: str
    amount_fen: int
    refund_id: str


@dataclass
class Fault:
    """The next answer of `path` goes astray: `lost` (dropped) or `slow` (after `slow_s`)."""

    path: str
    mode: str = "lost"


@dataclass
class _State:
    orders: dict[str, SimOrder] = field(default_factory=dict)
    refunds: dict[str, SimRefund] = field(default_factory=dict)
    charges: list[tuple[str, int]] = field(default_factory=list)
    """Every time money moved from a customer: (order number, fen)."""
    requests: list[tuple[str, str]] = field(default_factory=list)
    """(path, order or refund number) of every request, in order."""


class PaymentSimulator:
    """The simulated provider. Use as a context manager (or `start()`/`stop()`)."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, mch_id: str = DEMO_MCH_ID,
                 app_id: str = DEMO_APP_ID, api_key: str = DEMO_KEY, slow_s: float = 1.5,
                 confirm_after: int = 2) -> None:
        self.mch_id, self.app_id, self._key = mch_id, app_id, api_key
        self.slow_s = slow_s
        self.confirm_after = confirm_after
        self.faults: list[Fault] = []
        self.scripted: dict[str, str] = {}
        """auth code → behaviour, overriding the suffix table."""
        self.online = True
        """False: every request is dropped unanswered (the provider's side of an outage)."""
        self._state = _State()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ life

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def settings(self, **overrides: Any) -> ProviderSettings:
        """Till settings that talk to this simulator."""
        values: dict[str, Any] = {"provider": "wechat", "url": self.url, "mch_id": self.mch_id,
                                  "app_id": self.app_id, "api_key": Secret(self._key), "timeout_s": 5.0}
        values.update(overrides)
        return ProviderSettings.from_mapping(values)

    def start(self) -> PaymentSimulator:
        self._thread = threading.Thread(target=self._server.serve_forever, name="payment-sim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() waits for serve_forever, which must have started
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> PaymentSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ what happened

    @property
    def charges(self) -> list[tuple[str, int]]:
        with self._lock:
            return list(self._state.charges)

    @property
    def requests(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._state.requests)

    def order(self, order_no: str) -> SimOrder | None:
        with self._lock:
            o = self._state.orders.get(order_no)
            return None if o is None else SimOrder(**vars(o))

    def charge_count(self, order_no: str) -> int:
        """How many times money was taken under this order number (never more than one)."""
        return sum(1 for no, _ in self.charges if no == order_no)

    def kept_fen(self, order_no: str | None = None) -> int:
        """Money the merchant keeps (charged − reversed − refunded), of one order or all."""
        with self._lock:
            orders = [o for o in self._state.orders.values() if order_no in (None, o.order_no)]
            charged = sum(f for no, f in self._state.charges if order_no in (None, no))
            return charged - sum(o.reversed_fen + o.refunded_fen for o in orders)

    def confirm(self, order_no: str) -> None:
        """The customer confirms on the phone now (an order waiting in USERPAYING is paid)."""
        with self._lock:
            o = self._state.orders[order_no]
            if o.state == "USERPAYING":
                self._pay(o)

    # ------------------------------------------------------------------ the API

    def handle(self, path: str, fields: dict[str, str]) -> tuple[dict[str, str], Fault | None]:
        """Act on one verified request; the answer's fields and any fault to apply to it."""
        number = fields.get("out_refund_no") or fields.get("out_trade_no") or ""
        with self._lock:
            self._state.requests.append((path, number))
            fault = next((f for f in self.faults if f.path == path), None)
            if fault is not None:
                self.faults.remove(fault)
            if path == "/pay/micropay":
                new = fields.get("out_trade_no", "") not in self._state.orders
                answer = self._micropay(fields)
                if new:  # a repeat of the charge is answered normally
                    fault = fault or self._charge_fault(fields)
            elif path == "/pay/orderquery":
                answer = self._orderquery(fields)
            elif path == "/secapi/pay/reverse":
                answer = self._reverse(fields)
            elif path == "/secapi/pay/refund":
                answer = self._refund(fields)
            elif path == "/pay/refundquery":
                answer = self._refundquery(fields)
            else:
                answer = {"return_code": "FAIL", "return_msg": f"unknown API {path}"}
        return answer, fault

    def _behaviour(self, auth_code: str) -> str:
        return self.scripted.get(auth_code) or BEHAVIOURS.get(auth_code[-2:], "pay")

    def _charge_fault(self, fields: dict[str, str]) -> Fault | None:
        kind = self._behaviour(fields.get("auth_code", ""))
        if kind == "slow":
            return Fault("/pay/micropay", "slow")
        if kind == "lost":
            return Fault("/pay/micropay", "lost")
        return None

    def _pay(self, o: SimOrder) -> None:
        o.state = "SUCCESS"
        o.transaction_id = f"4200{next(self._ids):024d}"[:28]
        self._state.charges.append((o.order_no, o.amount_fen))

    def _micropay(self, f: dict[str, str]) -> dict[str, str]:
        order_no, code = f.get("out_trade_no", ""), f.get("auth_code", "")
        try:
            amount = int(f.get("total_fee", ""))
        except ValueError:
            return _fail("PARAM_ERROR", "total_fee 不是整数")
        if not order_no or not code or amount <= 0:
            return _fail("PARAM_ERROR", "缺少参数")
        existing = self._state.orders.get(order_no)
        if existing is not None:
            if existing.state == "REVOKED" and not existing.auth_code:
                return _fail("ORDERREVERSED", "订单已撤销")
            if existing.auth_code != code or existing.amount_fen != amount:
                return _fail("OUT_TRADE_NO_USED", "商户订单号重复")
            return self._repeat(existing)
        kind = self._behaviour(code)
        if kind == "insufficient":
            return _fail("NOTENOUGH", "用户余额不足")
        if kind == "expired":
            return _fail("AUTHCODEEXPIRE", "二维码已过期，请用户在微信上刷新后再试")
        o = SimOrder(order_no=order_no, auth_code=code, amount_fen=amount, state="USERPAYING", behaviour=kind)
        self._state.orders[order_no] = o
        if kind in ("confirm", "abandon"):
            o.queries_left = self.confirm_after
            return _fail("USERPAYING", "需要用户输入支付密码")
        self._pay(o)
        if kind == "system_error":
            return _fail("SYSTEMERROR", "系统超时")
        return self._paid_fields(o)

    def _repeat(self, o: SimOrder) -> dict[str, str]:
        if o.state in ("SUCCESS", "REFUND"):
            return _fail("ORDERPAID", "订单已支付")
        if o.state == "USERPAYING":
            return _fail("USERPAYING", "需要用户输入支付密码")
        if o.state == "REVOKED":
            return _fail("ORDERREVERSED", "订单已撤销")
        return _fail("ORDERCLOSED", "订单已关闭")

    def _paid_fields(self, o: SimOrder) -> dict[str, str]:
        return {"return_code": "SUCCESS", "result_code": "SUCCESS", "out_trade_no": o.order_no,
                "transaction_id": o.transaction_id, "total_fee": str(o.amount_fen), "trade_type": "MICROPAY",
                "bank_type": "OTHERS", "time_end": time.strftime("%Y%m%d%H%M%S"), "openid": "o-sim-" + o.auth_code[-4:]}

    def _orderquery(self, f: dict[str, str]) -> dict[str, str]:
        o = self._state.orders.get(f.get("out_trade_no", ""))
        if o is None:
            return _fail("ORDERNOTEXIST", "此交易订单号不存在")
        if o.state == "USERPAYING" and o.behaviour == "confirm":
            o.queries_left -= 1
            if o.queries_left <= 0:
                self._pay(o)
        answer = {"return_code": "SUCCESS", "result_code": "SUCCESS", "out_trade_no": o.order_no,
                  "trade_state": o.state, "total_fee": str(o.amount_fen)}
        if o.state in ("SUCCESS", "REFUND"):
            answer.update(self._paid_fields(o), trade_state=o.state)
        return answer

    def _reverse(self, f: dict[str, str]) -> dict[str, str]:
        order_no = f.get("out_trade_no", "")
        o = self._state.orders.get(order_no)
        if o is None:  # a tombstone: a charge arriving late under this number is refused
            self._state.orders[order_no] = SimOrder(order_no=order_no, auth_code="", amount_fen=0, state="REVOKED")
            return _fail("ORDERNOTEXIST", "此交易订单号不存在")
        if o.state == "REFUND":
            return _fail("TRADE_STATE_ERROR", "订单已退款，不能撤销")
        if o.state == "SUCCESS":
            o.reversed_fen = o.amount_fen
        o.state = "REVOKED"
        return {"return_code": "SUCCESS", "result_code": "SUCCESS", "recall": "N"}

    def _refund(self, f: dict[str, str]) -> dict[str, str]:
        refund_no, order_no = f.get("out_refund_no", ""), f.get("out_trade_no", "")
        try:
            amount, total = int(f.get("refund_fee", "")), int(f.get("total_fee", ""))
        except ValueError:
            return _fail("PARAM_ERROR", "金额不是整数")
        done = self._state.refunds.get(refund_no)
        if done is not None:
            if done.order_no != order_no or done.amount_fen != amount:
                return _fail("INVALID_REQUEST", "退款单号已用于另一笔退款")
            return self._refund_fields(done)
        o = self._state.orders.get(order_no)
        if o is None or o.state not in ("SUCCESS", "REFUND"):
            return _fail("ORDERNOTEXIST" if o is None else "TRADE_STATE_ERROR", "订单不存在或未支付")
        if total != o.amount_fen:
            return _fail("INVALID_REQUEST", "订单金额与原订单不符")
        if amount <= 0 or o.refunded_fen + amount > o.amount_fen:
            return _fail("INVALID_REQUEST", "退款金额超过订单可退金额")
        o.refunded_fen += amount
        o.state = "REFUND"
        done = SimRefund(refund_no, order_no, amount, f"5030{next(self._ids):024d}"[:28])
        self._state.refunds[refund_no] = done
        return self._refund_fields(done)

    def _refund_fields(self, r: SimRefund) -> dict[str, str]:
        return {"return_code": "SUCCESS", "result_code": "SUCCESS", "out_trade_no": r.order_no,
                "out_refund_no": r.refund_no, "refund_id": r.refund_id, "refund_fee": str(r.amount_fen)}

    def _refundquery(self, f: dict[str, str]) -> dict[str, str]:
        r = self._state.refunds.get(f.get("out_refund_no", ""))
        if r is None:
            return _fail("REFUNDNOTEXIST", "退款订单查询失败")
        return {"return_code": "SUCCESS", "result_code": "SUCCESS", "out_trade_no": r.order_no,
                "refund_count": "1", "out_refund_no_0": r.refund_no, "refund_id_0": r.refund_id,
                "refund_fee_0": str(r.amount_fen), "refund_status_0": "SUCCESS"}

    # ------------------------------------------------------------------ wire

    def answer_bytes(self, fields: dict[str, str]) -> bytes:
        out = {"appid": self.app_id, "mch_id": self.mch_id, "nonce_str": f"{next(self._ids):016d}",
               "sign_type": "HMAC-SHA256", **fields}
        if out.get("return_code") == "SUCCESS":
            out["sign"] = sign(out, self._key)
        else:  # like the real API: a FAIL at the communication level is not signed
            out = {"return_code": "FAIL", "return_msg": fields.get("return_msg", "")}
        return to_xml(out)

    def check(self, fields: dict[str, str]) -> str | None:
        """Why a request is refused before it is looked at (bad merchant, bad signature), or None."""
        if fields.get("mch_id") != self.mch_id or fields.get("appid") != self.app_id:
            return "商户号或 appid 不对"
        if not verified(fields, self._key):
            return "签名错误"
        return None


def _fail(code: str, text: str) -> dict[str, str]:
    return {"return_code": "SUCCESS", "result_code": "FAIL", "err_code": code, "err_code_des": text}


def _handler(sim: PaymentSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 64 * 1024))
            if not sim.online:
                self.close_connection = True
                return
            try:
                fields = from_xml(body)
            except ValueError:
                self._send(sim.answer_bytes({"return_code": "FAIL", "return_msg": "XML 格式错误"}))
                return
            refused = sim.check(fields)
            if refused is not None:
                self._send(sim.answer_bytes({"return_code": "FAIL", "return_msg": refused}))
                return
            answer, fault = sim.handle(self.path, fields)
            if fault is not None and fault.mode == "lost":
                self.close_connection = True  # acted on, answer never sent
                return
            if fault is not None and fault.mode == "slow":
                time.sleep(sim.slow_s)
            with contextlib.suppress(OSError):
                self._send(sim.answer_bytes(answer))

        def _send(self, data: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
            pass

    return Handler


@contextlib.contextmanager
def running(**kwargs: Any) -> Iterator[PaymentSimulator]:
    """A started simulator, stopped on exit."""
    sim = PaymentSimulator(**kwargs)
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def main(argv: list[str] | None = None) -> int:
    """`python -m drivers.sim.payments --port 8700`: a payment provider for demos without a merchant account."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(prog="python -m drivers.sim.payments", description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--slow", type=float, default=15.0, help="seconds a slow answer (code …44) takes")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    sim = PaymentSimulator(host=args.host, port=args.port, slow_s=args.slow)
    sim.start()
    print(f"payment simulator (WeChat Pay v2 micropay) listening on {sim.url}", flush=True)
    print(f"export POS_PAY_URL={sim.url} POS_PAY_MCH_ID={sim.mch_id} POS_PAY_APP_ID={sim.app_id} "
          f"POS_PAY_KEY={DEMO_KEY}", flush=True)
    print("payment codes: 18 digits starting 10-15 (WeChat) or 25-30 (Alipay); ending 11 declined, 22 confirm "
          "on phone, 33 never confirmed, 44 slow, 55 answer lost, 66 system error, 77 expired", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(0.2)
            requests = sim.requests
            for path, number in requests[seen:]:
                seen += 1
                o = sim.order(number)
                state = f"{o.state} {o.amount_fen / 100:.2f}" if o is not None else ""
                print(f"{path} {number} {state}".rstrip(), flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
