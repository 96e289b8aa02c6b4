"""Replay tests: one short real run in the built-in house, recorded once per session.

The repo root goes first on ``sys.path`` (see tests/memory/conftest.py: the editable install
may map ``scene_graph`` as a namespace package).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
os.environ.setdefault("MUJOCO_GL", "egl")


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """(run_dir, live memory) of a ~50-frame 160x120 built-in run with 2 pick-and-place pairs."""
    from embodied_mem.replay.demo import DemoConfig, record_demo_run

    run_dir = tmp_path_factory.mktemp("replay") / "run"
    memory = record_demo_run(run_dir, DemoConfig(seed=0, walk_steps=20, interactions=2, task_budget=25))
    return run_dir, memory
