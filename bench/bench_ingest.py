"""Ingest cost per 320x240 frame next to plain back-projection of the same frame.

Prints JSON: for each segmenter, the median seconds per frame of segment + back-project +
associate (``PerceptionPipeline.step``), the median of plain full-frame back-projection
(``backproject`` of every valid pixel) measured in the same run, and their ratio (target < 5).
Frames come from the built-in simulator (a turn on the spot, then a short walk) when it can
render here, else from a synthetic box scene with a moving camera.

Usage: python bench/bench_ingest.py [--frames N] [--repeats R] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("MUJOCO_GL", "egl")

from embodied_mem.perception.backproject import backproject  # noqa: E402
from embodied_mem.perception.pipeline import PerceptionPipeline  # noqa: E402
from embodied_mem.perception.segmenters.geometric import GeometricSegmenter  # noqa: E402
from embodied_mem.perception.segmenters.noisy import NoisySegmenter, NoisySegmenterConfig  # noqa: E402
from embodied_mem.perception.segmenters.oracle import OracleSegmenter  # noqa: E402
from envs.types import AgentPose, CameraIntrinsics, Observation, SimTime  # noqa: E402

logger = logging.getLogger("bench_ingest")


def sim_frames(n: int, seed: int):
    """(frames, ground truth, source) from the built-in simulator at 320x240."""
    from envs.actions import MoveForward, TurnLeft
    from envs.builtin.config import BuiltinEnvConfig
    from envs.builtin.env import BuiltinHouseEnv

    with BuiltinHouseEnv(BuiltinEnvConfig(width=320, height=240)) as env:
        obs, _ = env.reset(seed=seed)
        frames = [obs]
        while len(frames) < n:
            action = TurnLeft() if len(frames) % 3 else MoveForward()
            frames.append(env.step(action)[0])
        return frames, env.ground_truth(), f"builtin simulator seed {seed}"


def synthetic_frames(n: int):
    """A wall with 8 boxes seen from a camera sliding sideways (no simulator needed)."""
    intr = CameraIntrinsics.from_fov(320, 240, vfov_deg=60.0)
    depth = np.full((240, 320), 4.0, np.float32)
    ids = np.zeros((240, 320), np.int32)
    names, cats = {}, {}
    for k in range(8):
        r0, c0 = 40 + 80 * (k // 4), 20 + 75 * (k % 4)
        depth[r0:r0 + 60, c0:c0 + 50] = 1.5 + 0.3 * k
        ids[r0:r0 + 60, c0:c0 + 50] = k + 1
        names[k + 1], cats[f"obj_{k}"] = f"obj_{k}", "Box"
    frames = []
    for f in range(n):
        pose = np.eye(4)
        pose[0, 3] = 0.002 * f
        frames.append(Observation(depth=depth, intrinsics=intr, cam_to_world=pose,
                                  agent=AgentPose((0.0, 0.0, 0.0), 0.0), time=SimTime(float(f), 0, "06:00"),
                                  instance_ids=ids, instance_names=names, frame_index=f))
    return frames, cats, "synthetic box scene"


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(frames_n: int, repeats: int, seed: int) -> dict:
    try:
        frames, gt, source = sim_frames(frames_n, seed)
        oracle, noisy = OracleSegmenter.from_ground_truth(gt), NoisySegmenter.from_ground_truth(gt)
    except Exception as exc:  # no simulator or no headless GL here
        logger.warning("built-in simulator unavailable (%s); using a synthetic frame", exc)
        frames, cats, source = synthetic_frames(frames_n)
        oracle, noisy = OracleSegmenter(cats), NoisySegmenter(cats, NoisySegmenterConfig())
    plain = [median_time(lambda o=o: backproject(o.depth, o.intrinsics, o.cam_to_world), repeats)
             for o in frames]
    ref = statistics.median(plain)
    results = {}
    for name, seg in (("oracle", oracle), ("noisy", noisy), ("geometric", GeometricSegmenter())):
        pipe = PerceptionPipeline(seg)
        per_frame = []
        for obs in frames:
            t0 = time.perf_counter()
            pipe.step(obs)
            per_frame.append(time.perf_counter() - t0)
        ingest = statistics.median(per_frame)
        results[name] = {
            "ingest_s_per_frame_median": round(ingest, 6),
            "ingest_s_per_frame_p95": round(float(np.percentile(per_frame, 95)), 6),
            "ratio_vs_plain_backprojection": round(ingest / ref, 2),
            "target_ratio": 5.0,
            "meets_target": ingest / ref < 5.0,
            "stage_seconds_total": {k: round(v, 4) for k, v in pipe.stats.seconds.items()},
            "tracks": len(pipe.mapper.objects),
            "detections_per_frame": round(pipe.stats.detections / len(frames), 2),
        }
    return {"benchmark": "ingest_per_frame", "source": source, "resolution": "320x240",
            "frames": len(frames), "plain_backprojection_s_per_frame_median": round(ref, 6),
            "segmenters": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30, help="frames to ingest (>= 1)")
    parser.add_argument("--repeats", type=int, default=5, help="timings of plain back-projection per frame")
    parser.add_argument("--seed", type=int, default=0, help="house seed of the built-in simulator")
    args = parser.parse_args()
    if args.frames < 1 or args.repeats < 1:
        parser.error("--frames and --repeats must be >= 1")
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(run(args.frames, args.repeats, args.seed), indent=2))


if __name__ == "__main__":
    main()
