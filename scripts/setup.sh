#!/usr/bin/env bash
# Installs everything the product and its tests need on a fresh Debian machine with Python 3.11:
# the apt packages (zbar for barcode decoding, a CJK font, Chromium and Xvfb for UI tests, Mesa for
# Kivy's off-screen OpenGL, socat for serial pty pairs, xclip for Kivy's X11 clipboard and selection —
# without it every text field logs a Cutbuffer traceback) and a .venv with the project and its dev tools.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libzbar0 fonts-wqy-microhei xvfb xdotool imagemagick chromium socat xclip
              libgl1-mesa-dri libegl1 libegl-mesa0 libmtdev1 libsdl2-2.0-0 libusb-1.0-0)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing apt packages: ${missing[*]}"
  $SUDO apt-get update -q -o DPkg::Lock::Timeout=300 >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q -o DPkg::Lock::Timeout=300 \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if ! "$PY" -m uv --version >/dev/null 2>&1 && ! command -v uv >/dev/null 2>&1; then
  "$PY" -m pip install -q --user uv 2>/dev/null || "$PY" -m pip install -q uv
fi
UV="uv"; command -v uv >/dev/null 2>&1 || UV="$PY -m uv"
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || $UV venv -q --python "$PY" .venv
  $UV pip install -q --python .venv/bin/python -e ".[dev]"
  rm -f .venv/.installed-*; touch "$stamp"
fi
