#!/usr/bin/env python3
"""Fetch the console's third-party web assets again from the npm registry and check them.

    python scripts/vendor_assets.py            # npm pack each package, check, write the files
    python scripts/vendor_assets.py --check    # only check the committed files against the manifest
    python scripts/vendor_assets.py --record   # first fetch of a new version: record the files' sha256

Each tarball must have the sha256 written in central/console/static/vendor/MANIFEST.json, and each
file kept the sha256 recorded there; nothing is written when either differs. Needs `npm` (Debian's
`npm` package) only to fetch; the product serves the committed files and never needs npm.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from central.console.assets import MANIFEST, VENDOR_DIR, load_manifest, verify_vendored  # noqa: E402


def fetch(record: bool) -> int:
    packages, hashes = load_manifest()
    new_hashes = dict(hashes)
    with tempfile.TemporaryDirectory() as tmp:
        for package in packages:
            spec = f"{package.name}@{package.version}"
            out = subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", tmp],
                                 check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
            tarball = Path(tmp) / out
            digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
            if digest != package.tarball_sha256:
                print(f"{spec}: tarball sha256 {digest} is not the pinned {package.tarball_sha256}", file=sys.stderr)
                return 1
            with tarfile.open(tarball) as tar:
                for inner, name in package.files.items():
                    member = tar.extractfile(inner)
                    if member is None:
                        print(f"{spec}: {inner} is not in the tarball", file=sys.stderr)
                        return 1
                    data = member.read()
                    key = f"{package.dir}/{name}"
                    file_digest = hashlib.sha256(data).hexdigest()
                    if not record and hashes.get(key) != file_digest:
                        print(f"{key}: sha256 {file_digest} is not the recorded {hashes.get(key)}", file=sys.stderr)
                        return 1
                    new_hashes[key] = file_digest
                    target = VENDOR_DIR / key
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
            print(f"{spec}: ok ({len(package.files)} files)")
    if record:
        data = json.loads(MANIFEST.read_text(encoding="utf-8"))
        data["sha256"] = dict(sorted(new_hashes.items()))
        MANIFEST.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify the committed files")
    parser.add_argument("--record", action="store_true", help="record the sha256 of the files fetched")
    args = parser.parse_args()
    if not args.check:
        rc = fetch(args.record)
        if rc:
            return rc
    problems = verify_vendored()
    for p in problems:
        print(p, file=sys.stderr)
    print("vendored assets: " + ("ok" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
