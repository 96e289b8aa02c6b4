"""Built-in simulator: determinism, frames and intrinsics, occlusion, clock, errors, conformance."""

from __future__ import annotations

import numpy as np
import pytest
from builtin_helpers import SMALL, backprojected_inside, face

from envs.actions import MoveForward, Open, Teleport, TurnLeft, TurnRight
from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.env import BuiltinHouseEnv
from envs.builtin.procgen import generate_house
from envs.conformance import check_env_conformance
from envs.registry import make_env


def _walk(env, seed):
    frames = [env.reset(seed=seed)[0]]
    for a in [TurnLeft(), MoveForward(), MoveForward(), TurnRight(), MoveForward(), TurnLeft()]:
        frames.append(env.step(a)[0])
    return frames


def test_same_seed_same_house_and_byte_identical_frames(small_env):
    other = BuiltinHouseEnv(BuiltinEnvConfig(**SMALL))
    try:
        for a, b in zip(_walk(small_env, 3), _walk(other, 3), strict=False):
            assert a.rgb.tobytes() == b.rgb.tobytes()
            assert a.depth.tobytes() == b.depth.tobytes()
            assert a.instance_ids.tobytes() == b.instance_ids.tobytes()
            assert a.agent == b.agent and a.time == b.time
        assert small_env.ground_truth() == other.ground_truth()
    finally:
        other.close()
    h0, h1 = generate_house(0), generate_house(1)
    assert [r.footprint for r in h0.rooms] != [r.footprint for r in h1.rooms]


def test_houses_have_enough_rooms_types_and_categories():
    from envs.builtin import catalog

    assert len(catalog.PICKUPABLE_CATEGORIES) >= 20
    kinds, cats = set(), set()
    for seed in range(6):
        house = generate_house(seed)
        assert 3 <= len(house.rooms) <= 8
        assert len(house.doorways) >= len(house.rooms) - 1
        kinds |= {r.room_type for r in house.rooms}
        cats |= {o.category for o in house.objects}
        assert {"kitchen", "living_room", "bedroom"} <= {r.room_type for r in house.rooms}
    assert kinds <= set(catalog.ROOM_TYPES) and len(kinds) >= 5
    assert len(cats) >= 15


def test_observation_fields(small_env):
    obs, _ = small_env.reset(seed=0, options={"day": 2, "time": "10:15"})
    obs.validate()
    assert obs.rgb.shape == (120, 160, 3)
    assert obs.time.day == 2 and obs.time.time_of_day == "10:15"
    assert obs.room_id == small_env.ground_truth().room_at(*obs.agent.xy)
    assert set(np.unique(obs.instance_ids)) - {0} == set(obs.instance_names)
    valid = obs.depth[obs.depth > 0]
    assert valid.size > 0.9 * obs.depth.size, "ceilings, walls and floors give readings everywhere"
    assert 0.02 < valid.min() and valid.max() < 20


def test_back_projected_mask_pixels_land_in_gt_boxes(small_env):
    """Checks intrinsics, camera pose and frame conventions together."""
    env = small_env
    env.reset(seed=0)
    checked = 0
    for obj in list(env.house.objects)[:8] + list(env.house.receptacles)[:5]:
        obs = face(env, obj.id, min_pixels=20)
        if obs is None:
            continue
        inside = backprojected_inside(env, obj.id, obs)
        assert inside > 0.97, f"{obj.id}: only {inside:.2%} of its pixels back-project into its box"
        checked += 1
    assert checked >= 7


@pytest.mark.parametrize(
    "seed", [0, pytest.param(1, marks=pytest.mark.slow), pytest.param(2, marks=pytest.mark.slow)]
)
def test_objects_in_closed_containers_are_invisible_until_opened(seed):
    env = BuiltinHouseEnv(BuiltinEnvConfig(**SMALL))
    try:
        env.reset(seed=seed)
        inside = [o for o in env.house.objects if o.inside]
        assert inside, "generation puts some objects into containers"
        for obj in inside:
            assert face(env, obj.id, min_pixels=1) is None, f"{obj.id} seen through a closed door"
        seen = 0
        for obj in inside:
            x, y, yaw = env.viewpoints_for(obj.parent)[0]
            env.step(Teleport(x, y, yaw, 0.0))
            if not env.ground_truth().objects[obj.parent].is_open:
                assert env.step(Open(obj.parent))[4]["result"].success
            seen += face(env, obj.id) is not None
        assert seen >= 0.7 * len(inside), (
            f"only {seen}/{len(inside)} visible once their container is open"
        )
    finally:
        env.close()


