"""The suite runner: resume after an interruption and Ray vs local give the same summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embodied_mem.benchmark.eval_runner import RESULTS, run_suite
from embodied_mem.config import load_config
from embodied_mem.run_config import RunConfig

TINY = [
    "benchmark.name=tiny",
    "benchmark.episodes=2",
    "benchmark.seed=3",
    "benchmark.min_interactions=2",
    "benchmark.max_interactions=2",
    "benchmark.templates=[T01,T11,T26,T36,T44,T60]",
    "baselines=[memory-oracle,no-memory,frames-96]",
]


def _config(extra: list[str] | None = None) -> RunConfig:
    cfg = load_config(RunConfig, overrides=TINY + (extra or []))
    cfg.benchmark.env_options.update({"width": 96, "height": 72})
    return cfg


def _without_timing(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "timing"}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("eval_full")
    return out, run_suite(_config(), out)


def test_suite_scores_every_baseline_and_family(uninterrupted: tuple[Path, dict]) -> None:
    out, summary = uninterrupted
    assert set(summary["baselines"]) == {"memory-oracle", "no-memory", "frames-96"}
    memory = summary["baselines"]["memory-oracle"]["overall"]
    assert memory["episodes"] == 2 and memory["tasks"] >= 8
    # Memory is what makes these tasks solvable: the memory agent must beat the empty memory.
    assert memory["success"] > summary["baselines"]["no-memory"]["overall"]["success"]
    assert (out / "config.yaml").exists() and (out / "suite.json").exists()


def test_resume_after_interruption_gives_the_same_summary(
    uninterrupted: tuple[Path, dict], tmp_path: Path
) -> None:
    out, summary = uninterrupted
    lines = (out / RESULTS).read_text().splitlines()
    first_done = next(i for i, line in enumerate(lines) if "episode_done" in line)
    # Keep episode 1, half of episode 2 and a torn last line, as a killed process would leave it.
    cut = (
        lines[: first_done + 1]
        + lines[first_done + 1 : first_done + 3]
        + ['{"baseline": "memory-or']
    )
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    (resumed / "config.yaml").write_text((out / "config.yaml").read_text())
    (resumed / RESULTS).write_text("\n".join(cut) + "\n")
    again = run_suite(_config(), resumed)
    assert _without_timing(again) == _without_timing(summary)
    done = [
        json.loads(x) for x in (resumed / RESULTS).read_text().splitlines() if "episode_done" in x
    ]
    assert len(done) == 2


def test_a_different_config_refuses_to_reuse_the_directory(
    uninterrupted: tuple[Path, dict],
) -> None:
    out, _ = uninterrupted
    with pytest.raises(ValueError, match="different config"):
        run_suite(_config(["benchmark.seed=4"]), out)


@pytest.mark.slow
def test_ray_and_local_backends_give_identical_summaries(
    uninterrupted: tuple[Path, dict], tmp_path: Path
) -> None:
    pytest.importorskip("ray", reason="Ray backend needs the 'ray' extra")
    _, summary = uninterrupted
    ray_summary = run_suite(_config(), tmp_path / "ray", workers=2, backend="ray")
    assert _without_timing(ray_summary) == _without_timing(summary)
