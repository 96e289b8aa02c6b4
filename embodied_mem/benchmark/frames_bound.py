"""The frames-K baseline's ORACLE upper bound (no model): what uniform subsampling loses.

FindingDory's frames baseline shows a model K uniformly subsampled frames of the experience.
Without any model we can still bound it: a task is *solvable* only if the surviving frames
hold what its answer depends on.

- Navigation: for every goal, some surviving frame shows a valid target (≥ ``min_fraction``
  of the image for an object or receptacle; for a room, a frame taken inside it); for
  manipulation both an object and a receptacle of each placement.
- Questions about one interaction (or one category): a surviving frame inside the time span
  of that interaction (of one of them).
- Answers that depend on the whole day: counting (T62, "how many objects did you move") needs
  a surviving frame inside *every* interaction of the day; room time (T38, T39, T63) needs the
  room that the surviving frames, each weighted by the time until the next one, put first
  (or last) to be a valid answer; the rooms in visiting order (T49) need the surviving frames'
  room sequence to be the visiting order.

Visibility and rooms are read from the simulator's instance masks and annotations: ORACLE.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from embodied_mem.benchmark.episode import ExperienceRecord
from embodied_mem.benchmark.task import TaskInstance, normalize_answer
from embodied_mem.planner.frames import uniform_subsample
from envs.types import Observation

#: Templates whose answer is the room with the most (True) or least (False) time yesterday.
ROOM_TIME = {"T38": True, "T63": True, "T39": False}


@dataclass
class FrameVisibilityLog:
    """Per experience frame: the env ids visible (ORACLE masks), the room, the time.

    ``room_names`` (room id → name) lets question answers given as room names be checked.
    """

    min_fraction: float = 0.001
    room_names: dict[str, str] = field(default_factory=dict)
    visible: list[frozenset[str]] = field(default_factory=list)
    rooms: list[str | None] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    frame_index: list[int] = field(default_factory=list)
    """The env's frame index of each logged frame (frames hidden overnight are not logged)."""
    pixels: int = 0
    """Pixels of one frame (0 before the first)."""

    def add(self, obs: Observation) -> None:
        self.pixels = obs.intrinsics.width * obs.intrinsics.height
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
        self.seconds.append(float(obs.time.seconds))
        self.days.append(int(obs.time.day))
        self.frame_index.append(int(obs.frame_index))


def _shows(log: FrameVisibilityLog, frames: list[int], kind: str, valid: tuple[str, ...]) -> bool:
    if kind == "room":
        return any(log.rooms[f] in valid for f in frames)
    return any(log.visible[f] & set(valid) for f in frames)


def _spans(task: TaskInstance, record: ExperienceRecord) -> list[tuple[int, int]]:
    """Frame spans of the interactions a question is about: the one it names, else those of
    its category yesterday, else all of yesterday's."""
    src = task.source if isinstance(task.source, dict) else {}
    day = record.last_day
    if "interaction" in src:
        picked = [r for r in record.interactions if r.index == src["interaction"]]
    elif "category" in src:
        picked = [r for r in record.on_day(day) if r.category == src["category"]]
    else:
        picked = record.on_day(day)
    return [(r.start_frame, r.end_frame) for r in picked]


def _kept_on(log: FrameVisibilityLog, frames: list[int], day: int) -> list[int]:
    return [f for f in frames if log.days[f] == day]


def _room_time_estimate(log: FrameVisibilityLog, kept: list[int], end: float) -> dict[str, float]:
    """Seconds per room as the kept frames tell it: each frame stands for the time until the
    next kept frame (the last one until ``end``)."""
    out: dict[str, float] = {}
    for f, g in zip(kept, [*kept[1:], None], strict=True):
        until = end if g is None else log.seconds[g]
        room = log.rooms[f]
        if room is not None:
            out[room] = out.get(room, 0.0) + max(until - log.seconds[f], 0.0)
    return out


def _room_time_solvable(
    task: TaskInstance, log: FrameVisibilityLog, record: ExperienceRecord, frames: list[int]
) -> bool:
    day = record.last_day
    kept = _kept_on(log, frames, day)
    visits = record.visits_on(day)
    if not kept or not visits:
        return False
    times = _room_time_estimate(log, kept, visits[-1].exit_seconds)
    if not times:
        return False
    pick = max if ROOM_TIME[task.template_id] else min
    best = pick(times, key=lambda r: (times[r], r))
    if task.kind == "question":
        return normalize_answer(log.room_names.get(best, best)) in task.answers
    return best in task.goals[0].valid


def _room_order_solvable(
    task: TaskInstance, log: FrameVisibilityLog, record: ExperienceRecord, frames: list[int]
) -> bool:
    seen = [log.rooms[f] for f in _kept_on(log, frames, record.last_day) if log.rooms[f]]
    order = [r for k, r in enumerate(seen) if k == 0 or r != seen[k - 1]]
    return order == [g.valid[0] for g in task.goals]


def solvable(task: TaskInstance, log: FrameVisibilityLog, record: ExperienceRecord, k: int) -> bool:
    """Whether the frames-``k`` baseline could solve ``task`` at best (ORACLE upper bound)."""
    frames = uniform_subsample(len(log.visible), k)
    if task.template_id in ROOM_TIME:
        return _room_time_solvable(task, log, record, frames)
    if task.template_id == "T49":
        return _room_order_solvable(task, log, record, frames)
    if task.kind in ("navigate", "multi"):
        return all(_shows(log, frames, g.kind, g.valid) for g in task.goals)
    if task.kind == "manipulate":
        return all(
            _shows(log, frames, "object", p.objects)
            and _shows(log, frames, "object", p.receptacles)
            for p in task.placements
        )
    spans = _spans(task, record)
    covered = [any(a <= log.frame_index[f] <= b for f in frames) for a, b in spans]
    if task.template_id == "T62":  # counting: every interaction of the day must be seen
        return bool(covered) and all(covered)
    return any(covered)