def test_clock_maps_steps_onto_the_day_and_rolls_over():
    env = BuiltinHouseEnv(BuiltinEnvConfig(width=64, height=48, steps_per_day=8))
    try:
        obs, _ = env.reset(seed=0)
        assert obs.time.time_of_day == "06:00" and obs.time.day == 0
        times = [env.step(TurnLeft())[0].time for _ in range(9)]
        assert times[3].time_of_day == "14:00"
        assert times[7].time_of_day == "22:00" and times[7].day == 0
        assert times[8].day == 1 and times[8].time_of_day == "06:00"
        assert all(b.seconds > a.seconds for a, b in zip(times, times[1:], strict=False))
        env.set_clock(3, "09:30")
        assert env.observe().time.day == 3 and env.observe().time.time_of_day == "09:30"
        with pytest.raises(ValueError, match="HH:MM"):
            env.set_clock(1, "9h30")
    finally:
        env.close()


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(width=-5), "width"),
        (dict(min_rooms=6, max_rooms=4), "min_rooms"),
        (dict(reach=0.0), "reach"),
        (dict(agent_radius=-0.1), "agent_radius"),
        (dict(day_start="25:00"), "day_start"),
        (dict(vfov_deg=200.0), "vfov_deg"),
    ],
)
def test_bad_configs_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        BuiltinEnvConfig(**kwargs)


def test_bad_actions_and_options_give_clear_errors(small_env):
    small_env.reset(seed=0)
    with pytest.raises(TypeError, match="MoveForward.*TurnLeft"):
        small_env.step("forward")
    with pytest.raises(ValueError, match="positive"):
        small_env.step(MoveForward(-1.0))
    with pytest.raises(ValueError, match="not navigable"):
        small_env.reset(seed=0, options={"agent": (-50.0, -50.0, 0.0)})
    with pytest.raises(ValueError, match="unknown reset options"):
        small_env.reset(seed=0, options={"days": 1})
    with pytest.raises(TypeError, match="BuiltinEnvConfig"):
        BuiltinHouseEnv({"width": 10})


def test_start_pose_option_and_registry():
    env = make_env("builtin", BuiltinEnvConfig(width=64, height=48))
    try:
        env.reset(seed=4)
        p = env.navigability.sample_navigable(np.random.default_rng(2))
        obs, _ = env.reset(seed=4, options={"agent": (p[0], p[1], 1.0)})
        np.testing.assert_allclose(obs.agent.xy, p)
        assert obs.agent.yaw == pytest.approx(1.0)
    finally:
        env.close()


def test_conformance_check_passes():
    check_env_conformance(BuiltinHouseEnv(BuiltinEnvConfig(width=64, height=48)), seed=2)


def test_depth_only_mode_skips_rgb():
    env = BuiltinHouseEnv(BuiltinEnvConfig(width=64, height=48, render_rgb=False))
    try:
        obs, _ = env.reset(seed=0)
        assert obs.rgb is None and obs.instance_ids is not None
        obs.validate()
    finally:
        env.close()


class _NoisyEnv(BuiltinHouseEnv):
    """Breaks determinism on purpose: the conformance check must catch it."""

    _calls = 0

    def observe(self):
        obs = super().observe()
        _NoisyEnv._calls += 1
        obs.depth = obs.depth + np.float32(1e-3 * _NoisyEnv._calls)
        return obs


class _NoResultEnv(BuiltinHouseEnv):
    def step(self, action):
        obs, reward, terminated, truncated, info = super().step(action)
        return obs, reward, terminated, truncated, {}


@pytest.mark.parametrize(
    "cls, words", [(_NoisyEnv, "not deterministic"), (_NoResultEnv, "info\\['result'\\]")]
)
def test_conformance_check_catches_broken_envs(cls, words):
    from envs.conformance import ConformanceError

    env = cls(BuiltinEnvConfig(width=32, height=24))
    try:
        with pytest.raises(ConformanceError, match=words):
            check_env_conformance(env, seed=0, close=False)
    finally:
        env.close()
