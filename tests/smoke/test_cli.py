"""Both console scripts exist and list their sub-commands."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize(("prog", "module", "expected"), [
    ("pos-central", "central.cli", ["serve", "migrate", "demo", "enroll-code", "report"]),
    ("pos-terminal", "terminal.cli", ["run", "enroll", "sync", "status", "simulate", "printer-test"]),
])
def test_cli_lists_commands(prog: str, module: str, expected: list[str]) -> None:
    out = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, check=True)
    assert prog in out.stdout
    for command in expected:
        assert command in out.stdout
