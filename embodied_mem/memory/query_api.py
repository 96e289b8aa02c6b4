"""The memory↔planner seam: what a planner may ask the agent's memory, as ``Protocol`` s.

Planners, the agent loop and the LLM tool table depend on :class:`MemoryQueryAPI`, never on
the memory's internals (the scene graph, the episodic log, the short-term buffer). The API is
grouped by what a question is about:

- :class:`ObjectQueries` — objects and receptacles, their places, attributes and relations;
- :class:`EventQueries` — the agent's own interactions and rearrangements;
- :class:`RoomQueries` — rooms and the agent's visits to them;
- :class:`TimeQueries` — days, clock times, and the world as believed at a past moment.

:class:`embodied_mem.memory.retrieval.MemoryQuery` implements it over an
:class:`~embodied_mem.memory.AgentMemory`. Days are absolute day indices; ``day=None`` means
yesterday unless a method says otherwise. Every result carries
:class:`~embodied_mem.memory.results.Evidence`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from embodied_mem.memory.episodic import Keyframe
from embodied_mem.memory.results import (
    Evidence,
    InteractionHit,
    ObjectHit,
    Rearrangement,
    RoomHit,
    RoomVisit,
)
from embodied_mem.memory.short_term import STMEntry

DistanceFn = Callable[[np.ndarray], float]
"""Geodesic distance (m) from the agent's current position to a floor point (x, y); inf if unreachable."""

TimeRange = tuple[str, str] | tuple[float, float]
"""("HH:MM", "HH:MM") wall-clock bounds (inclusive) or (t0, t1) sim seconds."""

__all__ = [
    "DistanceFn",
    "EventQueries",
    "MemoryQueryAPI",
    "ObjectQueries",
    "RoomQueries",
    "TimeQueries",
    "TimeRange",
]


class ObjectQueries(Protocol):
    """Objects and receptacles: what is where, with which attributes, on or in what."""

    def resolve(self, memory_id: str) -> str: ...

    def held_object(self) -> str | None: ...

    def get(self, memory_id: str, *, at_time: float | None = None) -> ObjectHit: ...

    def objects(
        self,
        *,
        category: str | None = None,
        text: str | None = None,
        attributes: dict[str, str] | None = None,
        room: str | None = None,
        near: Sequence[float] | None = None,
        radius: float | None = None,
        on: str | None = None,
        inside: str | None = None,
        layer: str | None = "object",
        interacted: bool | None = None,
        interaction_kind: str | Iterable[str] | None = None,
        day: int | Iterable[int] | None = None,
        seen_between: tuple[float, float] | None = None,
        at_time: float | None = None,
        limit: int | None = None,
    ) -> list[ObjectHit]: ...

    def receptacles(
        self,
        *,
        category: str | None = None,
        used: bool | None = None,
        used_kind: str | Iterable[str] | None = None,
        opened: bool | None = None,
        day: int | Iterable[int] | None = None,
        **filters: object,
    ) -> list[ObjectHit]: ...

    def search_text(
        self, text: str, *, k: int = 5, layer: str | None = None
    ) -> list[ObjectHit]: ...

    def receptacle_for(
        self,
        *,
        category: str | None = None,
        object_id: str | None = None,
        kind: str = "place",
        day: int | None = None,
        which: int = -1,
    ) -> ObjectHit | None: ...

    def receptacles_used(
        self, *, kind: str | Iterable[str] = "place", day: int | Iterable[int] | None = None
    ) -> list[ObjectHit]: ...

    def unused_receptacles(
        self, *, category: str | None = None, day: int | None = None
    ) -> list[ObjectHit]: ...

    def original_receptacle(
        self, object_id: str, *, day: int | None = None
    ) -> ObjectHit | None: ...

    def is_on(self, object_id: str, receptacle_id: str) -> tuple[bool, Evidence]: ...

    def rank_by_distance(
        self, hits: Iterable[ObjectHit], distance_fn: DistanceFn, *, farthest: bool = False
    ) -> list[tuple[ObjectHit, float]]: ...

    def most_moved(
        self, *, last_n_days: int | None = None, limit: int | None = None
    ) -> list[ObjectHit]: ...

    def most_used_receptacles(
        self, *, last_n_days: int | None = None, limit: int | None = None
    ) -> list[ObjectHit]: ...

    def keyframes_showing(
        self, memory_id: str, *, day: int | None = None, limit: int = 5
    ) -> list[Keyframe]: ...


