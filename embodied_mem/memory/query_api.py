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

Family → methods:

- object recall/interaction (T01-T07): :meth:`objects` with ``category``/``interacted``/
  ``interaction_kind``/``room``; :meth:`receptacle_for` (picked from / placed on).
- temporal/order (T08-T15): :meth:`interaction_at`, :meth:`interactions` (``between``,
  ``period``, boundaries from ``RetrievalConfig.periods``), :meth:`nth_interaction`
  (1-based, negative from the end), :meth:`adjacent_interaction` (right after/before a
  category).
- duration (T16-T18): :meth:`rearrangements`, :meth:`longest_rearrangement`,
  :meth:`shortest_rearrangement`, :meth:`rearrangements_lasting`.
- attributes (T19-T22): ``attributes={"color": "red"}`` on :meth:`objects`/:meth:`interactions`.
- distance (T23-T25): :meth:`rank_by_distance` with a geodesic ``distance_fn(xy) -> metres``
  from the agent's current position (e.g. ``env.navigability.geodesic_distance``).
- receptacles (T26-T35): :meth:`receptacle_for`, :meth:`receptacles_used`,
  :meth:`unused_receptacles`, :meth:`original_receptacle`, :meth:`receptacles` (``opened``).
- rooms (T36-T43): :meth:`start_room`, :meth:`end_room`, :meth:`time_in_rooms`,
  :meth:`room_at`, :meth:`unvisited_rooms`, :meth:`visited_rooms`, :meth:`room_of_interaction`.
- several days (T51-T54): :meth:`day_ago`, :meth:`where_was`, :meth:`state_at`,
  :meth:`most_moved`, :meth:`most_used_receptacles`.
