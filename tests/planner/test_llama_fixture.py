"""The llama.cpp server fixture reports a dead server with how it ended and its log tail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from llama_helpers import LlamaServer

CRASH = (
    "import os, signal, sys\n"
    "print('llama_model_loader: loaded meta data', flush=True)\n"
    "os.kill(os.getpid(), signal.SIGSEGV)\n"
)


def test_a_crashed_server_is_reported_with_its_signal_and_log(tmp_path: Path) -> None:
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-c", CRASH], stdout=log, stderr=log)
    server = LlamaServer("http://127.0.0.1:9/v1", "m", log_path, proc)
    proc.wait(timeout=60)
    report = server.death_report()
    assert report is not None and "died (signal SIGSEGV)" in report
    assert "llama_model_loader: loaded meta data" in report


def test_a_running_server_has_no_death_report(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert LlamaServer("u", "m", tmp_path / "log", proc).death_report() is None
    finally:
        proc.kill()
        proc.wait(timeout=10)
