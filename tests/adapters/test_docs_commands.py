"""Every ``embodied-mem`` command in docs/simulators.md, run as a user would type it.

Without the simulators (hidden by ``tests/fakes/hide_simulators``) each must stop with the
install hint; against the strict fakes each must finish and write its report. A documented
command that stops working fails here.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from sim_paths import FAKES, HABITAT_SCENES

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "simulators.md"


def doc_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", DOC.read_text(), flags=re.S)
    lines = [line.split(" #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith("embodied-mem ")]


def _run(
    args: list[str], cwd: Path, pythonpath: list[Path], **env: str
) -> subprocess.CompletedProcess:
    environ = {**os.environ, **env, "PYTHONPATH": os.pathsep.join(str(p) for p in pythonpath)}
    environ.pop("CUDA_VISIBLE_DEVICES", None)
    return subprocess.run(
        [sys.executable, "-m", "embodied_mem.cli", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_doc_shows_every_path() -> None:
    commands = doc_commands()
    assert commands[0] == "embodied-mem doctor"
    assert any("--env ai2thor" in c for c in commands) and any(
        "--env habitat" in c for c in commands
    )
    assert any("benchmark.findingdory=" in c for c in commands)


@pytest.mark.parametrize("command", doc_commands())
def test_without_the_simulators_commands_name_what_to_install(command: str, tmp_path: Path) -> None:
    proc = _run(shlex.split(command)[1:], tmp_path, [FAKES / "hide_simulators", REPO])
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "invalid config" not in out, out
    if command == "embodied-mem doctor":
        assert proc.returncode == 0, out
        assert "pip install 'embodied-mem[ai2thor]'" in out.replace("\n", " ") or "ai2thor" in out
        return
    assert proc.returncode == 2, out
    flat = " ".join(out.split())
    if "--env ai2thor" in command:
        assert "ai2thor is not installed: pip install 'embodied-mem[ai2thor]'" in flat, out
    else:
        assert "habitat-sim is not installed" in flat and "habitat-sim=0.3.4" in flat, out


FAKE_SUBSTITUTES = {
    "data/hssd-hab/hssd-hab.scene_dataset_config.json": str(
        HABITAT_SCENES / "fake.scene_dataset_config.json"
    ),
    "102344022": "hssd_house",
    "[ithor-kitchens]": "[FloorPlan10]",  # the fake build has FloorPlan10 only
}
TINY = [
    "benchmark.episodes=1",
    "benchmark.min_interactions=1",
    "benchmark.max_interactions=1",
    "baselines=[memory-oracle]",
    "benchmark.templates=[T01,T11]",
    "planner.rule.explore_steps=20",
]


@pytest.mark.slow
@pytest.mark.parametrize("command", [c for c in doc_commands() if c != "embodied-mem doctor"])
def test_against_the_fakes_commands_finish(command: str, tmp_path: Path) -> None:
    for real, fake in FAKE_SUBSTITUTES.items():
        command = command.replace(real, fake)
    args = shlex.split(command)[1:]
    extra = list(TINY)
    if "--env ai2thor" in command:
        extra += [
            "env.ai2thor.controller=fake_thor:FakeController",
            "env.ai2thor.width=64",
            "env.ai2thor.height=64",
        ]
    else:
        extra += ["env.habitat.width=128", "env.habitat.height=96"]
    if "benchmark.findingdory=" in command:
        from findingdory_fixture import write_dataset

        episodes = write_dataset(tmp_path / "fd", HABITAT_SCENES / "fake.scene_dataset_config.json")
        args = [
            a if not a.startswith("benchmark.findingdory=") else f"benchmark.findingdory={episodes}"
            for a in args
        ]
        extra = [e for e in extra if not e.startswith("benchmark.templates")]
        extra.append(f"benchmark.findingdory_data_root={tmp_path / 'fd'}")
    if args[0] == "demo":
        extra.append("--workers=1")
    proc = _run(
        [*args, *extra],
        tmp_path,
        [FAKES, FAKES / "habitat", REPO],
        FAKE_HABITAT_SIM_VERSION="0.3.4",
        MUJOCO_GL="egl",
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    summaries = list(tmp_path.rglob("summary.json"))
    assert summaries, out[-2000:]
    assert "episode" in summaries[0].read_text()
