"""The habitat adapter against the strict fake habitat-sim, per imitated release (0.2.4-0.3.4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sim_paths import HABITAT_SCENES

from envs.actions import MoveForward, Pick, Place, Teleport, TurnLeft
from envs.habitat.config import HabitatConfig, HabitatObjectSpec

VERSIONS = ["0.2.4", "0.3.2", "0.3.3", "0.3.4"]


def _env(scene: str, **kwargs):
    from envs.habitat.env import HabitatEnv

    cfg = HabitatConfig(scene=str(HABITAT_SCENES / scene), width=48, height=36, **kwargs)
    return HabitatEnv(cfg)


@pytest.mark.parametrize("version", VERSIONS)
def test_semantic_boxes_of_every_release(fake_habitat, version) -> None:
    hs = fake_habitat(version)
    with _env("mp3d_two_storey.fake_scene.json") as env:
        obs, info = env.reset(seed=0)
        obs.validate()
        gt = env.ground_truth()
        table = next(o for o in gt.objects.values() if o.category == "table")
        # habitat (1.5, 0.4, 1.5) ± (0.5, 0.4, 0.4) → world x 1..2, y -1.9..-1.1, z 0..0.8
        assert table.bbox_min == pytest.approx((1.0, -1.9, 0.0), abs=1e-5)
        assert table.bbox_max == pytest.approx((2.0, -1.1, 0.8), abs=1e-5)
        assert table.is_receptacle
        aabb = env._sim.semantic_scene.objects[0].aabb
        # the fake hands out the release's own box type: BBox up to 0.3.2, Range3D after
        assert hasattr(aabb, "sizes") == (version < "0.3.3")
        assert hs.__version__ == version


def test_driving_into_a_wall_reports_the_collision(fake_habitat) -> None:
    fake_habitat()
    with _env("hssd_house.fake_scene.json") as env:
        env.reset(seed=0, options={"start": (0.5, -3.0, math.pi)})  # facing world -x: a wall
        assert not hasattr(env._sim, "previous_step_collided")  # habitat-lab's, not habitat-sim's
        results = [env.step(MoveForward())[4]["result"] for _ in range(4)]
        assert results[0].success  # 0.4 m of floor before the wall at x = 0
        assert not results[-1].success and "collided" in results[-1].reason


def test_one_render_per_step(fake_habitat) -> None:
    fake_habitat()
    with _env("hssd_house.fake_scene.json") as env:
        env.reset(seed=0, options={"start": (4.0, -3.0, 0.0)})
        sensors = 3  # colour, depth, semantic
        before = env._sim.renders
        env.step(MoveForward())
        assert env._sim.renders - before == sensors
        before = env._sim.renders
        env.step(TurnLeft())
        assert env._sim.renders - before == sensors


@pytest.mark.parametrize("version", ["0.2.4", "0.3.4"])
def test_reset_keeps_the_scene_furniture_and_furniture_is_a_receptacle(
    fake_habitat, version
) -> None:
    fake_habitat(version)
    mug = HabitatObjectSpec("cubeSolid", (2.5, -4.5, 0.85), "Mug", "mug", 0.05)
    with _env("hssd_house.fake_scene.json", objects=[mug]) as env:
        rom = env._sim.get_rigid_object_manager()
        scene_objects = rom.get_num_objects()
        for seed in (0, 1, 2):
            env.reset(seed=seed)
            assert rom.get_num_objects() == scene_objects + 1  # the furniture stays, one mug
        gt = env.ground_truth()
        furniture = {
            o.category: o for o in gt.objects.values() if o.id.startswith("habitat/rigid/")
        }
        assert {"table", "shelves", "bed"} <= set(furniture)  # lexicon names + handle-derived
        assert furniture["table"].is_receptacle and furniture["bed"].is_receptacle
        bowl = gt.objects[next(k for k in gt.objects if gt.objects[k].category == "bowl")]
        assert (
            bowl.pickupable and bowl.parent_receptacle is not None
        )  # scene clutter rests on a table
        assert gt.objects["mug"].parent_receptacle == "habitat/rigid/frl_apartment_table_01_:0000"
        # navmesh recomputed with static objects: the furniture is not walkable (0.2.4 passes the
        # switch to recompute_navmesh, 0.2.5+ sets NavMeshSettings.include_static_objects)
        assert not env.navigability.is_navigable(np.array([6.5, -4.5]))
        # Place onto a furniture piece works
        env.step(Teleport(2.5, -3.5, -math.pi / 2))
        assert env.step(Pick("mug"))[4]["result"].success
        bed = furniture["bed"]
        env.step(Teleport(5.0, -4.5, 0.0))
        result = env.step(Place(bed.id))[4]["result"]
        assert result.success, result.reason
        assert env.ground_truth().objects["mug"].parent_receptacle == bed.id


def test_rooms_on_the_right_storey(fake_habitat) -> None:
    fake_habitat("0.3.3")
    with _env("mp3d_two_storey.fake_scene.json") as env:
        obs, _ = env.reset(seed=0, options={"start": (1.0, -1.0, 0.0)})
        rooms = env.ground_truth().rooms
        assert obs.room_id is not None and rooms[obs.room_id].room_type in ("kitchen", "bedroom")
        # the same (x, y) on each storey: the kitchen below, the bedroom above
        for floor_z, expected in ((0.0, "kitchen"), (3.0, "bedroom")):
            assert env._teleport(Teleport(1.0, -1.0, 0.0), floor_z=floor_z).success
            env._raw = None  # a teleport outside step(): render afresh
            obs = env.observe()
            assert obs.agent.position[2] == pytest.approx(floor_z, abs=1e-5)
            assert rooms[obs.room_id].room_type == expected, (floor_z, obs.room_id)
        gt = env.ground_truth()
        bed = next(o for o in gt.objects.values() if o.category == "bed")
        assert gt.rooms[bed.room_id].room_type == "bedroom"
        # the kitchen's box overlaps the living room's: the smaller one wins at the seam
        assert gt.room_at(4.1, -3.0, 0.0) is not None


def test_hm3d_regions_are_rooms_named_by_index(fake_habitat) -> None:
    fake_habitat("0.3.4")
    with _env("hm3d_regions.fake_scene.json") as env:
        env.reset(seed=0, options={"start": (1.0, -3.0, 0.0)})
        gt = env.ground_truth()
        assert {r.name for r in gt.rooms.values()} == {"region 0", "region 1"}
        assert {r.room_type for r in gt.rooms.values()} == {"room"}
        bed = next(o for o in gt.objects.values() if o.category == "bed")
        assert gt.rooms[bed.room_id].name == "region 1"
        assert env.observe().room_id == "habitat/region_0"


def test_env_contract_on_the_fake(fake_habitat) -> None:
    from envs.conformance import check_env_conformance

    fake_habitat()
    check_env_conformance(_env("hssd_house.fake_scene.json"), seed=0)


def test_version_notes(fake_habitat) -> None:
    from envs.habitat.conversions import check_habitat_version

    assert any("poly_loop_points" in n for n in check_habitat_version("0.3.0"))
    assert check_habitat_version("0.3.4") == []
    with pytest.raises(RuntimeError, match="too old"):
        check_habitat_version("0.1.7")


def test_doctor_reports_the_release_and_egl(fake_habitat, monkeypatch) -> None:
    import envs.habitat.doctor as doctor

    monkeypatch.setattr(doctor.ctypes.util, "find_library", lambda name: f"lib{name}.so.1")
    fake_habitat("0.3.4")
    assert doctor.diagnose() == []
    fake_habitat("0.3.0")
    assert any("0.3.0" in n and "poly_loop_points" in n for n in doctor.diagnose())
    monkeypatch.setattr(doctor.ctypes.util, "find_library", lambda name: None)
    assert any("libEGL" in p for p in doctor.blocking_problems())
