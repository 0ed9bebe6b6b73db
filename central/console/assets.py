"""The console's static files: our own CSS/JS and the vendored third-party assets, served by central.

Everything a console page or `/docs` loads comes from `/static/...` on the same server, so both work
in a shop whose internet is down. Third-party files live in `static/vendor/<name>-<version>/` with
their licences beside them; `static/vendor/MANIFEST.json` names the npm tarball each came from (and
its sha256) and the sha256 of every file kept. `verify_vendored()` checks the files against it
(tests run it); `scripts/vendor_assets.py` fetches them again with `npm pack` and checks both.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATIC_DIR = Path(__file__).parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
MANIFEST = VENDOR_DIR / "MANIFEST.json"
STATIC_PREFIX = "/static"


@dataclass(frozen=True)
class VendoredPackage:
    name: str
    version: str
    dir: str
    licence: str
    tarball_sha256: str
    files: dict[str, str]
    """Path inside the npm tarball → file name kept in `dir`."""


def load_manifest() -> tuple[list[VendoredPackage], dict[str, str]]:
    """The packages and the sha256 of every kept file (keyed `<dir>/<file>`)."""
    data: dict[str, Any] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    packages = [VendoredPackage(**p) for p in data["packages"]]
    return packages, dict(data.get("sha256", {}))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify_vendored() -> list[str]:
    """Problems with the committed vendored files (empty when every file matches the manifest)."""
    packages, hashes = load_manifest()
    problems = []
    for package in packages:
        kept = set(package.files.values())
        if not any(name.upper().startswith("LICENSE") for name in kept):
            problems.append(f"{package.dir}: no licence file kept beside it")
        for name in sorted(kept):
            key = f"{package.dir}/{name}"
            path = VENDOR_DIR / key
            if not path.is_file():
                problems.append(f"{key}: missing")
            elif key not in hashes:
                problems.append(f"{key}: no sha256 in the manifest")
            elif sha256_of(path) != hashes[key]:
                problems.append(f"{key}: sha256 differs from the manifest")
    return problems


def vendor_url(package_dir: str, name: str) -> str:
    """The URL central serves a vendored file at, e.g. `/static/vendor/htmx-2.0.11/htmx.min.js`."""
    return f"{STATIC_PREFIX}/vendor/{package_dir}/{name}"


def _dir_of(package_name: str) -> str:
    packages, _ = load_manifest()
    return next(p.dir for p in packages if p.name == package_name)


HTMX_JS = vendor_url(_dir_of("htmx.org"), "htmx.min.js")
ECHARTS_JS = vendor_url(_dir_of("echarts"), "echarts.common.min.js")
SWAGGER_JS = vendor_url(_dir_of("swagger-ui-dist"), "swagger-ui-bundle.js")
SWAGGER_CSS = vendor_url(_dir_of("swagger-ui-dist"), "swagger-ui.css")
SWAGGER_FAVICON = vendor_url(_dir_of("swagger-ui-dist"), "favicon-32x32.png")
