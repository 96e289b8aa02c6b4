"""What Ray itself costs per episode: the real runner on a local Ray with trivial episodes.

``run_suite(backend="ray")`` runs as ``embodied-mem eval --backend ray`` does (the same Ray
settings, progress queue, results file and summary), but each episode is a stand-in that does
no work: it takes the real arguments (the run's config YAML, the episode spec) and returns as
many result rows as a real episode, of the real size, after reporting per-task progress like a
real one. Everything measured is therefore overhead: the driver's CPU (submitting, progress,
collecting, writing ``results.jsonl``, the summary) and the CPU of Ray's processes (GCS,
raylet, workers, the progress actor), per episode, from CPU time (``getrusage`` for the driver,
``psutil`` for Ray's processes), after a warm-up batch that pays Ray's start-up.

Prints one JSON line, with an estimate for ``--extrapolate-episodes`` episodes on
``--extrapolate-workers`` workers: the serial driver CPU (which does not shrink with workers),
the per-node Ray CPU, and both next to the episodes' own CPU (``--episode-cpu-s``, default the
full suite's measured cost per episode).

Usage: ``python bench/bench_ray_overhead.py [--episodes 200] [--cpus 2]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("MUJOCO_GL", "egl")

ROWS_PER_EPISODE = 75
"""Rows of a demo-suite episode (15 tasks x 5 baselines)."""
PROGRESS_PER_EPISODE = 45
"""Task-progress messages of a demo-suite episode (15 tasks x 3 baselines that run agents)."""


def trivial_episode(
    config_yaml: str,
    spec: dict[str, Any],
    record_dir: str | None = None,
    on_task: Any = None,
    media_dir: str | None = None,
    run_dir: str | None = None,
) -> dict[str, Any]:
    """Stands in for ``run_episode_job``: same arguments, a result of the real shape and size."""
    episode = spec["episode_id"]
    for done in range(1, PROGRESS_PER_EPISODE + 1):
        if on_task is not None:
            on_task(episode, done, PROGRESS_PER_EPISODE)
    baselines = ["memory-oracle", "memory-noisy", "no-memory", "frames-96", "frames-768"]
    rows = []
    for i in range(ROWS_PER_EPISODE):
        rows.append(
            {
                "baseline": baselines[i % len(baselines)],
                "task_id": f"{episode}/T{i // len(baselines):02d}",
                "episode_id": episode,
                "template_id": f"T{i // len(baselines):02d}",
                "family": "object_recall",
                "success": bool(i % 3),
                "high_level_success": True,
                "spl": 0.5,
                "steps": 62,
                "path_length": 10.97,
                "optimal_length": 10.26,
                "planner_calls": 1,
                "prompt_tokens": 0,
                "memory_size": 15,
                "wall_time_s": 0.7,
                "failure_mode": None,
                "detail": "",
                "excluded": None,
                "instruction": "Navigate to the vase you picked up yesterday." * 2,
                "planner_message": "the Vase picked up yesterday: Vase obj_0002",
                "trace": {
                    "steps": [
                        {
                            "message": "the Vase picked up yesterday: Vase obj_0002" * 3,
                            "mode": None,
                            "outcomes": [{"subgoal": "Navigate", "success": True, "steps": 62}],
                        }
                    ],
                    "chosen_at_step": 0,
                    "failed_subgoal": None,
                    "failure_reason": None,
                },
                "episode_wall_time_s": 1.0,
            }
        )
    return {"episode_id": episode, "rows": rows, "error": None, "skipped": {}}


class RayCpu:
    """CPU seconds of this process's descendants (Ray's GCS, raylet, workers, actors), each
    process counted at the last time it was seen alive (sampled often, as actors come and go)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, float], float] = {}
        self._last = 0.0

    def sample(self, every_s: float = 0.0) -> None:
        import psutil

        now = time.monotonic()
        if now - self._last < every_s:
            return
        self._last = now
        for proc in psutil.Process().children(recursive=True):
            try:
                t = proc.cpu_times()
                self.seen[(proc.pid, proc.create_time())] = t.user + t.system
            except psutil.Error:
                pass

    def total(self) -> float:
        self.sample()
        return sum(self.seen.values())


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _batch(config: Any, out: Path, ray_cpu: RayCpu, progress: list[int]) -> tuple[float, float]:
    """One run_suite on the running Ray: the driver's CPU and Ray processes' CPU."""
    from embodied_mem.benchmark.eval_runner import run_suite

    def on_task(*_: Any) -> None:
        progress.append(1)
        ray_cpu.sample(every_s=0.2)

    d0, r0 = _self_cpu(), ray_cpu.total()
    summary = run_suite(config, out, workers=2, backend="ray", on_task=on_task)
    assert not summary["failed_episodes"], summary["failed_episodes"]
    return _self_cpu() - d0, ray_cpu.total() - r0


