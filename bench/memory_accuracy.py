"""How well memory matches ground truth after a day of experience (issue 3's acceptance script).

The ORACLE experience agent performs the episode's interactions in a built-in house while one
memory per segmenter (``oracle`` and the default ``noisy``) perceives every frame. Afterwards each
memory object is matched to ground truth: a match is a ground-truth object or receptacle of the
same category whose box centre is within 0.5 m of the memory centroid (one-to-one, greedy by
distance). Precision = matched / memory objects; recall = matched / ground-truth objects the
agent ever saw (≥ ``min_pixels`` in some frame), so objects never in view don't count against
memory. Prints JSON per segmenter and episode, and the mean.

Run: ``MUJOCO_GL=egl python bench/memory_accuracy.py --episodes 3 --seed 0``
"""

from __future__ import annotations

import argparse
import json
import logging
import time

import numpy as np

from embodied_mem.agent.interactions import hand_point, observed_point
from embodied_mem.benchmark.experience import make_episode_env, run_experience
from embodied_mem.benchmark.suite import SuiteConfig, make_specs
from embodied_mem.memory.memory import AgentMemory, MemoryConfig
from embodied_mem.perception.pipeline import build_perceiver
from embodied_mem.planner.rule_targets import same_category
from envs.ground_truth import GroundTruth


def score(
    memory: AgentMemory, gt: GroundTruth, seen: set[str], radius: float = 0.5
) -> dict[str, float]:
    hits = memory.query().objects(layer=None)
    pairs = []
    for i, h in enumerate(hits):
        p = np.asarray(h.position, dtype=float)
        for rec in gt.objects.values():
            if same_category(rec.category, h.category):
                d = float(np.linalg.norm(p - rec.center))
                if d <= radius:
                    pairs.append((d, i, rec.id))
    used_mem, used_gt, errors = set(), set(), []
    for d, i, gid in sorted(pairs):
        if i not in used_mem and gid not in used_gt:
            used_mem.add(i)
            used_gt.add(gid)
            errors.append(d)
    visible = [g for g in seen if g in gt.objects]
    return {
        "memory_objects": len(hits),
        "seen_gt_objects": len(visible),
        "matched": len(errors),
        "precision": len(errors) / max(1, len(hits)),
        "recall": len(used_gt & set(visible)) / max(1, len(visible)),
        "mean_centroid_error_m": float(np.mean(errors)) if errors else float("nan"),
    }


def run_episode(spec, segmenters: list[str], min_pixels: int) -> dict[str, dict[str, float]]:
    env = make_episode_env(spec)
    env.reset(seed=spec.house_seed)
    gt0 = env.ground_truth()
    agents = {
        s: (build_perceiver(s, ground_truth=gt0), AgentMemory(gt0.rooms.values(), MemoryConfig()))
        for s in segmenters
    }
    seen: set[str] = set()

    def on_observation(obs, seen) -> None:
        ids, counts = np.unique(obs.instance_ids, return_counts=True)
        seen.update(
            obs.instance_names[i]
            for i, c in zip(ids, counts, strict=True)
            if i in obs.instance_names and c >= min_pixels
        )
        for perceiver, memory in agents.values():
            used, dets = perceiver.detect(obs)
            memory.ingest(used, dets)
            if seen is not None:  # the agent's own back-projection of where it acted
                point = observed_point(memory, seen, used.intrinsics) or hand_point(used)
                memory.record_interaction(
                    seen.kind, obs.time, obs.frame_index, point, pose=used.agent
                )

    run_experience(env, spec, on_observation)
    gt = env.ground_truth()
    env.close()
    return {s: score(m, gt, seen) for s, (_, m) in agents.items()}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", default="160x120", help="image WxH")
    ap.add_argument("--min-pixels", type=int, default=20)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    w, h = (int(x) for x in args.size.split("x"))
    suite = SuiteConfig(
        name="accuracy",
        episodes=args.episodes,
        seed=args.seed,
        min_interactions=2,
        max_interactions=11,
        env_options={"steps_per_day": 4800, "width": w, "height": h},
    )
    started = time.perf_counter()
    per_episode = [
        run_episode(spec, ["oracle", "noisy"], args.min_pixels) for spec in make_specs(suite)
    ]
    mean = {
        s: {k: float(np.nanmean([ep[s][k] for ep in per_episode])) for k in per_episode[0][s]}
        for s in per_episode[0]
    }
    out = {
        "episodes": per_episode,
        "mean": mean,
        "image_size": args.size,
        "wall_time_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