- questions (T59-T63): :meth:`receptacle_for` + room, :meth:`interaction_at`,
  :meth:`is_on`, :meth:`count_moved`, :meth:`time_in_rooms`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from embodied_mem.memory.episodic_records import Keyframe
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

    def resolve(self, memory_id: str) -> str:
        """The id memory keeps for ``memory_id`` now (perception may have merged it into another)."""
        ...

    def held_object(self) -> str | None:
        """Memory id of the object the agent holds now, or None (hands free)."""
        ...

    def get(self, memory_id: str, *, at_time: float | None = None) -> ObjectHit:
        """One memory object/receptacle (as believed at ``at_time`` if given).

        Raises:
            KeyError: unknown memory id, or the node did not exist yet at ``at_time``.
        """
        ...

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
    ) -> list[ObjectHit]:
        """Memory objects matching every given filter (AND), best first.

        Args:
            category: exact category (case-insensitive), e.g. "Mug".
            text: free text ranked by embedding similarity (category/attribute words when the
                memory has no embedder); results below ``min_text_score`` are dropped.
            attributes: attribute values that must match (case-insensitive), e.g. {"color": "red"}.
            room: room id the object is in.
            near / radius: within ``radius`` m (default ``near_radius``) of point (x, y[, z]).
            on / inside: memory id of the receptacle it rests on / is inside.
            layer: "object", "receptacle" or None for both.
            interacted: True = the agent interacted with it on ``day``; False = it did not.
            interaction_kind: restrict ``interacted`` to these kinds ("pick", "place", ...).
            day: day(s) for ``interacted`` (default: every day).
            seen_between: (t0, t1) sim seconds; it must be visible in a keyframe of that span.
            at_time: evaluate positions/relations as believed at this time (world instance).
            limit: keep at most this many.
        Returns:
            Hits sorted by score (text similarity, or 1.0 / distance ordering for ``near``).
        """
        ...

    def receptacles(
        self,
        *,
        category: str | None = None,
        used: bool | None = None,
        used_kind: str | Iterable[str] | None = None,
        opened: bool | None = None,
        day: int | Iterable[int] | None = None,
        **filters: object,
    ) -> list[ObjectHit]:
        """Receptacles (furniture layer) with :meth:`objects` filters plus usage.

        Args:
            used: True = the agent picked from / placed on / opened it on ``day``; False = never.
            used_kind: restrict usage to kinds ("place", "pick", "open", "close").
            opened: shorthand for ``used=True, used_kind="open"`` (T35).
        """
        ...

    def search_text(self, text: str, *, k: int = 5, layer: str | None = None) -> list[ObjectHit]:
        """Top-``k`` memory nodes by text similarity (embedding cosine)."""
        ...

    def receptacle_for(
        self,
        *,
        category: str | None = None,
        object_id: str | None = None,
        kind: str = "place",
        day: int | None = None,
        which: int = -1,
    ) -> ObjectHit | None:
        """Where the object was placed (``kind="place"``) or picked from (``"pick"``).

        ``which`` picks among several such interactions (1 = first, -1 = last).
        """
        ...

    def receptacles_used(
        self, *, kind: str | Iterable[str] = "place", day: int | Iterable[int] | None = None
    ) -> list[ObjectHit]:
        """Receptacles used by ``kind`` interactions, in order of first use (T28, T29, T46)."""
        ...

    def unused_receptacles(
        self, *, category: str | None = None, day: int | None = None
    ) -> list[ObjectHit]:
        """Receptacles (of ``category``) not picked from / placed on / opened on ``day`` (T30)."""
        ...

    def original_receptacle(self, object_id: str, *, day: int | None = None) -> ObjectHit | None:
        """The receptacle ``object_id`` rested on before its first pick of ``day`` (T34, T58)."""
        ...

    def is_on(self, object_id: str, receptacle_id: str) -> tuple[bool, Evidence]:
        """Whether memory believes ``object_id`` is on/in ``receptacle_id`` now (T61)."""
        ...

    def rank_by_distance(
        self, hits: Iterable[ObjectHit], distance_fn: DistanceFn, *, farthest: bool = False
    ) -> list[tuple[ObjectHit, float]]:
        """Sort hits by ``distance_fn(position_xy)`` (nearest first, or farthest first);
        unreachable (inf) hits go last either way."""
        ...

    def most_moved(
        self, *, last_n_days: int | None = None, limit: int | None = None
    ) -> list[ObjectHit]:
        """Objects by number of rearrangements over the last ``n`` days (score = count) (T53)."""
        ...

    def most_used_receptacles(
        self, *, last_n_days: int | None = None, limit: int | None = None
    ) -> list[ObjectHit]:
        """Receptacles by number of picks from / places on / opens over the last ``n`` days (T54)."""
        ...

    def keyframes_showing(
        self, memory_id: str, *, day: int | None = None, limit: int = 5
    ) -> list[Keyframe]:
        """Keyframes where ``memory_id`` was visible, largest coverage first."""
        ...


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
    ) -> list[InteractionHit]:
        """The agent's own interactions in time order, filtered (AND).

        Args:
            kind: "pick", "place", "open", "close" (default all four).
            between: wall-clock ("HH:MM", "HH:MM") or sim seconds (t0, t1), inclusive, matched
                against the interaction's [start, end].
            period: "morning" | "afternoon" | "evening".
            category / attributes: of the object acted on.
            object_id / receptacle_id: memory ids (receptacle matches source, target or the
                container opened/closed).
            receptacle_category: category of that receptacle (e.g. "CounterTop", T05/T06).
            room: where the agent was when it acted.
        """
        ...

    def interaction_at(
        self, time_of_day: str, *, day: int | None = None, kind: str | Iterable[str] | None = None
    ) -> InteractionHit | None:
        """The interaction at ``HH:MM`` (inside a pick→place span, else the nearest within
        ``at_tolerance_minutes``) on ``day`` (default yesterday)."""
        ...

    def nth_interaction(
        self, n: int, *, kind: str = "pick", day: int | None = None
    ) -> InteractionHit | None:
        """The ``n``-th (1-based; -1 = last) interaction of ``kind`` on ``day`` (default yesterday)."""
        ...

    def adjacent_interaction(
        self, category: str, *, offset: int = 1, kind: str = "pick", day: int | None = None
    ) -> InteractionHit | None:
        """The ``kind`` interaction ``offset`` places after (+) / before (-) the one with ``category``."""
        ...

    def rearrangements(self, *, day: int | Iterable[int] | None = None) -> list[Rearrangement]:
        """Pick→place pairs in time order (``day`` None = every day)."""
        ...

    def longest_rearrangement(self, *, day: int | None = None) -> Rearrangement | None: ...

    def shortest_rearrangement(self, *, day: int | None = None) -> Rearrangement | None: ...

    def rearrangements_lasting(
        self, seconds: float, *, day: int | None = None
    ) -> list[Rearrangement]:
        """Rearrangements whose duration is within ``duration_tolerance`` of ``seconds``, closest first."""
        ...

    def count_moved(self, *, day: int | None = None) -> int:
        """Distinct objects moved (picked and placed) on ``day`` (T62)."""
        ...

    def recent_changes(self, limit: int = 10) -> list[STMEntry]:
        """Most recent short-term entries (moves/state changes/interactions), newest first."""
        ...


