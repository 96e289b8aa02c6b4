"""Pick / place / open / close rules of the built-in simulator and their failure reasons."""

from __future__ import annotations

import math

import numpy as np
import pytest
from builtin_helpers import backprojected_inside, face, far_point, pixels_of

from envs.actions import Close, MoveForward, Open, Pick, Place, Teleport


def _visible_pickable(env):
    """An object lying on an open surface (not in a container) that we can see from a viewpoint."""
    for obj in env.house.objects:
        if not obj.inside:
            obs = face(env, obj.id)
            if obs is not None:
                return obj.id, obs
    raise AssertionError("no visible object in the house")


def test_pick_needs_reach_and_visibility_then_succeeds(small_env):
    env = small_env
    env.reset(seed=0)
    oid, obs = _visible_pickable(env)
    x, y = obs.agent.xy
    # Facing away: within reach but not visible.
    env.step(Teleport(x, y, obs.agent.yaw + math.pi, 0.0))
    _, _, _, _, info = env.step(Pick(oid))
    assert not info["result"].success and "not visible" in info["result"].reason
    # Far away: out of reach, whatever we see.
    p = far_point(env, oid, 4.0)
    env.step(Teleport(p[0], p[1], 0.0, 0.0))
    _, _, _, _, info = env.step(Pick(oid))
    assert not info["result"].success and "within reach" in info["result"].reason
    assert face(env, oid) is not None
    obs, _, _, _, info = env.step(Pick(oid))
    assert info["result"].success, info["result"].reason
    assert obs.held_object == oid
    assert pixels_of(env, oid, obs) == 0, "a held object is not drawn in the scene"
    rec = env.ground_truth().objects[oid]
    assert rec.is_held and rec.parent_receptacle is None
    assert env.viewpoints_for(oid) == []
    # A second pick while holding fails with a reason.
    other = next(o.id for o in env.house.objects if o.id != oid)
    _, _, _, _, info = env.step(Pick(other))
    assert not info["result"].success and "already holding" in info["result"].reason


def test_failure_reasons_for_bad_targets(small_env):
    env = small_env
    env.reset(seed=0)
    cases = [
        (Pick("Aple_1"), "no object"),
        (Pick(env.house.receptacles[0].id), "receptacle"),
        (Place(env.house.receptacles[0].id), "not holding"),
        (Open(next(r.id for r in env.house.receptacles if not r.openable)), "cannot be opened"),
        (Close("nothing_here"), "no receptacle"),
    ]
    for action, words in cases:
        _, _, _, _, info = env.step(action)
        assert not info["result"].success, action
        assert words in info["result"].reason, (action, info["result"].reason)


def test_place_on_surface_and_into_containers(small_env):
    env = small_env
    env.reset(seed=0)
    oid, _ = _visible_pickable(env)
    assert env.step(Pick(oid))[4]["result"].success
    container = next(
        r
        for r in env.house.receptacles
        if r.openable and r.category in ("Cabinet", "Fridge", "Drawer")
    )
    vx, vy, vyaw = env.viewpoints_for(container.id)[0]
    env.step(Teleport(vx, vy, vyaw, 0.0))
    info = env.step(Place(container.id))[4]
    assert not info["result"].success and "closed" in info["result"].reason
    assert env.step(Open(container.id))[4]["result"].success
    info = env.step(Open(container.id))[4]
    assert not info["result"].success and "already open" in info["result"].reason
    assert env.step(Place(container.id))[4]["result"].success
    gt = env.ground_truth()
    rec, box = gt.objects[oid], gt.objects[container.id]
    assert rec.parent_receptacle == container.id and not rec.is_held
    assert box.contains(np.asarray(rec.position)), "placed inside the container's box"
    assert gt.objects[container.id].is_open
    assert env.step(Close(container.id))[4]["result"].success
    assert not env.ground_truth().objects[container.id].is_open
    # The closed door hides it from every viewpoint; opened, it can be seen and picked again.
    assert face(env, oid, min_pixels=1) is None
    info = env.step(Pick(oid))[4]
    assert (
        not info["result"].success and f"inside the closed {container.id}" in info["result"].reason
    )
    env.step(Teleport(vx, vy, vyaw, 0.0))
    env.step(Open(container.id))
    assert face(env, oid) is not None
    assert env.step(Pick(oid))[4]["result"].success
    # Out of reach: place on a far receptacle fails and keeps holding.
    surface = next(r for r in env.house.receptacles if not r.openable and r.parent is None)
    p = far_point(env, surface.id, 5.0)
    env.step(Teleport(p[0], p[1], 0.0, 0.0))
    info = env.step(Place(surface.id))[4]
    assert not info["result"].success and "within reach" in info["result"].reason
    assert env.ground_truth().objects[oid].is_held
    vx, vy, vyaw = env.viewpoints_for(surface.id)[0]
    env.step(Teleport(vx, vy, vyaw, 0.0))
    assert env.step(Place(surface.id))[4]["result"].success
    placed = env.ground_truth().objects[oid]
    top = env.ground_truth().objects[surface.id].bbox_max[2]
    assert placed.parent_receptacle == surface.id
    # Its mask follows it: pixels labelled with its id back-project into its new box.
    obs = face(env, oid, min_pixels=5)
    assert obs is not None and backprojected_inside(env, oid, obs) > 0.95
    assert placed.bbox_min[2] == pytest.approx(
        top, abs=0.5
    )  # on the top (sofa seat lower than back)


