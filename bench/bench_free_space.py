"""CPU cost of the agent's own free-space map, its planning grid and the re-localiser, per call,
next to the bare back-projection of the same frames.

Run: ``MUJOCO_GL=egl python bench/bench_free_space.py [--frames 150] [--seed 3] [--repeats 3]``.

Renders a walk through a built-in house (320x240, the evaluation's size: a look around, then
walking and turning), and times on those frames, CPU seconds, the best of ``--repeats``:

- ``update_ms``: :meth:`FreeSpaceMap.update` per frame (a fresh map each repeat), clean depth
  and, in ``update_noisy_ms``, with 1 % depth noise (the median filter and the noisy-sensor
  hit count); ``seen_through_ms`` the clearing test alone, per frame, on the finished map;
- ``distance_field_ms``: one geodesic distance field of the finished map's planning grid
  (fresh fields, 40 goals);
- ``match_ms``: one re-localisation search (:meth:`PoseCorrector.match`) on the noisy map;
- ``reference_backproject_ms``: back-projecting a frame's depth at the map's pixel stride
  (what every update does first; plain numpy written out in this script, so it does not
  change with the code under test): the in-run reference, and each figure's ratio to it
  (``x_backproject``), so a loaded machine still gives comparable numbers.

Prints one JSON line. ``map_digest`` (a hash of the finished maps) lets two versions of the code
be checked to build the same maps from the same frames.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

os.environ.setdefault("MUJOCO_GL", "egl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embodied_mem.memory.spatial import FreeSpaceMap  # noqa: E402
from embodied_mem.memory.spatial_clear import seen_through  # noqa: E402
from embodied_mem.perception.relocalize import PoseCorrector  # noqa: E402
from envs.actions import LookDown, MoveForward, TurnLeft, TurnRight  # noqa: E402
from envs.builtin.config import BuiltinEnvConfig  # noqa: E402
from envs.builtin.env import BuiltinHouseEnv  # noqa: E402
from envs.types import Observation  # noqa: E402

WALK = [MoveForward(), TurnLeft(), MoveForward(), MoveForward(), TurnRight(), MoveForward()]


def render_walk(frames: int, seed: int) -> list[Observation]:
    """A look around (pitched down 30 degrees), then a walk of moves and turns."""
    env = BuiltinHouseEnv(BuiltinEnvConfig(render_rgb=False))
    try:
        obs, _ = env.reset(seed=seed)
        out = [obs]
        actions = [LookDown(degrees=30.0)] + [TurnLeft(degrees=30.0)] * 12
        while len(actions) < frames - 1:
            actions += WALK
        for action in actions[: frames - 1]:
            out.append(env.step(action)[0])
    finally:
        env.close()
    return out


def best_cpu(fn: Callable[[], object], repeats: int) -> float:
    """The least CPU seconds of ``repeats`` calls."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def build(frames: list[Observation], noise: float) -> FreeSpaceMap:
    fmap = FreeSpaceMap()
    if noise:
        fmap.expect_depth_noise(noise)
    for obs in frames:
        fmap.update(obs)
    return fmap


def digest(*maps: FreeSpaceMap) -> str:
    h = hashlib.sha1()
    for fmap in maps:
        for a in (fmap.floor_hits, fmap.obstacle_hits, fmap.visited):
            h.update(np.ascontiguousarray(a).tobytes())
        h.update(repr(fmap.offset).encode())
    return h.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    frames = render_walk(args.frames, args.seed)
    rng = np.random.default_rng(args.seed)
    noisy = [
        dataclasses.replace(
            o, depth=(o.depth * (1 + 0.01 * rng.standard_normal(o.depth.shape))).astype(np.float32)
        )
        for o in frames
    ]
    n = len(frames)

    def backproject_all() -> None:
        # Written out here, not envs.camera's: the reference must not change with the code
        # under test.
        for obs in frames:
            k, s = obs.intrinsics, 2
            depth = np.asarray(obs.depth, dtype=np.float64)[::s, ::s]
            vs, us = np.mgrid[0 : k.height : s, 0 : k.width : s]
            ok = np.isfinite(depth) & (depth > 0) & (depth <= 5.0)
            z = depth[ok]
            x, y = (us[ok] - k.cx) * (z / k.fx), (vs[ok] - k.cy) * (z / k.fy)
            r, t = obs.cam_to_world[:3, :3], obs.cam_to_world[:3, 3]
            # Column arithmetic (a tiny matrix product goes to threaded BLAS: erratic on a
            # loaded machine).
            np.stack([r[i, 0] * x + r[i, 1] * y + r[i, 2] * z + t[i] for i in range(3)], axis=1)

    ref = best_cpu(backproject_all, args.repeats) / n
    update = best_cpu(lambda: build(frames, 0.0), args.repeats) / n
    update_noisy = best_cpu(lambda: build(noisy, 0.01), args.repeats) / n
    clean_map, noisy_map = build(frames, 0.0), build(noisy, 0.01)
    seen = best_cpu(lambda: [seen_through(clean_map, o) for o in frames], args.repeats) / n

    grid = clean_map.planning_grid()
    rows, cols = np.nonzero(grid.navigable)
    pick = np.linspace(0, len(rows) - 1, 40).astype(int)
    goals = grid.cell_centers(rows[pick], cols[pick])

    def fields() -> None:
        grid._cache.clear()  # noqa: SLF001 - fresh fields, not cached ones
        for goal in goals:
            grid.distances_from(goal)

    field = best_cpu(fields, args.repeats) / len(goals)
    corrector = PoseCorrector()
    corrector.attach(noisy_map)
    probe = noisy[:: max(1, n // 30)]
    match = best_cpu(lambda: [corrector.match(o) for o in probe], args.repeats) / len(probe)

    figures = {
        "update_ms": update,
        "update_noisy_ms": update_noisy,
        "seen_through_ms": seen,
        "distance_field_ms": field,
        "match_ms": match,
    }
    out: dict[str, object] = {"frames": n, "reference_backproject_ms": round(1e3 * ref, 3)}
    for name, seconds in figures.items():
        out[name] = round(1e3 * seconds, 3)
        out[name.removesuffix("_ms") + "_x_backproject"] = round(seconds / ref, 2)
    out["map_digest"] = digest(clean_map, noisy_map)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
