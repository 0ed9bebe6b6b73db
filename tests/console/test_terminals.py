"""Terminals in Chromium: enrol a till from the console (code and QR code), the till enrols with it for
real, and the terminals list shows its version and last contact."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from PIL import Image
from pyzbar.pyzbar import decode

from .conftest import ADMIN_PASSWORD, Server, shot, sign_in

BIN = Path(sys.executable).parent


def test_enrol_a_till_with_code_and_qr(page: Any, server: Server, tmp_path: Path) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    page.click("nav.side a:has-text('终端')")
    page.click("a:has-text('注册新终端')")
    page.select_option("select[name=store_id]", label="邻里鲜·五角场店")
    page.click("#make-code")
    code = page.inner_text("#enrolment-code").strip()
    qr = decode(Image.open(io.BytesIO(page.locator("#enrolment-qr svg").screenshot())))
    assert qr, "the QR code did not decode"
    assert json.loads(qr[0].data.decode("ascii")) == {"server": server.url, "code": code}
    shot(page, "terminal-enrolment")

    till = tmp_path / "till"
    done = subprocess.run([str(BIN / "pos-terminal"), "enroll", "--server", server.url, "--code", code, "--data",
                           str(till)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    page.click("a:has-text('返回')")
    row = page.locator("#terminals tr", has_text="S03-POS03")
    assert "pos-suite" in row.inner_text()
    assert "未联系" not in row.inner_text()
    shot(page, "terminals")
