"""habitat env: clear error without habitat-sim; a short episode on a trimesh-built scene."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from envs.actions import MoveForward, Open, Pick, Place, Teleport, TurnLeft
from envs.extras import MissingExtraError
from envs.habitat.config import CONDA_INSTALL, HabitatConfig, HabitatObjectSpec
from envs.habitat.doctor import diagnose
from envs.registry import make_env

HAS_HABITAT = importlib.util.find_spec("habitat_sim") is not None


def test_pure_modules_do_not_import_habitat_sim():
    code = (
        "import sys, envs.habitat, envs.habitat.config, envs.habitat.frames, "
        "envs.habitat.conversions, envs.habitat.navigability, envs.habitat.doctor; "
        "assert 'habitat_sim' not in sys.modules and 'magnum' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.skipif(HAS_HABITAT, reason="habitat-sim is installed here")
def test_missing_habitat_names_the_conda_command():
    with pytest.raises(MissingExtraError, match="conda install") as err:
        make_env("habitat", HabitatConfig(scene="scene.glb"))
    assert "embodied-mem[habitat]" in str(err.value)
    assert any(CONDA_INSTALL in p for p in diagnose())


def write_room_glb(path) -> None:
    """A 6 m x 6 m floor with a table, in glTF's y-up frame (what habitat-sim loads)."""
    trimesh = pytest.importorskip("trimesh")
    floor = trimesh.creation.box(extents=(6.0, 0.1, 6.0))
    floor.apply_translation((0.0, -0.05, 0.0))
    table = trimesh.creation.box(extents=(1.0, 0.8, 0.6))
    table.apply_translation((1.5, 0.4, 0.0))
    trimesh.Scene([floor, table]).export(str(path))


def _build_habitat(directory):
    if not HAS_HABITAT:
        pytest.skip(f"habitat-sim is not installed: {CONDA_INSTALL}")
    problems = diagnose()
    if problems:
        pytest.skip("habitat-sim cannot run here: " + "; ".join(problems))
    scene = directory / "room.glb"
    write_room_glb(scene)
    cfg = HabitatConfig(
        scene=str(scene),
        width=128,
        height=96,
        semantic_sensor=False,
        recompute_navmesh=True,
        objects=[
            HabitatObjectSpec("cubeSolid", (-1.0, 0.0, 0.05), "Box", "box", 0.1),
            HabitatObjectSpec("cubeSolid", (-1.0, 1.0, 0.25), "Crate", "crate", 0.5),
        ],
    )
    return make_env("habitat", cfg)


@pytest.fixture(scope="module")
def habitat_env(tmp_path_factory):
    env = _build_habitat(tmp_path_factory.mktemp("habitat"))
    yield env
    env.close()


@pytest.mark.simulator
def test_conformance(tmp_path):
    from envs.conformance import check_env_conformance

    check_env_conformance(_build_habitat(tmp_path), seed=0)  # closes the env itself


@pytest.mark.simulator
def test_short_episode_with_magic_grasp(habitat_env):
    obs, _ = habitat_env.reset(seed=0, options={"start": (-1.0, -1.0, np.pi / 2)})
    obs.validate()
    assert obs.agent.xy == pytest.approx([-1.0, -1.0], abs=0.05)
    assert obs.cam_to_world[2, 3] == pytest.approx(1.5, abs=0.1)
    obs, _, _, _, info = habitat_env.step(MoveForward())
    assert info["result"].success
    assert np.linalg.norm(obs.agent.xy - [-1.0, -0.75]) < 0.05
    _, _, _, _, info = habitat_env.step(Pick("box"))
    assert info["result"].success
    assert habitat_env.ground_truth().objects["box"].is_held
    habitat_env.step(TurnLeft())
    _, _, _, _, info = habitat_env.step(Place("crate"))
    assert info["result"].success, info["result"].reason
    box = habitat_env.ground_truth().objects["box"]
    crate = habitat_env.ground_truth().objects["crate"]
    assert box.parent_receptacle == "crate" and box.bbox_min[2] >= crate.bbox_max[2] - 0.01
    _, _, _, _, info = habitat_env.step(Open("crate"))
    assert not info["result"].success and "articulated" in info["result"].reason
    nav = habitat_env.navigability
    assert nav.is_navigable(np.array([0.0, -2.0]))
    assert not nav.is_navigable(np.array([1.5, 0.0]))  # under the table
    d = nav.geodesic_distance(np.array([0.5, -2.0]), np.array([2.5, 0.0]))
    assert np.isfinite(d) and d >= np.hypot(2.0, 2.0) - 1e-3
    _, _, _, _, info = habitat_env.step(Teleport(x=20.0, y=20.0, yaw=0.0))
    assert not info["result"].success and "not navigable" in info["result"].reason
