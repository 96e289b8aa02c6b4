"""The scripted demo walk and the top-down map."""

from __future__ import annotations

import numpy as np

from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.env import BuiltinHouseEnv
from envs.builtin.topdown import render_topdown, save_topdown
from envs.builtin.walk import scripted_walk


def test_scripted_walk_is_deterministic_and_crosses_rooms():
    env = BuiltinHouseEnv(BuiltinEnvConfig(width=64, height=48))
    try:
        a = scripted_walk(env, 60, seed=1)
        b = scripted_walk(env, 60, seed=1)
        assert len(a.observations) == len(a.path) == 61
        assert len(set(a.rooms)) >= 2, "the walk goes through several rooms"
        assert a.path == b.path
        assert all(
            x.depth.tobytes() == y.depth.tobytes()
            for x, y in zip(a.observations, b.observations, strict=True)
        )
        steps = np.linalg.norm(np.diff(np.array(a.path)[:, :2], axis=0), axis=1)
        assert steps.max() <= env.config.forward_step + 1e-9, "walks by real steps, no teleports"
        assert all(env.navigability.is_navigable(np.array(p[:2])) for p in a.path)
    finally:
        env.close()


def test_walk_tours_every_room():
    env = BuiltinHouseEnv(BuiltinEnvConfig(width=32, height=24, render_rgb=False))
    try:
        walk = scripted_walk(env, 1000, seed=5)
        assert set(walk.rooms) == {r.id for r in env.house.rooms}
        turns = int(round(360 / env.config.turn_degrees))
        assert len(walk.observations) > turns * len(env.house.rooms), "looks around in each room"
    finally:
        env.close()


def test_topdown_map_draws_rooms_furniture_and_path(tmp_path):
    env = BuiltinHouseEnv(BuiltinEnvConfig(width=64, height=48))
    try:
        walk = scripted_walk(env, 30, seed=2)
        img = render_topdown(env.house, walk.path, px_per_m=30)
        x0, y0, x1, y1 = env.house.bounds
        assert img.dtype == np.uint8 and img.shape[2] == 3
        assert abs(img.shape[1] - (x1 - x0 + 0.8) * 30) <= 2
        # The path colour appears, and every room's floor colour appears.
        assert np.any(np.all(img == (220, 30, 30), axis=2))
        out = save_topdown(tmp_path / "map.png", env.house, walk.path)
        assert out.exists() and out.stat().st_size > 1000
    finally:
        env.close()
