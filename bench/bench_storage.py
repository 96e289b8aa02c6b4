"""Memory bytes on disk per simulated day next to the raw RGB-D bytes of the same frames.

The memory is built through the public API from the seeded synthetic house at 320x240 (each
frame carries an (H, W, 3) uint8 RGB image and an (H, W) float32 depth map, like the built-in
simulator's frames), persisted to SQLite with the default config, and measured after each day
(``MemoryStore.size_bytes`` checkpoints the WAL first). Reference, same run: the bytes of
every frame's RGB + depth arrays that were ingested. Target: memory >= 1000x smaller.

Run: ``.venv/bin/python bench/bench_storage.py [--days 7] [--thumbnails] [--seed 0]``
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embodied_mem.memory import AgentMemory, EpisodicConfig, MemoryConfig  # noqa: E402
from embodied_mem.memory.synthetic import SynthConfig, SyntheticHouse, random_plan, run_day  # noqa: E402

TARGET_RATIO = 1000.0


class _CountingMemory:
    """Wraps AgentMemory.ingest to add up the raw bytes of every frame it receives."""

    def __init__(self, mem: AgentMemory) -> None:
        self.mem = mem
        self.raw_bytes = 0
        self.frames = 0

    def ingest(self, obs, dets):  # noqa: ANN001, ANN201
        self.raw_bytes += obs.depth.nbytes + (0 if obs.rgb is None else obs.rgb.nbytes)
        self.frames += 1
        return self.mem.ingest(obs, dets)

    def record_interaction(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return self.mem.record_interaction(*args, **kwargs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--thumbnails", action="store_true", help="also store 64-px JPEG keyframe thumbnails"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    house = SyntheticHouse(
        SynthConfig(
            seed=args.seed,
            rooms=5,
            receptacles_per_room=4,
            objects_per_receptacle=2,
            width=320,
            height=240,
        )
    )
    cfg = MemoryConfig(episodic=EpisodicConfig(thumbnails=args.thumbnails))
    rng = np.random.default_rng(args.seed)
    rows = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "memory.db"
        mem = AgentMemory(house.rooms, cfg, path=path)
        counting = _CountingMemory(mem)
        for day in range(args.days):
            if day:
                mem.start_day(day)
            run_day(counting, house, day, random_plan(house, rng, int(rng.integers(2, 12))))
            mem.commit()
            size = mem.store.size_bytes() if mem.store else 0
            rows.append(
                {
                    "day": day,
                    "frames_total": counting.frames,
                    "memory_bytes": size,
                    "raw_rgbd_bytes": counting.raw_bytes,
                    "ratio_raw_over_memory": round(counting.raw_bytes / max(size, 1), 1),
                }
            )
        stats = mem.stats()
        mem.close()
    last = rows[-1]
    per_day_mem = last["memory_bytes"] / args.days
    per_day_raw = last["raw_rgbd_bytes"] / args.days
    print(
        json.dumps(
            {
                "bench": "memory_storage",
                "seed": args.seed,
                "days": args.days,
                "frame_size": "320x240",
                "thumbnails": args.thumbnails,
                "seconds": round(time.perf_counter() - t0, 1),
                "memory_bytes_per_day": round(per_day_mem),
                "raw_rgbd_bytes_per_day": round(per_day_raw),
                "reference": "raw RGB (uint8) + depth (float32) bytes of the same ingested frames",
                "ratio_raw_over_memory": round(per_day_raw / max(per_day_mem, 1), 1),
                "target": f"ratio >= {TARGET_RATIO:.0f}",
                "target_met": bool(per_day_raw / max(per_day_mem, 1) >= TARGET_RATIO),
                "memory": {
                    "objects": stats.objects,
                    "receptacles": stats.receptacles,
                    "keyframes": stats.keyframes,
                    "events": stats.events,
                },
                "per_day": rows,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
