"""What capturing the report's pictures costs a benchmark episode (CPU time, bytes on disk).

Run: ``MUJOCO_GL=egl .venv/bin/python bench/failure_media.py [--preset demo] [--episode 0]
[--baselines memory-oracle,memory-noisy,no-memory,frames-96]``.

One real benchmark episode runs with media capture on; timers wrap every capture step
(keyframe thumbnails, the pose per experience frame, the day-end memory states, each failed
task's pictures and the episode file). Prints JSON: CPU seconds of each step, their sum, and
that sum as a ratio to the whole episode's CPU time in the same run (the machine is shared, so
the ratio is the meaningful figure), plus how many thumbnails and bytes were written.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embodied_mem.benchmark import failure_media as fm  # noqa: E402
from embodied_mem.benchmark.episode_runner import EpisodeRunner, standard_baselines  # noqa: E402
from embodied_mem.benchmark.suite import make_specs  # noqa: E402
from embodied_mem.config import load_config  # noqa: E402
from embodied_mem.run_config import RunConfig  # noqa: E402

STEPS = {
    "keyframe_thumbnails": (fm.KeyframeThumbnails, "settle"),
    "experience_pose_and_day_memory": (fm.EpisodeMedia, "on_experience_frame"),
    "failed_task_pictures": (fm.EpisodeMedia, "failed_task"),
    "episode_file_and_last_day_memory": (fm.EpisodeMedia, "end_experience"),
}


_depth = [0]


def _timed(fn: Callable[..., Any], totals: dict[str, float], name: str) -> Callable[..., Any]:
    """Time ``fn`` into ``totals[name]``; calls nested in another timed step count only there
    (the day-end memory state is taken inside the per-frame hook), so the sum is not doubled."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        outer = _depth[0] == 0
        _depth[0] += 1
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            _depth[0] -= 1
            if outer:
                totals[name] += time.process_time() - start

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--episode", type=int, default=0)
    parser.add_argument("--baselines", default="memory-oracle,memory-noisy,no-memory,frames-96")
    args = parser.parse_args()
    cfg = load_config(
        RunConfig,
        args.preset,
        [f"benchmark.episodes={args.episode + 1}", f"baselines=[{args.baselines}]"],
    )
    spec = make_specs(cfg.benchmark, cfg.env)[args.episode]
    totals = dict.fromkeys(STEPS, 0.0)
    for name, (cls, method) in STEPS.items():
        setattr(cls, method, _timed(getattr(cls, method), totals, name))
    with tempfile.TemporaryDirectory() as tmp:
        media = Path(tmp) / "media"
        runner = EpisodeRunner(cfg, standard_baselines(list(cfg.baselines)), media_dir=media)
        start = time.process_time()
        rows = runner.run(spec)
        episode_cpu = time.process_time() - start
        files = [p for p in media.rglob("*") if p.is_file()]
        thumbs = sum(len(t.thumbs) for t in runner._thumbs.values())
        size = sum(p.stat().st_size for p in files)
    capture = sum(totals.values())
    print(
        json.dumps(
            {
                "episode": spec.episode_id,
                "baselines": args.baselines.split(","),
                "tasks": len(rows),
                "failed": sum(not r["success"] for r in rows),
                "episode_cpu_s": round(episode_cpu, 2),
                "capture_cpu_s": round(capture, 3),
                "capture_share_of_episode": round(capture / episode_cpu, 4),
                "steps_cpu_s": {k: round(v, 3) for k, v in totals.items()},
                "keyframe_thumbnails": thumbs,
                "files": len(files),
                "bytes": size,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