class RoomQueries(Protocol):
    """Rooms (the env's annotations) and the agent's visits to them."""

    def rooms(self) -> list[RoomHit]: ...

    def room_visits(self, *, day: int | None = None) -> list[RoomVisit]: ...

    def start_room(self, *, day: int | None = None) -> RoomHit | None: ...

    def end_room(self, *, day: int | None = None) -> RoomHit | None: ...

    def time_in_rooms(self, *, day: int | None = None) -> list[RoomHit]:
        """Rooms with ``score`` = seconds spent in them on ``day``, most time first (T38, T39, T63)."""
        ...

    def visited_rooms(self, *, day: int | None = None) -> list[RoomHit]:
        """Rooms in the order first entered on ``day`` (T49)."""
        ...

    def unvisited_rooms(self, *, day: int | None = None) -> list[RoomHit]: ...

    def room_at(self, time_of_day: str, *, day: int | None = None) -> RoomHit | None: ...

    def room_containing(self, x: float, y: float) -> str | None:
        """Id of the smallest remembered room whose footprint contains floor point (x, y), or None."""
        ...

    def room_of_interaction(
        self, category: str, *, kind: str = "pick", day: int | None = None
    ) -> RoomHit | None:
        """Room where the agent picked (or placed) the ``category`` (T40, T41)."""
        ...


class TimeQueries(Protocol):
    """Days and clock times, and the world as the memory believed it at a past moment."""

    today: int
    """The day index of "today" (absolute, as the env reports days)."""

    @property
    def yesterday(self) -> int: ...

    def day_ago(self, n: int) -> int:
        """Absolute day index of "``n`` days ago" (n >= 1)."""
        ...

    def days(self) -> list[int]:
        """Days the memory has frames for, ascending."""
        ...

    def seconds_at(self, time_of_day: str, *, day: int) -> float | None:
        """Sim seconds of ``HH:MM`` on ``day`` from that day's logged clock; None if no frames."""
        ...

    def state_at(self, memory_id: str, time: float) -> ObjectHit:
        """The object as believed at sim time ``time`` (world instance of that time)."""
        ...

    def where_was(
        self, category: str, *, day: int, time_of_day: str | None = None, period: str | None = None
    ) -> list[ObjectHit]:
        """Objects of ``category`` as believed on ``day`` at ``HH:MM``, or at the start of a
        ``period`` (its start in ``RetrievalConfig.periods``), default the end of that day (T52, T56)."""
        ...

    def keyframe_at(self, time_of_day: str, *, day: int | None = None) -> Keyframe | None: ...


@runtime_checkable
class MemoryQueryAPI(ObjectQueries, EventQueries, RoomQueries, TimeQueries, Protocol):
    """Everything a planner may ask the agent's memory, plus a text summary for prompts."""

    def describe(self, *, budget_tokens: int = 400, day: int | None = None) -> str:
        """Compact text summary of memory for an LLM prompt, within ``budget_tokens`` (≈4 chars/token)."""
        ...
