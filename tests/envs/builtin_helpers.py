"""Helpers shared by the built-in env tests (oracle moves via Teleport)."""

from __future__ import annotations

import numpy as np

from envs.actions import Teleport
from envs.builtin.env import BuiltinHouseEnv
from envs.types import Observation


def pixels_of(env: BuiltinHouseEnv, eid: str, obs: Observation) -> int:
    return int(round(env.visible_fraction(eid, obs) * obs.depth.size))


def face(env: BuiltinHouseEnv, eid: str, min_pixels: int | None = None) -> Observation | None:
    """Teleport to the first viewpoint of ``eid`` from which it is visible; None if none is."""
    need = env.config.min_visible_pixels if min_pixels is None else min_pixels
    for x, y, yaw in env.viewpoints_for(eid):
        pitch = env.look_pitch(eid, (x, y))
        obs, _, _, _, info = env.step(Teleport(x, y, yaw, pitch))
        assert info["result"].success, info["result"].reason
        if pixels_of(env, eid, obs) >= need:
            return obs
    return None


def far_point(env: BuiltinHouseEnv, eid: str, min_dist: float) -> np.ndarray:
    """A navigable point at least ``min_dist`` floor metres from ``eid``'s centre."""
    rng = np.random.default_rng(1)
    gt = env.ground_truth().objects[eid]
    for _ in range(500):
        p = env.navigability.sample_navigable(rng)
        if np.linalg.norm(p - np.asarray(gt.position[:2])) > min_dist:
            return p
    raise AssertionError("no far point found")
