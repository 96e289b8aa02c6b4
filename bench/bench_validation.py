"""Cost of validating a frame next to the cost of ingesting it, and checks per frame.

Frames come from the built-in simulator at 320x240 (a turn on the spot, then a short walk);
perception is the ORACLE segmenter with the env's ground truth; memory is an ``AgentMemory``
fed through ``AgentMemory.observe`` exactly as the agent loop does (``admit`` first, as the
loop does before its recorder). Prints JSON:

- ``full_checks_per_frame``: how many times the full observation check ran per frame on that
  path (every stage calls ``Observation.validate``; the target is 1).
- ``validate_cpu_us``: median CPU microseconds of one full validation of a frame — the
  observation (``check_observation``) plus its detections (``check_detections``) — measured on
  fresh copies so nothing is remembered.
- ``ingest_cpu_ms``: median CPU milliseconds of the whole per-frame path (segment, validate,
  back-project, associate, memory update), the in-run reference.
- ``ratio``: validation / ingest (target < 0.01).

Usage: python bench/bench_validation.py [--frames N] [--repeats R] [--seed S]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("MUJOCO_GL", "egl")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import envs.types  # noqa: E402
from embodied_mem.memory import AgentMemory  # noqa: E402
from embodied_mem.perception.pipeline import Perceiver  # noqa: E402
from embodied_mem.perception.segmenters.oracle import OracleSegmenter  # noqa: E402
from embodied_mem.perception.validation import check_detections  # noqa: E402
from envs.validation import check_observation  # noqa: E402


def sim_frames(n: int, seed: int):  # noqa: ANN201
    from envs.actions import MoveForward, TurnLeft
    from envs.builtin.config import BuiltinEnvConfig
    from envs.builtin.env import BuiltinHouseEnv

    with BuiltinHouseEnv(BuiltinEnvConfig(width=320, height=240)) as env:
        obs, _ = env.reset(seed=seed)
        frames = [obs]
        while len(frames) < n:
            frames.append(env.step(TurnLeft() if len(frames) % 3 else MoveForward())[0])
        gt = env.ground_truth()
    return frames, gt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    frames, gt = sim_frames(args.frames, args.seed)
    perceiver = Perceiver(OracleSegmenter.from_ground_truth(gt))
    memory = AgentMemory(gt.rooms.values())

    calls = [0]

    def counting(obs):  # noqa: ANN001, ANN202
        calls[0] += 1
        return check_observation(obs)

    envs.types.check_observation = counting  # what Observation.validate calls
    validate_s, ingest_s, n_dets, path_checks = [], [], 0, 0
    for obs in frames:
        before = calls[0]
        t0 = time.process_time()
        if memory.admit(obs):
            memory.observe(obs, perceiver)
        ingest_s.append(time.process_time() - t0)
        path_checks += calls[0] - before
        dets = perceiver.detect(obs)[1]
        n_dets += len(dets)
        fresh = [dataclasses.replace(obs) for _ in range(args.repeats)]  # nothing remembered
        t0 = time.process_time()
        for copy in fresh:
            check_observation(copy)
            check_detections(dets, copy.depth.shape, memory.mapper.embedding_dim)
        validate_s.append((time.process_time() - t0) / args.repeats)
    envs.types.check_observation = check_observation
    v, i = statistics.median(validate_s), statistics.median(ingest_s)
    checks = path_checks / len(frames)
    print(
        json.dumps(
            {
                "frames": len(frames),
                "resolution": "320x240",
                "detections_per_frame": round(n_dets / len(frames), 1),
                "full_checks_per_frame": checks,
                "validate_cpu_us": round(v * 1e6, 1),
                "ingest_cpu_ms": round(i * 1e3, 2),
                "ratio": round(v / i, 5),
                "target_ratio": 0.01,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
