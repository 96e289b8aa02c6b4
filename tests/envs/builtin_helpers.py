"""Helpers shared by the built-in env tests (oracle moves via Teleport)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from envs.actions import MoveForward, Open, Teleport, TurnLeft, TurnRight
from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.env import BuiltinHouseEnv
from envs.types import Observation

# Small frames keep the suite fast; every rule under test is resolution-independent.
SMALL = {"width": 160, "height": 120}

WALK = [TurnLeft(), MoveForward(), MoveForward(), TurnRight(), MoveForward(), TurnLeft()]
"""A short walk through a house (the deferred-pass tests compare its frames)."""


def walk(env: BuiltinHouseEnv, seed: int = 3) -> list[Observation]:
    """The reset frame of house ``seed`` and the frames of :data:`WALK`."""
    return [env.reset(seed=seed)[0]] + [env.step(a)[0] for a in WALK]


def lazy_and_eager(**eager: bool) -> Iterator[tuple[BuiltinHouseEnv, BuiltinHouseEnv]]:
    """The same house twice, with the defaults and with ``eager`` (a pass rendered with every
    frame, e.g. ``rgb_on_demand=False``); closed after use (a fixture's body)."""
    pair = (
        BuiltinHouseEnv(BuiltinEnvConfig(**SMALL)),
        BuiltinHouseEnv(BuiltinEnvConfig(**SMALL, **eager)),
    )
    yield pair
    for env in pair:
        env.close()


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


def count_calls(monkeypatch: Any, owner: type, name: str) -> list[int]:
    """Count calls of ``owner.name`` from now on (``counter[0]``): how many render passes
    ran says what a deferral saved, on any machine."""
    calls = [0]
    original = getattr(owner, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


def frames_before_an_open(pair: tuple[BuiltinHouseEnv, ...]) -> list[Observation]:
    """In each env of ``pair`` (the same house): the frame of a shut container, taken just
    before the agent opens it (a read of a deferred pass after the open must not show it)."""
    for env in pair:
        env.reset(seed=5)
    rid = next(r.id for r in pair[0].house.receptacles if r.openable)
    frames = []
    for env in pair:
        x, y, yaw = env.viewpoints_for(rid, max_count=1, visible_only=False)[0]
        env.step(Teleport(x=x, y=y, yaw=yaw))
        frames.append(env.observe())
        assert env.step(Open(rid))[4]["result"].success
    return frames