class EventQueries(Protocol):
    """The agent's own interactions (pick/place/open/close) and pick→place rearrangements."""

    def interactions(
        self,
        *,
        kind: str | Iterable[str] | None = None,
        day: int | Iterable[int] | None = None,
        between: TimeRange | None = None,
        period: str | None = None,
        category: str | None = None,
        object_id: str | None = None,
        receptacle_id: str | None = None,
        receptacle_category: str | None = None,
        room: str | None = None,
        attributes: dict[str, str] | None = None,
    ) -> list[InteractionHit]: ...

    def interaction_at(
        self, time_of_day: str, *, day: int | None = None, kind: str | Iterable[str] | None = None
    ) -> InteractionHit | None: ...

    def nth_interaction(
        self, n: int, *, kind: str = "pick", day: int | None = None
    ) -> InteractionHit | None: ...

    def adjacent_interaction(
        self, category: str, *, offset: int = 1, kind: str = "pick", day: int | None = None
    ) -> InteractionHit | None: ...

    def rearrangements(self, *, day: int | Iterable[int] | None = None) -> list[Rearrangement]: ...

    def longest_rearrangement(self, *, day: int | None = None) -> Rearrangement | None: ...

    def shortest_rearrangement(self, *, day: int | None = None) -> Rearrangement | None: ...

    def rearrangements_lasting(
        self, seconds: float, *, day: int | None = None
    ) -> list[Rearrangement]: ...

    def count_moved(self, *, day: int | None = None) -> int: ...

    def recent_changes(self, limit: int = 10) -> list[STMEntry]: ...


class RoomQueries(Protocol):
    """Rooms (the env's annotations) and the agent's visits to them."""

    def rooms(self) -> list[RoomHit]: ...

    def room_visits(self, *, day: int | None = None) -> list[RoomVisit]: ...

    def start_room(self, *, day: int | None = None) -> RoomHit | None: ...

    def end_room(self, *, day: int | None = None) -> RoomHit | None: ...

    def time_in_rooms(self, *, day: int | None = None) -> list[RoomHit]: ...

    def visited_rooms(self, *, day: int | None = None) -> list[RoomHit]: ...

    def unvisited_rooms(self, *, day: int | None = None) -> list[RoomHit]: ...

    def room_at(self, time_of_day: str, *, day: int | None = None) -> RoomHit | None: ...

    def room_containing(self, x: float, y: float) -> str | None: ...

    def room_of_interaction(
        self, category: str, *, kind: str = "pick", day: int | None = None
    ) -> RoomHit | None: ...


class TimeQueries(Protocol):
    """Days and clock times, and the world as the memory believed it at a past moment."""

    today: int
    """The day index of "today" (absolute, as the env reports days)."""

    @property
    def yesterday(self) -> int: ...

    def day_ago(self, n: int) -> int: ...

    def days(self) -> list[int]: ...

    def seconds_at(self, time_of_day: str, *, day: int) -> float | None: ...

    def state_at(self, memory_id: str, time: float) -> ObjectHit: ...

    def where_was(
        self, category: str, *, day: int, time_of_day: str | None = None, period: str | None = None
    ) -> list[ObjectHit]: ...

    def keyframe_at(self, time_of_day: str, *, day: int | None = None) -> Keyframe | None: ...


@runtime_checkable
class MemoryQueryAPI(ObjectQueries, EventQueries, RoomQueries, TimeQueries, Protocol):
    """Everything a planner may ask the agent's memory, plus a text summary for prompts."""

    def describe(self, *, budget_tokens: int = 400, day: int | None = None) -> str: ...
