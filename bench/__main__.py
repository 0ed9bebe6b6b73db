"""`python -m bench [NAME ...]`: run benchmarks and print a table of figures.

Each benchmark is a module `bench/<name>.py` with `run() -> list[tuple[str, str]]` returning
(figure, value) rows. Not run in CI; the latest figures are copied into README.md.
"""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
import time
from pathlib import Path


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")
        return 2
    import os

    print(f"machine: {platform.platform()}, python {platform.python_version()}, {os.cpu_count()} cores")
    print(f"{'benchmark':<12} {'figure':<58} value")
    print("-" * 90)
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        rows = module.run()
        for figure, value in rows:
            print(f"{name:<12} {figure:<58} {value}")
        print(f"{name:<12} {'(benchmark wall time)':<58} {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
