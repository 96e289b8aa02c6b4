"""Helpers shared by the built-in env tests (oracle moves via Teleport)."""

from __future__ import annotations

import numpy as np

from envs.actions import Teleport
from envs.builtin.env import BuiltinHouseEnv
from envs.types import Observation

# Small frames keep the suite fast; every rule under test is resolution-independent.
SMALL = {"width": 160, "height": 120}


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


def backprojected_inside(
    env: BuiltinHouseEnv, eid: str, obs: Observation, margin: float = 0.02
) -> float:
    """Fraction of ``eid``'s mask pixels whose back-projected depth lands in its GT box."""
    inst = next(i for i, n in obs.instance_names.items() if n == eid)
    assert obs.instance_ids is not None
    v, u = np.nonzero(obs.instance_ids == inst)
    k = obs.intrinsics
    z = obs.depth[v, u].astype(float)
    cam = np.stack([(u - k.cx) / k.fx * z, (v - k.cy) / k.fy * z, z, np.ones_like(z)])
    world = (obs.cam_to_world @ cam)[:3].T
    rec = env.ground_truth().objects[eid]
    lo, hi = np.asarray(rec.bbox_min) - margin, np.asarray(rec.bbox_max) + margin
    return float(np.mean(np.all((world >= lo) & (world <= hi), axis=1)))
