"""Per-step cost of a benchmark episode's hot path, next to the bare render cost of the same run.

Run: ``MUJOCO_GL=egl .venv/bin/python bench/bench_agent_step.py [--preset demo] [--episode 0]
[--baseline memory-oracle] [--all-templates]``.

One real benchmark episode (experience day, then the tasks) runs with timers wrapped around
``SceneRenderer.render`` (bare render: render passes and pixel reads), ``BuiltinHouseEnv.step``
(physics and the observation; its depth and masks are rendered when first read, so for a frame
memory ingests inside the next timer, and a walking frame memory skips is never rendered),
``MemoryAgent.observe`` (perception + memory ingest of one frame, its render included),
``MemoryAgent.run_task`` (a whole benchmark task) and ``score_task``. Prints JSON: calls, total and
mean milliseconds of each, and each mean as a ratio to the mean bare render, all from the same
run so machine load affects them alike (the machine is shared; absolute times are noisy).
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embodied_mem.agent.loop import MemoryAgent  # noqa: E402
from embodied_mem.benchmark import episode_runner as runner_mod  # noqa: E402
from embodied_mem.benchmark.episode_runner import EpisodeRunner, standard_baselines  # noqa: E402
from embodied_mem.benchmark.suite import make_specs  # noqa: E402
from embodied_mem.config import load_config  # noqa: E402
from embodied_mem.run_config import RunConfig  # noqa: E402
from envs.builtin.env import BuiltinHouseEnv  # noqa: E402
from envs.builtin.render import SceneRenderer  # noqa: E402

logger = logging.getLogger(__name__)


class _Timer:
    """Accumulates wall seconds of one wrapped callable (nested calls count once)."""

    def __init__(self) -> None:
        self.calls = 0
        self.seconds = 0.0
        self._depth = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._depth += 1
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.calls += 1
                    self.seconds += time.perf_counter() - t0

        return timed

    def summary(self, unit: float | None) -> dict[str, float | int | None]:
        mean = self.seconds / self.calls if self.calls else None
        return {
            "calls": self.calls,
            "total_s": round(self.seconds, 3),
            "mean_ms": None if mean is None else round(1e3 * mean, 3),
            "x_render": None if mean is None or not unit else round(mean / unit, 2),
        }


def _patch(owner: Any, name: str, timer: _Timer) -> Callable[[], None]:
    original = getattr(owner, name)
    setattr(owner, name, timer.wrap(original))
    return lambda: setattr(owner, name, original)


def run(preset: str, episode: int, baseline: str, all_templates: bool) -> dict[str, Any]:
    overrides = [f"baselines=[{baseline}]"] + (["benchmark.templates=[]"] if all_templates else [])
    cfg = load_config(RunConfig, preset, overrides)
    specs = make_specs(cfg.benchmark, cfg.env)
    if not 0 <= episode < len(specs):
        raise SystemExit(
            f"--episode must be in [0, {len(specs)}) for preset {preset!r}, got {episode}"
        )
    timers = {k: _Timer() for k in ("render", "env_step", "observe_ingest", "task", "score_task")}
    undo = [
        _patch(SceneRenderer, "render", timers["render"]),
        _patch(BuiltinHouseEnv, "step", timers["env_step"]),
        _patch(MemoryAgent, "observe", timers["observe_ingest"]),
        _patch(MemoryAgent, "run_task", timers["task"]),
        _patch(runner_mod, "score_task", timers["score_task"]),
    ]
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        rows = EpisodeRunner(cfg, standard_baselines(cfg.baselines)).run(specs[episode])
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        for u in undo:
            u()
    r = timers["render"]
    unit = r.seconds / r.calls if r.calls else None
    return {
        "preset": preset,
        "episode": episode,
        "baseline": baseline,
        "tasks": len(rows),
        "successes": int(sum(bool(x["success"]) for x in rows)),
        "episode_wall_s": round(wall, 2),
        "episode_cpu_s": round(cpu, 2),
        "per_call": {k: t.summary(unit) for k, t in timers.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--episode", type=int, default=0)
    parser.add_argument("--baseline", default="memory-oracle")
    parser.add_argument(
        "--all-templates",
        action="store_true",
        help="run every task template, not only the preset's selection",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(run(args.preset, args.episode, args.baseline, args.all_templates), indent=2))


if __name__ == "__main__":
    main()
