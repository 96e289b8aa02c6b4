"""One tiny benchmark episode per simulator, end to end on the strict fakes.

Experience (the ORACLE agent picks and places with the policies), task generation, every
baseline's phase 2 and scoring all run through the real benchmark code; only the simulator
behind the adapter is the fake.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embodied_mem.benchmark.eval_runner import run_suite
from embodied_mem.config import load_config
from embodied_mem.run_config import RunConfig

TINY = [
    "benchmark.episodes=1",
    "benchmark.min_interactions=1",
    "benchmark.max_interactions=1",
    "baselines=[memory-oracle,no-memory]",
    "benchmark.templates=[T01,T11]",
    "planner.rule.explore_steps=40",
]


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def _check_episode(out: Path, summary: dict) -> None:
    rows = _rows(out)
    done = [r for r in rows if "episode_done" in r]
    assert done and done[0]["error"] is None, done
    tasks = [r for r in rows if "baseline" in r]
    assert {r["baseline"] for r in tasks} == {"memory-oracle", "no-memory"}
    assert {r["template_id"] for r in tasks} == {"T01", "T11"}
    oracle = summary["baselines"]["memory-oracle"]["overall"]
    blind = summary["baselines"]["no-memory"]["overall"]
    assert oracle["tasks"] == 2 and oracle["success"] >= 0.5
    assert oracle["success"] >= blind["success"]


@pytest.mark.slow
def test_tiny_ai2thor_episode_end_to_end(tmp_path: Path, thor_metadata) -> None:
    pytest.importorskip("ai2thor.server")
    cfg = load_config(
        RunConfig,
        None,
        [
            "benchmark.env=ai2thor",
            "env.name=ai2thor",
            "env.ai2thor.controller=fake_thor:FakeController",
            "env.ai2thor.width=64",
            "env.ai2thor.height=64",
            *TINY,
        ],
    )
    summary = run_suite(cfg, tmp_path / "run", workers=1)
    _check_episode(tmp_path / "run", summary)
    spec = json.loads((tmp_path / "run" / "suite.json").read_text())["episodes"][0]["spec"]
    assert spec["env_options"] == {
        "controller": "fake_thor:FakeController",
        "width": 64,
        "height": 64,
        "scene": "FloorPlan10",
    }


@pytest.mark.slow
def test_tiny_habitat_episode_end_to_end(tmp_path: Path, fake_habitat) -> None:
    from sim_paths import HABITAT_SCENES

    fake_habitat("0.3.4")
    objects = (
        "[{template: cubeSolid, position: [2.5, -4.5, 0.85], category: Mug, name: mug, scale: 0.08},"
        "{template: cubeSolid, position: [1.3, -1.3, 0.85], category: Apple, name: apple, scale: 0.08}]"
    )
    cfg = load_config(
        RunConfig,
        None,
        [
            "benchmark.env=habitat",
            "env.name=habitat",
            f"env.habitat.scene={HABITAT_SCENES / 'hssd_house.fake_scene.json'}",
            "env.habitat.width=128",
            "env.habitat.height=96",
            f"env.habitat.objects={objects}",
            *TINY,
        ],
    )
    summary = run_suite(cfg, tmp_path / "run", workers=1)
    _check_episode(tmp_path / "run", summary)
