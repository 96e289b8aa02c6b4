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

os.environ.setdefault("MUJOCO_GL", "egl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from envs.actions import MoveForward, TurnLeft, TurnRight  # noqa: E402
from envs.builtin.config import BuiltinEnvConfig  # noqa: E402
from envs.builtin.env import BuiltinHouseEnv  # noqa: E402
from envs.types import AgentPose  # noqa: E402


CYCLE = [MoveForward(), TurnLeft(), MoveForward(), MoveForward(), TurnRight(), MoveForward()]


def _sim_rate(env: BuiltinHouseEnv, steps: int) -> tuple[float, list[AgentPose]]:
    """Steps/s of ``env.step`` and the agent poses it rendered (replayed by the raw loop)."""
    env.reset(seed=env.describe()["seed"])
    poses = []
    t0 = time.perf_counter()
    for k in range(steps):
        poses.append(env.step(CYCLE[k % len(CYCLE)])[0].agent)
    return steps / (time.perf_counter() - t0), poses


def _raw_rate(env: BuiltinHouseEnv, poses: list[AgentPose], rgb: bool) -> float:
    """Render passes + pixel reads of the same renderer over the same camera poses, nothing else."""
    renderer, world = env._renderer, env._world  # noqa: SLF001 - the benchmark measures the env's own renderer
    assert renderer is not None and world is not None
    t0 = time.perf_counter()
    for pose in poses:
        world.set_camera(pose)
        world.sync()
        renderer.render_raw(rgb)
    return len(poses) / (time.perf_counter() - t0)


def run(steps: int, seed: int, width: int, height: int) -> dict[str, object]:
    out: dict[str, object] = {"width": width, "height": height, "steps": steps, "seed": seed}
    for mode, rgb in (("rgb_depth_masks", True), ("depth_masks", False)):
        env = BuiltinHouseEnv(BuiltinEnvConfig(width=width, height=height, render_rgb=rgb))
        try:
            env.reset(seed=seed)
            # Interleave to share the machine's noise between the two figures.
            _sim_rate(env, 20)  # warm-up
            sims, raws = [], []
            for _ in range(3):  # interleaved so both figures share the machine's noise
                sim, poses = _sim_rate(env, steps)
                sims.append(sim)
                raws.append(_raw_rate(env, poses, rgb))
            raw, sim = max(raws), max(sims)
            out[mode] = {"sim_steps_per_s": round(sim, 1), "raw_render_per_s": round(raw, 1),
                         "ratio": round(sim / raw, 3), "overhead": round(1 - sim / raw, 3),
                         "backend": env.describe()["render_backend"]}
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