def measure(args: argparse.Namespace) -> dict[str, Any]:
    import ray

    from embodied_mem.benchmark import eval_runner
    from embodied_mem.config import load_config
    from embodied_mem.run_config import RunConfig

    eval_runner.run_episode_job = trivial_episode  # pickled by value into the Ray workers
    base = Path(tempfile.mkdtemp(prefix="bench_ray_"))
    small = 2 * args.cpus

    tracker = RayCpu()

    def batch(name: str, episodes: int, progress: list[int]) -> tuple[float, float]:
        cfg = load_config(RunConfig, "demo", [f"benchmark.episodes={episodes}"])
        return _batch(cfg, base / name, tracker, progress)

    s0 = _self_cpu()
    eval_runner._init_ray(ray, args.cpus, None)  # kept up across the batches
    try:
        batch("warm", small, [])  # pays Ray's start-up and its workers' imports
        startup_driver, startup_ray = _self_cpu() - s0, tracker.total()
        progress: list[int] = []
        d_small, r_small = batch("small", small, [])
        d_big, r_big = batch("big", args.episodes, progress)
    finally:
        ray.shutdown()
    # Per episode: the difference between a big and a small run (what a run pays once, such
    # as starting the progress actor, cancels out); per run: the small run minus its episodes.
    n = args.episodes
    per_driver, per_ray = (d_big - d_small) / (n - small), (r_big - r_small) / (n - small)
    run_driver, run_ray = d_small - small * per_driver, r_small - small * per_ray
    # 10,000 episodes on 100 workers: the driver is one process (its work is serial), Ray's
    # per-task work is spread over the nodes (raylets, workers) except GCS's share.
    e, w = args.extrapolate_episodes, args.extrapolate_workers
    episodes_cpu = e * args.episode_cpu_s
    return {
        "benchmark": "ray_overhead",
        "clock": "CPU time (driver: getrusage; Ray processes: psutil); no wall-clock figures",
        "local_ray_cpus": args.cpus,
        "episodes": n,
        "progress_messages": len(progress),
        "rows_per_episode": ROWS_PER_EPISODE,
        "ray_startup_cpu_s": {"driver": round(startup_driver, 2), "ray": round(startup_ray, 2)},
        "per_run_cpu_s": {"driver": round(run_driver, 2), "ray_processes": round(run_ray, 2)},
        "per_episode_cpu_ms": {
            "driver": round(1e3 * per_driver, 2),
            "ray_processes": round(1e3 * per_ray, 2),
            "total": round(1e3 * (per_driver + per_ray), 2),
        },
        "extrapolation": {
            "episodes": e,
            "workers": w,
            "episode_cpu_s_assumed": args.episode_cpu_s,
            "episodes_cpu_h": round(episodes_cpu / 3600, 1),
            "ideal_hours_on_workers": round(episodes_cpu / w / 3600, 2),
            "driver_serial_cpu_s": round(e * per_driver, 1),
            "ray_overhead_cpu_s_total": round(e * per_ray, 1),
            "overhead_fraction_of_episode_cpu": round(e * (per_driver + per_ray) / episodes_cpu, 5),
            "driver_busy_fraction": round(e * per_driver / (episodes_cpu / w), 5),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=200, help="trivial episodes measured")
    parser.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray")
    parser.add_argument("--extrapolate-episodes", type=int, default=10_000)
    parser.add_argument("--extrapolate-workers", type=int, default=100)
    parser.add_argument(
        "--episode-cpu-s",
        type=float,
        default=56.8,
        help="CPU seconds of one real episode, every baseline (full suite: bench_eval.py "
        "--episodes 4 on 05e6bda, the slower of two runs; the issue's outside measurement "
        "was 143)",
    )
    args = parser.parse_args()
    print(json.dumps(measure(args)))


if __name__ == "__main__":
    main()
