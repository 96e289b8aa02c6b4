"""Pose error of the agent's own pose estimate with and without re-localisation (evaluation side).

Runs the ``memory-noisy`` baseline on the first episodes of a suite twice — the drifting pose
re-localised against the agent's own map (:mod:`embodied_mem.perception.relocalize`), and not
(``perception.relocalize.enabled=false``) — and, per frame memory ingests (experience and
tasks), compares the pose the agent used with the env's pose. The env's pose is read here, on
the evaluation side, after perception returned; the agent never sees it. The error seed is the
same, so both runs start with the same drift; their walks differ once corrections change what
the agent does.

Prints JSON per variant: mean / p95 / max / final position error (m) and yaw error (degrees),
the error at 5 m range (position + 5 m x yaw), frames, the corrector's attempts and accepted
matches, the CPU seconds of the run and the task success; the headline figure is the ratio of
corrected to uncorrected mean error in the same run.

Run: ``MUJOCO_GL=egl python bench/bench_relocalize.py --suite suites/full --seed 4242 --episodes 1``
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from embodied_mem.benchmark.eval_runner import run_suite
from embodied_mem.config import load_config
from embodied_mem.perception import pipeline
from embodied_mem.run_config import RunConfig


def _errors(pairs: list[tuple[Any, Any]]) -> dict[str, float]:
    pos = np.array([np.linalg.norm(u.xy - t.xy) for t, u in pairs])
    yaw = np.array([abs(math.remainder(u.yaw - t.yaw, math.tau)) for t, u in pairs])
    at5 = pos + 5.0 * yaw
    return {
        "frames": len(pairs),
        "pos_mean_m": round(float(pos.mean()), 4),
        "pos_p95_m": round(float(np.percentile(pos, 95)), 4),
        "pos_max_m": round(float(pos.max()), 4),
        "pos_final_m": round(float(pos[-1]), 4),
        "yaw_mean_deg": round(math.degrees(float(yaw.mean())), 3),
        "yaw_max_deg": round(math.degrees(float(yaw.max())), 3),
        "yaw_final_deg": round(math.degrees(float(yaw[-1])), 3),
        "err_at_5m_mean_m": round(float(at5.mean()), 4),
        "err_at_5m_p95_m": round(float(np.percentile(at5, 95)), 4),
    }


class PoseLog:
    """Wraps ``Perceiver.detect`` to pair the env's pose with the pose memory ingested."""

    def __init__(self) -> None:
        self.pairs: list[tuple[Any, Any]] = []
        self.perceivers: list[Any] = []
        self._real = pipeline.Perceiver.detect

    def __enter__(self) -> PoseLog:
        log = self

        def detect(perceiver: Any, obs: Any) -> Any:
            used, dets = log._real(perceiver, obs)
            if not any(p is perceiver for p in log.perceivers):
                log.perceivers.append(perceiver)
            log.pairs.append((obs.agent, used.agent))  # evaluation side: after perception
            return used, dets

        pipeline.Perceiver.detect = detect  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        pipeline.Perceiver.detect = self._real  # type: ignore[method-assign]


def run_variant(args: argparse.Namespace, enabled: bool) -> dict[str, Any]:
    cfg = load_config(
        RunConfig,
        preset=args.suite,
        overrides=[
            f"benchmark.seed={args.seed}",
            f"benchmark.episodes={args.episodes}",
            "baselines=[memory-noisy]",
            f"perception.relocalize.enabled={str(enabled).lower()}",
            *args.overrides,
        ],
    )
    t0 = time.process_time()
    with tempfile.TemporaryDirectory() as tmp, PoseLog() as log:
        summary = run_suite(cfg, Path(tmp) / "run")
    out = _errors(log.pairs)
    out["cpu_s"] = round(time.process_time() - t0, 1)
    overall = summary["baselines"]["memory-noisy"]["overall"]
    out["success"], out["tasks"] = overall["success"], overall["tasks"]
    correctors = [p.corrector for p in log.perceivers if p.corrector is not None]
    out["attempts"] = sum(c.attempts for c in correctors)
    out["accepted"] = sum(c.accepted for c in correctors)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", default="suites/full")
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--episodes", type=int, default=1)
    ap.add_argument(
        "overrides", nargs="*", help="key.sub=value, e.g. perception.relocalize.every=10"
    )
    ap.add_argument(
        "--only", choices=("corrected", "uncorrected"), help="run one variant (no ratio)"
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    variants = [args.only] if args.only else ["uncorrected", "corrected"]
    res: dict[str, Any] = {v: run_variant(args, v == "corrected") for v in variants}
    for key in () if args.only else ("pos_mean_m", "err_at_5m_mean_m"):
        res[f"ratio_{key}"] = round(res["corrected"][key] / max(res["uncorrected"][key], 1e-9), 3)
    res["args"] = {k: v for k, v in vars(args).items()}
    print(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    main()
