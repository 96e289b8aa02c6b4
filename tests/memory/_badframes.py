"""Shared pieces of the bad-frame tests: a small memory, good frames, and a byte snapshot.

Frames come from the seeded synthetic house; detections carry no points (the mapper
back-projects their masks from the frame's depth, as with a real segmenter) and a
deterministic per-category 8-d embedding, so the intrinsics, pose and embedding paths are all
exercised.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from pathlib import Path

import numpy as np

from embodied_mem.memory import AgentMemory, MemoryConfig
from embodied_mem.memory.synthetic import SynthConfig, SyntheticHouse, clock
from embodied_mem.perception.types import Detection
from embodied_mem.replay.state import memory_state
from envs.types import Observation

WARMUP = 3
"""Good frames ingested before the bad one."""


def embedding(category: str, dim: int = 8) -> np.ndarray:
    seed = int(hashlib.md5(category.encode()).hexdigest()[:8], 16)
    v = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def house() -> SyntheticHouse:
    return SyntheticHouse(SynthConfig(seed=2, rooms=2))


def good_frame(h: SyntheticHouse, i: int) -> tuple[Observation, list[Detection]]:
    """Frame ``i`` (2 s apart) in room_0: masks to back-project, embeddings by category."""
    obs, dets = h.frame(i, clock(0, 2.0 * i, h.config), "room_0")
    dets = [
        dataclasses.replace(d, points=np.zeros((0, 3)), embedding=embedding(d.category))
        for d in dets
    ]
    return obs, dets


def warm_memory(policy: str, path: Path | None = None) -> tuple[AgentMemory, SyntheticHouse]:
    """A memory (committing every frame when file-backed) after :data:`WARMUP` good frames."""
    h = house()
    mem = AgentMemory(h.rooms, MemoryConfig(on_bad_frame=policy, commit_every=1), path=path)
    for i in range(WARMUP):
        mem.ingest(*good_frame(h, i))
    return mem, h


def snapshot(mem: AgentMemory) -> bytes:
    """Everything the memory holds, as bytes, except the rejection counters.

    The memory's replay state (scene graph with its arrays as base64 of their bytes, events,
    keyframes, short-term buffer) plus a pickle of every component's attributes: mapper tracks
    and counters, pending batches, last frame, day (caches aside).
    """
    state = memory_state(mem, 0)
    state["stats"] = {k: v for k, v in state["stats"].items() if not k.startswith("rejected")}
    skip = {"store", "source", "rejected_frames", "rejected_by_reason"}  # which file: not state
    own = {k: v for k, v in vars(mem).items() if k not in skip}
    # The mapper's KD-trees are a cache rebuilt on demand (their pickles vary with history).
    own["mapper"] = {k: v for k, v in vars(mem.mapper).items() if k != "_trees"}
    return json.dumps(state, sort_keys=True, default=repr).encode() + pickle.dumps(own)


def store_bytes(path: Path) -> bytes:
    """The SQLite database and its write-ahead log, as they are on disk."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