def test_collision_blocks_and_keeps_the_pose(small_env):
    env = small_env
    env.reset(seed=0)
    grid = env.navigability
    rng = np.random.default_rng(0)
    for _ in range(2000):
        p = grid.sample_navigable(rng)
        yaw = float(rng.uniform(-math.pi, math.pi))
        ahead = p + 0.25 * np.array([math.cos(yaw), math.sin(yaw)])
        if not grid.is_free_segment(p, ahead):
            break
    else:
        raise AssertionError("no blocked move found")
    env.step(Teleport(p[0], p[1], yaw, 0.0))
    obs, _, _, _, info = env.step(MoveForward())
    assert not info["result"].success and "blocked" in info["result"].reason
    np.testing.assert_allclose(obs.agent.xy, p)


def test_random_walk_never_enters_walls_or_furniture():
    from envs.actions import TurnLeft, TurnRight
    from envs.builtin.config import BuiltinEnvConfig
    from envs.builtin.env import BuiltinHouseEnv

    env = BuiltinHouseEnv(BuiltinEnvConfig(width=32, height=24, render_rgb=False))
    env.reset(seed=0)

    rng = np.random.default_rng(5)
    obstacles = env.house.floor_obstacles()
    moved = 0
    for _ in range(120):
        action = [MoveForward(), MoveForward(), TurnLeft(), TurnRight()][int(rng.integers(4))]
        obs, _, _, _, info = env.step(action)
        moved += isinstance(action, MoveForward) and info["result"].success
        x, y = obs.agent.xy
        gap = min(b.distance_to(x, y) for b in obstacles)
        assert gap >= env.config.agent_radius - env.config.grid_resolution, (x, y, gap)
    assert moved > 10
    env.close()


def test_visible_viewpoints_really_show_the_object(small_env):
    env = small_env
    env.reset(seed=1)
    before = env.observe()
    frame = before.frame_index
    shown = 0
    objs = [o for o in env.house.objects if not o.inside][:6]
    for obj in objs:
        for x, y, yaw in env.viewpoints_for(obj.id, 2, visible_only=True):
            obs = env.step(Teleport(x, y, yaw, env.look_pitch(obj.id, (x, y))))[0]
            assert pixels_of(env, obj.id, obs) >= env.config.min_visible_pixels
            shown += 1
    assert shown >= len(objs)
    env.reset(seed=1)
    assert env.observe().frame_index == frame and env.viewpoints_for(
        objs[0].id, 1, visible_only=True
    )
    np.testing.assert_array_equal(env.observe().depth, before.depth)


def test_every_object_and_receptacle_has_a_viewpoint_within_reach(small_env):
    env = small_env
    for seed in (0, 2):
        env.reset(seed=seed)
        gt = env.ground_truth()
        for eid, rec in gt.objects.items():
            poses = env.viewpoints_for(eid, 3)
            assert poses, f"seed {seed}: {eid} cannot be approached"
            for x, y, yaw in poses:
                assert env.navigability.is_navigable(np.array([x, y]))
                dx, dy = rec.center[0] - x, rec.center[1] - y
                assert abs(math.remainder(math.atan2(dy, dx) - yaw, 2 * math.pi)) < 1e-6, "faces it"


def test_state_snapshot_restores_world_agent_and_clock_exactly() -> None:
    """Several agents are evaluated from one post-experience world: restore must be exact."""
    import numpy as np

    from envs.actions import MoveForward, Pick, Teleport, TurnLeft
    from envs.builtin.config import BuiltinEnvConfig
    from envs.builtin.env import BuiltinHouseEnv

    with BuiltinHouseEnv(BuiltinEnvConfig(width=64, height=48)) as env:
        env.reset(seed=5)
        state = env.get_state()
        before = env.observe()
        gt_before = env.ground_truth()
        obj = gt_before.pickupables()[0]
        x, y, yaw = env.viewpoints_for(obj.id)[0]
        env.step(Teleport(x, y, yaw, env.look_pitch(obj.id, (x, y))))
        env.step(Pick(obj.id))
        env.step(TurnLeft())
        env.step(MoveForward())
        after = env.set_state(state)
        assert np.array_equal(after.depth, before.depth) and np.array_equal(after.rgb, before.rgb)
        assert after.time == before.time and after.frame_index == before.frame_index
        restored = env.ground_truth().objects[obj.id]
        assert restored.position == gt_before.objects[obj.id].position and not restored.is_held
        with pytest.raises(ValueError, match="missing"):
            env.set_state({"seed": 5})
        env.reset(seed=6)
        with pytest.raises(ValueError, match="seed"):
            env.set_state(state)
