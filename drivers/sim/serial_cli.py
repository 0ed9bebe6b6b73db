"""`python -m drivers.sim.serial_cli scanner|display|scale`: a simulated serial device for demos.

Creates a real pty pair (socat), runs the device on one end and prints the other end's path,
which the terminal is then configured with (e.g. its scanner port). Runs until Ctrl-C.

    scanner   each line typed on stdin is sent as one scan (CR-terminated)
    display   prints the two display lines whenever they change
    scale     sends continuous frames; type a weight in kg (e.g. 0.356), `u` unstable, `o` overload
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal, InvalidOperation

import serial

from drivers.sim.display import SerialDisplaySimulator
from drivers.sim.pty import SocatPair
from drivers.sim.scale import ScaleSimulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.sim.serial_cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("device", choices=("scanner", "display", "scale"))
    parser.add_argument("--baud", type=int, default=9600)
    parser.add_argument("--weight", default="0.000", help="scale: initial weight in kg")
    args = parser.parse_args(argv)
    _stop_on_sigterm()
    pair = SocatPair()
    try:
        device_end, host_end = pair.start()
    except RuntimeError as exc:
        print(f"cannot create a pty pair: {exc}", file=sys.stderr)
        return 2
    port = serial.Serial(device_end, args.baud, timeout=0.05)
    print(f"{args.device} simulator: point the terminal at {host_end}", flush=True)
    try:
        if args.device == "scanner":
            for line in sys.stdin:
                code = line.strip()
                if code:
                    port.write(code.encode("utf-8") + b"\r")
                    port.flush()
        elif args.device == "display":
            _show_display(port)
        else:
            _run_scale(port, args.weight)
    except KeyboardInterrupt:
        pass
    finally:
        port.close()
        pair.stop()
    return 0


def _show_display(port: serial.Serial) -> None:
    sim = SerialDisplaySimulator(port).start()
    shown: list[str] = []
    try:
        while True:
            lines = sim.screen.lines
            if lines != shown:
                shown = lines
                print(f"+{'-' * 20}+\n|{lines[0]}|\n|{lines[1]}|\n+{'-' * 20}+", flush=True)
            time.sleep(0.05)
    finally:
        sim.stop()


def _run_scale(port: serial.Serial, weight: str) -> None:
    sim = ScaleSimulator(port, interval=0.1)
    sim.set_weight(Decimal(weight))
    sim.start()
    try:
        for line in sys.stdin:
            text = line.strip().lower()
            if text == "o":
                sim.overload()
            elif text == "u":
                sim.set_weight(Decimal(weight), stable=False)
            elif text:
                try:
                    weight = str(Decimal(text))
                except InvalidOperation:
                    print("type a weight in kg, u (unstable) or o (overload)", file=sys.stderr, flush=True)
                    continue
                sim.set_weight(Decimal(weight))
        while True:  # stdin closed: keep weighing until Ctrl-C
            time.sleep(1)
    finally:
        sim.stop()


def _stop_on_sigterm() -> None:
    """`kill PID` ends it as cleanly as Ctrl-C (background jobs of a script ignore SIGINT)."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


if __name__ == "__main__":
    raise SystemExit(main())
