"""Typed results of memory retrieval. Every result carries :class:`Evidence`.

Evidence is what a planner (or a user reading a replay) needs to check an answer: the memory
node ids involved, the times, agent poses and frame indices (FindingDory answers frames).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from embodied_mem.memory.episodic_records import Event, EventKind
from envs.types import AgentPose


@dataclass(frozen=True)
class Evidence:
    """Why a result was returned: memory ids, times (s), frame indices and agent poses."""

    memory_ids: tuple[str, ...] = ()
    times: tuple[float, ...] = ()
    frame_indices: tuple[int, ...] = ()
    poses: tuple[AgentPose, ...] = ()
    event_ids: tuple[int, ...] = ()
    note: str = ""

    def merged(self, other: Evidence) -> Evidence:
        """Union of two evidences, order kept, duplicates dropped."""

        def cat(a: tuple, b: tuple) -> tuple:
            return tuple(dict.fromkeys(a + b))

        note = "; ".join(n for n in (self.note, other.note) if n)
        return Evidence(
            cat(self.memory_ids, other.memory_ids),
            cat(self.times, other.times),
            cat(self.frame_indices, other.frame_indices),
            cat(self.poses, other.poses),
            cat(self.event_ids, other.event_ids),
            note,
        )

    @classmethod
    def of_event(cls, ev: Event, note: str = "") -> Evidence:
        ids = tuple(i for i in (ev.object_id, ev.source_id, ev.target_id) if i is not None)
        times = (ev.start_time,) if ev.end_time == ev.start_time else (ev.start_time, ev.end_time)
        frames = (
            (ev.start_frame,) if ev.end_frame == ev.start_frame else (ev.start_frame, ev.end_frame)
        )
        poses = (ev.pose,) if ev.pose is not None else ()
        return cls(ids, times, frames, poses, (ev.event_id,), note)


@dataclass(frozen=True)
class ObjectState:
    """A memory object or receptacle as believed at one time (a row of the long-term memory).

    ``position`` is the centroid (x, y, z) in world metres; ``parent_id``/``relation`` say what it
    rests on or is inside ("on" / "inside"), if anything; ``state`` is open/closed/held/None.
    """

    memory_id: str
    layer: str
    category: str
    position: tuple[float, float, float]
    bbox_min: tuple[float, float, float]
    bbox_max: tuple[float, float, float]
    room_id: str | None
    parent_id: str | None
    relation: str | None
    state: str | None
    attributes: dict[str, str]
    confidence: float
    first_seen: float
    last_seen: float
    n_observations: int


@dataclass(frozen=True)
class ObjectHit:
    """One object/receptacle answer: its believed state, a score (higher is better) and evidence."""

    obj: ObjectState
    score: float
    evidence: Evidence

    @property
    def memory_id(self) -> str:
        return self.obj.memory_id

    @property
    def category(self) -> str:
        return self.obj.category

    @property
    def position(self) -> tuple[float, float, float]:
        return self.obj.position


@dataclass(frozen=True)
class InteractionHit:
    """One of the agent's own interactions, with the categories of what it involved."""

    event: Event
    object_category: str | None
    source_category: str | None
    target_category: str | None
    evidence: Evidence

    @property
    def kind(self) -> EventKind:
        return self.event.kind


@dataclass(frozen=True)
class Rearrangement:
    """A pick followed by the place of the same object (``place`` None if never placed).

    ``duration`` is seconds from the pick's start to the place's end (FindingDory's "time it
    took to rearrange"); None while the object is still held.
    """

    object_id: str
    object_category: str | None
    source_id: str | None
    target_id: str | None
    pick: Event
    place: Event | None
    evidence: Evidence

    @property
    def duration(self) -> float | None:
        return None if self.place is None else self.place.end_time - self.pick.start_time

    @property
    def day(self) -> int:
        return self.pick.day


@dataclass(frozen=True)
class RoomVisit:
    """The agent was in ``room_id`` from ``enter_time`` to ``exit_time`` (seconds) on ``day``."""

    room_id: str
    day: int
    enter_time: float
    exit_time: float
    enter_frame: int
    exit_frame: int
    enter_time_of_day: str

    @property
    def duration(self) -> float:
        return self.exit_time - self.enter_time


@dataclass(frozen=True)
class RoomHit:
    """A room answer: annotation id/name/type, a floor anchor (x, y) inside it, and a score."""

    room_id: str
    name: str
    room_type: str
    anchor: tuple[float, float]
    score: float
    evidence: Evidence = field(default_factory=Evidence)
