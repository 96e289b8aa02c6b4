"""Navigation benchmark on built-in houses: success rate and SPL over random goals.

Run: ``python -m policies.bench_navigation --seeds 0 1 2 --goals 10``. Prints JSON. Each goal
is an object or receptacle of the house's ground truth (its centre is what memory would
remember); the agent starts at a random navigable pose. Success is judged with
:mod:`policies.success` (TASKS.md rules). SPL uses as shortest path the geodesic from the start
to the nearest sampled point of the target's success region (distance rule only, so SPL is a
conservative lower bound). The reference figure in the same run is the oracle walk: the
geodesic length itself (SPL 1.0 by definition), reported as ``mean_shortest_m``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time

import numpy as np

from envs.actions import Teleport
from envs.base import Env
from envs.ground_truth import ObjectRecord
from policies.executor import execute
from policies.subgoals import NavigateToObject, NavigateToReceptacle
from policies.success import SuccessThresholds, check_object, check_receptacle, object_distance

logger = logging.getLogger(__name__)


def shortest_to_region(env: Env, start: np.ndarray, rec: ObjectRecord, receptacle: bool,
                       th: SuccessThresholds) -> float:
    """Geodesic from ``start`` to the nearest point meeting the target's distance rule."""
    nav = env.navigability
    field = nav.distances_from(start)
    centre = rec.center[:2]
    angles = np.linspace(0, 2 * math.pi, 24, endpoint=False)
    best = math.inf
    for r in np.arange(0.2, 3.0, 0.1):
        for a in angles:
            p = centre + r * np.array([math.cos(a), math.sin(a)])
            if not nav.is_navigable(p):
                continue
            if receptacle:
                lo, hi = np.asarray(rec.bbox_min[:2]), np.asarray(rec.bbox_max[:2])
                gap = float(np.linalg.norm(np.maximum(np.maximum(lo - p, p - hi), 0.0)))
                ok = gap <= th.receptacle_distance + 0.1
            else:
                ok = object_distance(nav, p, centre) <= th.object_distance
            if ok:
                best = min(best, float(field.at(p)))
    return best


def run_goal(env: Env, rec: ObjectRecord, receptacle: bool, rng: np.random.Generator, budget: int,
             th: SuccessThresholds) -> dict[str, object]:
    nav = env.navigability
    start = nav.sample_navigable(rng)
    obs = env.step(Teleport(float(start[0]), float(start[1]), float(rng.uniform(-math.pi, math.pi))))[0]
    shortest = shortest_to_region(env, start, rec, receptacle, th)
    sub = (NavigateToReceptacle(tuple(rec.center), rec.category) if receptacle
           else NavigateToObject(tuple(rec.center), rec.category))
    outcome, obs = execute(env, sub, obs, budget)
    check = (check_receptacle if receptacle else check_object)(rec, obs, nav, th)
    spl = (shortest / max(shortest, outcome.path_length)
           if check.success and math.isfinite(shortest) and shortest > 0 else float(check.success))
    return {"target": rec.id, "kind": "receptacle" if receptacle else "object", "policy_success":
            outcome.success, "success": check.success, "spl": spl, "steps": outcome.steps,
            "path_m": outcome.path_length, "shortest_m": shortest, "reason": outcome.reason,
            "failures": check.failures}


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--goals", type=int, default=10, help="goals per seed")
    parser.add_argument("--budget", type=int, default=400)
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--height", type=int, default=120)
    args = parser.parse_args(argv)
    from envs.builtin.env import BuiltinEnvConfig, BuiltinHouseEnv

    th = SuccessThresholds()
    rows = []
    t0 = time.perf_counter()
    with BuiltinHouseEnv(BuiltinEnvConfig(width=args.width, height=args.height, render_rgb=False)) as env:
        for seed in args.seeds:
            env.reset(seed=seed)
            rng = np.random.default_rng(seed)
            gt = env.ground_truth()
            pool = [(o, False) for o in gt.pickupables() if o.parent_receptacle] + [(r, True) for r in gt.receptacles()]
            for k in rng.choice(len(pool), size=min(args.goals, len(pool)), replace=False):
                rec, is_rec = pool[int(k)]
                rows.append({"seed": seed, **run_goal(env, rec, is_rec, rng, args.budget, th)})
    n = len(rows)
    summary = {
        "goals": n, "success_rate": sum(r["success"] for r in rows) / n,
        "spl": sum(r["spl"] for r in rows) / n,
        "policy_says_success": sum(r["policy_success"] for r in rows) / n,
        "mean_steps": sum(r["steps"] for r in rows) / n,
        "mean_path_m": sum(r["path_m"] for r in rows) / n,
        "mean_shortest_m": sum(r["shortest_m"] for r in rows if math.isfinite(r["shortest_m"])) / n,
        "seconds": time.perf_counter() - t0,
        "failed": [r for r in rows if not r["success"]],
    }
    print(json.dumps(summary, indent=1, default=str))
    return summary


if __name__ == "__main__":
    main()
