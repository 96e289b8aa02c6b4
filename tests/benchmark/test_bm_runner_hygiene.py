"""Runner hygiene (issue 11.5): pool workers die with a killed runner; configs that would fail
every episode are refused before the first one starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TINY = [
    "benchmark.name=hygiene",
    "benchmark.min_interactions=2",
    "benchmark.max_interactions=2",
    "benchmark.templates=[T01,T11]",
    "env.builtin.width=96",
    "env.builtin.height=72",
]


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper counts as exited)."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_and_resource_tracker_exit_when_the_runner_is_killed(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "embodied_mem.cli", "eval", "--suite", "suites/small"]
    cmd += ["--episodes", "2", "--workers", "2", "--out", str(tmp_path / "run"), *TINY]
    runner = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    orphans: list[int] = []
    try:
        deadline = time.monotonic() + 180
        while True:  # until the pool is up: two spawned workers and the resource tracker
            kids = {k: _cmdline(k) for k in _children(runner.pid)}
            workers = [k for k, c in kids.items() if "multiprocessing.spawn" in c]
            tracker = [k for k, c in kids.items() if "resource_tracker" in c]
            if len(workers) == 2 and tracker:
                break
            assert runner.poll() is None, f"eval exited early ({runner.returncode})"
            assert time.monotonic() < deadline, f"no worker pool after 180 s: {kids}"
            time.sleep(0.2)
        orphans = [*workers, *tracker]
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=10)
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in orphans) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = {p: _cmdline(p) for p in orphans if _alive(p)}
        assert not left, f"outlived the killed runner: {left}"
    finally:
        if runner.poll() is None:
            runner.kill()
        for pid in orphans:  # never leave strays behind, even when the test fails
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
