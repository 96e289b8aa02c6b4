"""Cost of the mapper's per-mask depth median, next to plain back-projection of the same masks.

Run: ``MUJOCO_GL=egl python bench/bench_median_depth.py [--frames 60] [--seed 0]``.
Renders frames of a built-in house (demo size, 160x120, walking and turning), takes every
instance mask of each frame and back-projects it as the mapper does (``MapperConfig``
defaults: its stride, half-voxel sample spacing, max depth) with the depth median
(``median_window``) and without it, and times :func:`masked_median_depth` against the
former gather (every pixel's window indexed straight from the frame, kept here as the
reference). Prints one JSON line, CPU time only:

- ``median_cpu_s`` / ``reference_median_cpu_s``: the median alone, now and the former way,
  and ``speedup`` between them; ``identical`` says both gave the same numbers bit for bit.
- ``x_plain_backproject``: back-projection with the median over back-projection without it
  (the in-run reference: what the median adds to each mask).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("MUJOCO_GL", "egl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embodied_mem.perception.backproject import (  # noqa: E402
    _stride_for_spacing,
    backproject,
    masked_median_depth,
    valid_depth,
)
from embodied_mem.perception.mapper_config import MapperConfig  # noqa: E402
from envs.actions import MoveForward, TurnLeft, TurnRight  # noqa: E402
from envs.builtin.config import BuiltinEnvConfig  # noqa: E402
from envs.builtin.env import BuiltinHouseEnv  # noqa: E402

CYCLE = [MoveForward(), TurnLeft(), MoveForward(), TurnRight(), TurnRight(), MoveForward()]


def reference_median(depth, mask, v, u, window, max_depth=None):  # type: ignore[no-untyped-def]
    """The former implementation: (N, window^2) row/column index arrays into the frame."""
    r = window // 2
    h, w = depth.shape
    offsets = np.arange(-r, r + 1)
    vv = (v[:, None, None] + offsets[None, :, None]) + np.zeros((1, 1, window), dtype=np.int64)
    uu = (u[:, None, None] + offsets[None, None, :]) + np.zeros((1, window, 1), dtype=np.int64)
    vv, uu = vv.reshape(len(v), -1), uu.reshape(len(u), -1)
    inside = (vv >= 0) & (vv < h) & (uu >= 0) & (uu < w)
    vv, uu = np.where(inside, vv, 0), np.where(inside, uu, 0)
    vals = depth[vv, uu].astype(np.float64)
    ok = inside & mask[vv, uu] & valid_depth(vals, max_depth)
    vals = np.sort(np.where(ok, vals, np.inf), axis=1)
    count = ok.sum(axis=1)
    rows = np.arange(len(vals))
    return 0.5 * (vals[rows, (count - 1) // 2] + vals[rows, count // 2])


def mapper_pixels(depth, mask, intrinsics, cfg: MapperConfig):  # type: ignore[no-untyped-def]
    """The (v, u) pixels the mapper's back-projection keeps of one mask (see backproject)."""
    v, u = np.nonzero(mask)
    z = depth[v, u]
    ok = valid_depth(z, cfg.max_depth)
    v, u, z = v[ok], u[ok], z[ok]
    if len(z) == 0:
        return v, u
    stride = max(1, int(np.sqrt(len(np.flatnonzero(mask)) / cfg.max_backproject_pixels)))
    stride = max(stride, _stride_for_spacing(z, intrinsics, cfg.voxel_size / 2))
    keep = (v % stride == 0) & (u % stride == 0)
    return v[keep], u[keep]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5, help="timing passes over all masks")
    args = parser.parse_args()
    cfg = MapperConfig()
    env = BuiltinHouseEnv(BuiltinEnvConfig(width=160, height=120, render_rgb=False))
    obs, _ = env.reset(seed=args.seed)
    items = []
    for k in range(args.frames):
        for iid in np.unique(obs.instance_ids):
            mask = obs.instance_ids == iid
            if iid == 0 or np.count_nonzero(mask) < cfg.min_mask_pixels:
                continue
            v, u = mapper_pixels(obs.depth, mask, obs.intrinsics, cfg)
            if len(v):
                items.append((obs, mask, v, u))
        obs = env.step(CYCLE[k % len(CYCLE)])[0]
    env.close()
    w, md = cfg.depth_median_window, cfg.max_depth

    def cpu(fn) -> float:  # type: ignore[no-untyped-def]
        c0 = time.process_time()
        for _ in range(args.repeat):
            for o, m, v, u in items:
                fn(o, m, v, u)
        return time.process_time() - c0

    identical = all(
        np.array_equal(
            masked_median_depth(o.depth, m, v, u, w, md), reference_median(o.depth, m, v, u, w, md)
        )
        for o, m, v, u in items
    )
    now = cpu(lambda o, m, v, u: masked_median_depth(o.depth, m, v, u, w, md))
    ref = cpu(lambda o, m, v, u: reference_median(o.depth, m, v, u, w, md))

    def bp(window: int):  # type: ignore[no-untyped-def]
        return lambda o, m, v, u: backproject(
            o.depth,
            o.intrinsics,
            o.cam_to_world,
            m,
            max_depth=md,
            check_pose=False,
            sample_spacing=cfg.voxel_size / 2,
            median_window=window,
        )

    with_median, plain = cpu(bp(w)), cpu(bp(1))
    print(
        json.dumps(
            {
                "benchmark": "masked_median_depth",
                "clock": "CPU time (process_time)",
                "frames": args.frames,
                "masks": len(items),
                "pixels": int(sum(len(v) for _, _, v, _ in items)),
                "repeat": args.repeat,
                "median_cpu_s": round(now, 3),
                "reference_median_cpu_s": round(ref, 3),
                "speedup": round(ref / now, 2),
                "identical": identical,
                "backproject_cpu_s": round(with_median, 3),
                "plain_backproject_cpu_s": round(plain, 3),
                "x_plain_backproject": round(with_median / plain, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
