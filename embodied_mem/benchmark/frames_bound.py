"""The frames-K baseline's ORACLE upper bound (no model): what uniform subsampling loses.

FindingDory's frames baseline shows a model K uniformly subsampled frames of the experience.
Without any model we can still bound it: a task is *solvable* only if, for every goal, some
surviving frame shows a valid target (≥ ``min_fraction`` of the image for an object or
receptacle; for a room, a frame taken inside it), for manipulation both an object and a
receptacle of each placement, and for questions a frame inside the time span of an interaction
the answer depends on. Visibility is read from the simulator's instance masks: ORACLE.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from embodied_mem.benchmark.episode import ExperienceRecord
from embodied_mem.benchmark.task import TaskInstance
from embodied_mem.planner.frames import uniform_subsample
from envs.types import Observation


@dataclass
class FrameVisibilityLog:
    """Per experience frame: the env ids visible (ORACLE masks) and the room the agent was in."""

    min_fraction: float = 0.001
    visible: list[frozenset[str]] = field(default_factory=list)
    rooms: list[str | None] = field(default_factory=list)

    def add(self, obs: Observation) -> None:
        ids: frozenset[str] = frozenset()
        if obs.instance_ids is not None:
            counts = np.bincount(obs.instance_ids.ravel())
            need = self.min_fraction * obs.instance_ids.size
            ids = frozenset(
                obs.instance_names[i]
                for i in np.nonzero(counts >= need)[0]
                if i != 0 and i in obs.instance_names
            )
        self.visible.append(ids)
        self.rooms.append(obs.room_id)


def _shows(log: FrameVisibilityLog, frames: list[int], kind: str, valid: tuple[str, ...]) -> bool:
    if kind == "room":
        return any(log.rooms[f] in valid for f in frames)
    return any(log.visible[f] & set(valid) for f in frames)


def _question_frames(task: TaskInstance, record: ExperienceRecord) -> list[tuple[int, int]]:
    """Frame spans of the interactions a question is about: the one it names, those of its
    category, else all of them (counting and room-time questions depend on the whole day)."""
    src = task.source if isinstance(task.source, dict) else {}
    if "interaction" in src:
        picked = [r for r in record.interactions if r.index == src["interaction"]]
    elif "category" in src:
        picked = [r for r in record.interactions if r.category == src["category"]]
    else:
        picked = list(record.interactions)
    return [(r.start_frame, r.end_frame) for r in picked]


def solvable(task: TaskInstance, log: FrameVisibilityLog, record: ExperienceRecord, k: int) -> bool:
    """Whether the frames-``k`` baseline could solve ``task`` at best (ORACLE upper bound)."""
    frames = uniform_subsample(len(log.visible), k)
    if task.kind in ("navigate", "multi"):
        return all(_shows(log, frames, g.kind, g.valid) for g in task.goals)
    if task.kind == "manipulate":
        return all(
            _shows(log, frames, "object", p.objects)
            and _shows(log, frames, "object", p.receptacles)
            for p in task.placements
        )
    spans = _question_frames(task, record)
    return any(any(a <= f <= b for f in frames) for a, b in spans)
