"""Speed of the built-in simulator next to MuJoCo's raw render rate, measured in the same run.

Run: ``MUJOCO_GL=egl .venv/bin/python bench/bench_sim.py [--steps 300] [--seed 0]``.
Prints JSON: steps/s with RGB+depth+masks and with depth+masks only, the raw rate of the same
renderer on the same scene doing only its render passes and pixel reads, and their ratio
(``overhead`` = 1 - sim/raw; target < 0.15).
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

from envs.actions import MoveForward, TurnLeft, TurnRight  # noqa: E402
from envs.builtin.config import BuiltinEnvConfig  # noqa: E402
from envs.builtin.env import BuiltinHouseEnv  # noqa: E402

CYCLE = [MoveForward(), TurnLeft(), MoveForward(), MoveForward(), TurnRight(), MoveForward()]


def _paired(env: BuiltinHouseEnv, steps: int, rgb: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-step seconds of ``env.step`` and of a raw redraw of the same pose, in alternation.

    After each ``env.step`` the same renderer redraws the same camera pose doing only the
    render passes and pixel reads, so both figures see the same scene and the same machine
    load (this matters on a shared machine).
    """
    renderer, world = env._renderer, env._world  # noqa: SLF001 - the benchmark measures the env's own renderer
    assert renderer is not None and world is not None
    sim_t, raw_t = np.empty(steps), np.empty(steps)
    for k in range(steps):
        t0 = time.perf_counter()
        obs = env.step(CYCLE[k % len(CYCLE)])[0]
        # Depth, masks and colour are rendered when first read (depth_on_demand,
        # rgb_on_demand): read them here, as a frame perception uses is read.
        _ = obs.depth
        if rgb:
            _ = obs.rgb
        sim_t[k] = time.perf_counter() - t0
        world.set_camera(obs.agent)  # already there; not timed
        world.sync()
        t1 = time.perf_counter()
        renderer.render_raw(rgb)
        raw_t[k] = time.perf_counter() - t1
    return sim_t, raw_t


def run(steps: int, seed: int, width: int, height: int) -> dict[str, object]:
    out: dict[str, object] = {"width": width, "height": height, "steps": steps, "seed": seed}
    for mode, rgb in (("rgb_depth_masks", True), ("depth_masks", False)):
        env = BuiltinHouseEnv(BuiltinEnvConfig(width=width, height=height, render_rgb=rgb))
        try:
            env.reset(seed=seed)
            _paired(env, 20, rgb)  # warm-up
            env.reset(seed=seed)
            sim_t, raw_t = _paired(env, steps, rgb)
            sim, raw = steps / sim_t.sum(), steps / raw_t.sum()
            # Medians resist the spikes other processes cause on a shared machine.
            med_ratio = float(np.median(raw_t) / np.median(sim_t))
            out[mode] = {
                "sim_steps_per_s": round(sim, 1),
                "raw_render_per_s": round(raw, 1),
                "ratio": round(sim / raw, 3),
                "overhead": round(1 - sim / raw, 3),
                "median_step_ms": round(1e3 * float(np.median(sim_t)), 3),
                "median_raw_ms": round(1e3 * float(np.median(raw_t)), 3),
                "median_ratio": round(med_ratio, 3),
                "backend": env.describe()["render_backend"],
            }
        finally:
            env.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    args = parser.parse_args()
    print(json.dumps(run(args.steps, args.seed, args.width, args.height), indent=2))


if __name__ == "__main__":
    main()
