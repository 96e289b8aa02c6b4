#!/usr/bin/env bash
# Installs everything `make test` and `make demo` need on a fresh Debian 12 machine:
# headless-rendering system packages, a .venv, the CPU build of torch, then the project.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: every Debian package whose libraries the installed wheels link against and
# that Priority required/important does not guarantee. tests/core/test_system_packages.py reads
# this array and fails when a wheel links a library of a package missing here.
APT_PACKAGES=(
  libegl1 libegl-mesa0 libgl1-mesa-dri # MuJoCo's headless EGL rendering
  libosmesa6 libgl1                    # the OSMesa fallback (MUJOCO_GL=osmesa)
  libusb-1.0-0                         # open3d links libusb-1.0.so.0; PyPI has no wheel of it
  chromium                             # the headless-browser test of the HTML report
)
source scripts/apt_install.sh
apt_install "${APT_PACKAGES[@]}"

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for cand in python3.11 python3.12 python3.10 python3; do
    if command -v "$cand" >/dev/null 2>&1; then PYTHON=$cand; break; fi
  done
fi
if [ -z "$PYTHON" ] || ! "$PYTHON" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))'; then
  echo "[setup] needs Python 3.10-3.12 (found: ${PYTHON:-none}); set PYTHON=/path/to/python3.x" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  # Debian's own Python ships venv/ensurepip separately (python3.X-venv).
  if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    apt_install "python$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
  fi
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip wheel setuptools
# torch first and pinned: the 2.13.0 CPU wheel; an unpinned torch would pull GBs of CUDA.
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e ".[ai2thor,llm,hf,viz,ray,dev]"
echo "[setup] done: $(.venv/bin/python --version)"
