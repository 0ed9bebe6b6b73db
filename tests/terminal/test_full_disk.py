"""A full disk (#10 §6), for real: the till runs on a 6 MB tmpfs mounted in its own user and mount
namespace (`unshare`, no root needed where unprivileged namespaces are allowed), and a filler file
takes the last byte. The sale is refused in plain words with the cart kept, the start-up check
says the disk is full, and the same sale goes through once space is freed."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def can_mount_tmpfs(where: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
         f"mount -t tmpfs -o size=1m tmpfs {shlex.quote(str(where))}"],
        capture_output=True, timeout=30)
    return probe.returncode == 0


def test_full_disk_at_a_sale_and_at_start(tmp_path: Path) -> None:
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if not can_mount_tmpfs(mount):
        pytest.skip("this machine allows no unprivileged user + mount namespace (unshare) for a small tmpfs")
    script = (f"mount -t tmpfs -o size=6m tmpfs {shlex.quote(str(mount))} && "
              f"exec {shlex.quote(sys.executable)} -m tests.terminal.full_disk_child {shlex.quote(str(mount))}")
    done = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["filled_bytes"] > 0
    assert result["sale_on_full_disk"] == "disk_full"
    assert "磁盘已满" in result["message"]
    assert "购物车已保留" in result["message"]
    assert "the disk is full" in result["message_en"]
    assert result["cart_kept"] is True
    assert result["sales_stored"] == 0
    assert result["start"] == "disk_full"
    assert "磁盘已满" in result["start_message"]
    assert "free some space" in result["start_message_en"].lower()
    assert result["after_freeing"] == "S01-T03-000001", "the rolled-back sale gave its number back"
    assert result["sales_stored_after"] == 1
