"""The CLI/config → simulator path: env.<sim>.* settings and scenes reach every episode's env."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from embodied_mem.benchmark.env_setup import (
    build_env_config,
    check_simulator,
    episode_scenes,
)
from embodied_mem.benchmark.suite import make_specs
from embodied_mem.config import ConfigError, load_config
from embodied_mem.run_config import RunConfig
from envs.ai2thor.config import AI2ThorConfig
from envs.extras import SimulatorUnavailableError
from envs.habitat.config import HabitatConfig

REPO = Path(__file__).resolve().parents[2]


def _run_config(*overrides: str, preset: str | None = "suites/small") -> RunConfig:
    return load_config(RunConfig, preset, list(overrides))


def test_simulator_settings_and_scenes_are_frozen_into_every_spec() -> None:
    cfg = _run_config(
        "benchmark.env=ai2thor",
        "env.name=ai2thor",
        "env.ai2thor.width=320",
        "env.ai2thor.grid_size=0.5",
        "benchmark.scenes=[FloorPlan1,FloorPlan201_physics]",
    )
    specs = make_specs(cfg.benchmark, cfg.env)
    assert {s.env for s in specs} == {"ai2thor"}
    assert {s.env_options["scene"] for s in specs} == {"FloorPlan1", "FloorPlan201_physics"}
    built = build_env_config("ai2thor", specs[0].env_options)
    assert isinstance(built, AI2ThorConfig)
    assert (built.width, built.grid_size) == (320, 0.5)
    # the preset's builtin settings (steps_per_day, 160x120) stay with the builtin env
    assert "steps_per_day" not in specs[0].env_options


def test_builtin_preset_settings_still_reach_the_builtin_env() -> None:
    cfg = _run_config()
    spec = make_specs(cfg.benchmark, cfg.env)[0]
    assert spec.env_options == {"width": 160, "height": 120, "steps_per_day": 4800}


def test_unknown_option_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown habitat env option.*valid:.*scene_dataset"):
        build_env_config("habitat", {"scene_datset": "x.json"})
    with pytest.raises(ValueError, match="width"):
        build_env_config("ai2thor", {"width": "wide"})


def test_scene_sets_expand_and_bad_names_fail_before_unity() -> None:
    kitchens = episode_scenes("ai2thor", ["ithor-kitchens"], AI2ThorConfig(), seed=0)
    assert sorted(kitchens) == sorted(f"FloorPlan{n}" for n in range(1, 31))
    with pytest.raises(ValueError, match="did you mean FloorPlan10"):
        episode_scenes("ai2thor", ["FloorPlan10x"], AI2ThorConfig(), seed=0)
    with pytest.raises(ValueError, match="does not apply to the builtin env"):
        episode_scenes("builtin", ["FloorPlan1"], None, seed=0)
    with pytest.raises(ValueError, match="env.habitat.scene"):
        episode_scenes("habitat", [], HabitatConfig(), seed=0)


def test_mismatched_env_names_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="benchmark.env .*env.name"):
        _run_config("env.name=ai2thor")


def test_preflight_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import envs.ai2thor.doctor as thor_doctor

    monkeypatch.setattr(thor_doctor.ctypes.util, "find_library", lambda name: None)
    with pytest.raises(SimulatorUnavailableError, match="apt-get install libvulkan1"):
        check_simulator("ai2thor", AI2ThorConfig())
    # a stand-in controller starts no Unity, so nothing is missing
    check_simulator("ai2thor", AI2ThorConfig(controller="fake.module:Controller"))


@pytest.mark.skipif(
    __import__("importlib").util.find_spec("habitat_sim") is not None,
    reason="habitat-sim is installed here",
)
def test_eval_without_habitat_stops_with_the_install_command(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "embodied_mem.cli",
            "eval",
            "--env",
            "habitat",
            "--episodes",
            "1",
            "--out",
            str(tmp_path / "run"),
            "env.habitat.scene=scene.glb",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "conda install" in out and "habitat-sim=0.3.4" in out
    assert "Traceback" not in out and "invalid config" not in out
