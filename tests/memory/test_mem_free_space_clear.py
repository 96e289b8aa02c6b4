"""Clearing the free-space map where the camera sees through a remembered obstacle: the fast
search (a window around the camera, cells culled by the view, heights tested in turn) finds
exactly the bands the plain test of every hit band finds, for any camera pose."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from embodied_mem.memory.spatial import FreeSpaceMap
from embodied_mem.memory.spatial_clear import _needed_beyond, seen_through
from envs.camera import world_to_pixels
from envs.types import AgentPose, CameraIntrinsics


@dataclass
class _Frame:
    """The fields of an observation the clearing test reads."""

    depth: np.ndarray
    intrinsics: CameraIntrinsics
    cam_to_world: np.ndarray
    agent: AgentPose


def _camera(yaw: float, pitch: float, roll: float, at: np.ndarray) -> np.ndarray:
    """(4, 4) optical frame (x right, y down, z forward) -> world."""
    fwd = np.array([math.cos(yaw) * math.cos(pitch), math.sin(yaw) * math.cos(pitch)])
    fwd = np.append(fwd, math.sin(pitch))
    right = np.array([math.sin(yaw), -math.cos(yaw), 0.0])
    c, s = math.cos(roll), math.sin(roll)
    turn = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    out = np.eye(4)
    out[:3, :3] = np.stack([right, np.cross(fwd, right), fwd], axis=1) @ turn
    out[:3, 3] = at
    return out


def _plain_seen_through(fmap: FreeSpaceMap, obs: _Frame) -> set[tuple[int, int, int]]:
    """Every hit band within range, all three heights tested (the definition)."""
    bands, rows, cols = np.nonzero(fmap.obstacle_hits)
    xy = fmap.cell_centres(rows, cols)
    near = np.linalg.norm(xy - obs.cam_to_world[:2, 3], axis=1) <= fmap.config.max_range
    edges, floor, k = fmap.band_edges(), float(obs.agent.position[2]), obs.intrinsics
    ok = near.copy()
    from scipy import ndimage

    # The nearest valid reading in each pixel's 3x3 window (invalid ones count as 0 m).
    clean = np.where(np.isfinite(obs.depth) & (obs.depth > 0), obs.depth, 0.0)
    nearest = ndimage.minimum_filter(clean, size=3, mode="nearest")
    for frac in (0.25, 0.5, 1.0):
        z = floor + edges[bands] + frac * (edges[bands + 1] - edges[bands])
        u, v, d = world_to_pixels(np.column_stack([xy, z]), k, obs.cam_to_world)
        with np.errstate(invalid="ignore"):
            ok &= (d > 0.1) & (u >= 0) & (u <= k.width - 1) & (v >= 0) & (v <= k.height - 1)
        at = np.flatnonzero(ok)
        ui, vi = np.round(u[at]).astype(int), np.round(v[at]).astype(int)
        beyond = _needed_beyond(d[at], z[at], float(obs.cam_to_world[2, 3]), floor)
        ok[at] = nearest[vi, ui] > d[at] + beyond
    return set(zip(bands[ok].tolist(), rows[ok].tolist(), cols[ok].tolist(), strict=True))


@pytest.mark.parametrize("seed", range(6))
def test_seen_through_finds_what_the_plain_test_of_every_band_finds(seed: int) -> None:
    rng = np.random.default_rng(seed)
    fmap = FreeSpaceMap()
    fmap._cover(np.array([[-40, -40], [40, 40]]))  # a grid of about 7 x 7 m
    h, w = fmap.shape
    found = 0
    for density in (0.03, 0.3):
        hits = rng.random((fmap.config.height_bins, h, w)) < density
        fmap.obstacle_hits[:] = hits * rng.integers(1, 9, hits.shape)
        for _ in range(8):
            k = CameraIntrinsics.from_fov(
                int(rng.integers(40, 90)), int(rng.integers(30, 70)), vfov_deg=rng.uniform(40, 100)
            )
            feet = np.array([*rng.uniform(-2.0, 2.0, 2), rng.uniform(-0.1, 0.1)])
            roll = float(rng.choice([0.0, rng.uniform(-0.3, 0.3)]))
            eye = feet + np.array([0.0, 0.0, rng.uniform(0.3, 2.0)])
            pose = _camera(rng.uniform(-math.pi, math.pi), rng.uniform(-1.2, 0.6), roll, eye)
            depth = rng.uniform(0.2, 8.0, (k.height, k.width)).astype(np.float32)
            depth[rng.random(depth.shape) < 0.05] = 0.0  # no reading
            depth[rng.random(depth.shape) < 0.02] = np.nan
            obs = _Frame(depth, k, pose, AgentPose(tuple(feet), 0.0))
            bands, rows, cols = seen_through(fmap, obs)  # type: ignore[arg-type]
            got = list(zip(bands.tolist(), rows.tolist(), cols.tolist(), strict=True))
            assert got == sorted(got)  # the order of a 3-D nonzero
            assert set(got) == _plain_seen_through(fmap, obs)
            found += len(got)
    assert found > 0
