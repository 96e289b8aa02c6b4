"""The memory query API over an :class:`~embodied_mem.memory.AgentMemory` (no ground truth).

:class:`MemoryQuery` implements :class:`~embodied_mem.memory.query_api.MemoryQueryAPI` (where
each method is documented) from the long-term scene graph, the episodic log and the
short-term buffer. Days are absolute day indices as the env reported them; ``today``
defaults to the day after the last experienced day, so ``q.yesterday`` is the last experience
day and ``q.day_ago(n)`` is ``today - n``. The work is done by plain functions of a
:class:`~embodied_mem.memory.retrieval_context.QuerySources` in ``retrieval_events``,
``retrieval_objects`` and ``retrieval_rooms``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from embodied_mem.memory import retrieval_events as rev
from embodied_mem.memory import retrieval_objects as robj
from embodied_mem.memory import retrieval_rooms as rrooms
from embodied_mem.memory.describe import describe_memory, time_formatter
from embodied_mem.memory.episodic_records import Event, EventKind, Keyframe
from embodied_mem.memory.query_api import DistanceFn, TimeRange
from embodied_mem.memory.results import (
    Evidence,
    InteractionHit,
    ObjectHit,
    ObjectState,
    Rearrangement,
    RoomHit,
    RoomVisit,
)
from embodied_mem.memory.retrieval_context import QueryableMemory, QuerySources, RetrievalConfig
from embodied_mem.memory.short_term import STMEntry
from envs.timeutil import format_hhmm

logger = logging.getLogger(__name__)


class MemoryQuery:
    """Structured, text, spatial, temporal and relational queries over an :class:`AgentMemory`.

    Implements :class:`~embodied_mem.memory.query_api.MemoryQueryAPI`, the one interface
    planners use; the attributes ``memory``/``lt``/``log`` are the memory's internals, for
    retrieval code and tests, not for planners.

    Args:
        memory: the agent's memory (:class:`~embodied_mem.memory.AgentMemory`: long-term graph,
            episodic log, short-term buffer, text embedder).
        today: the day index of "today"; default: the day after the last logged day.
        config: thresholds; defaults if None.
    """

    def __init__(
        self,
        memory: QueryableMemory,
        *,
        today: int | None = None,
        config: RetrievalConfig | None = None,
    ) -> None:
        self.memory = memory
        self.lt = memory.long_term
        self.log = memory.episodic
        self.config = config or RetrievalConfig()
        self._src = QuerySources(self.lt, self.log, self.config, memory.embed_text)
        days = self.log.days()
        self.today = today if today is not None else (days[-1] + 1 if days else 0)

    # ------------------------------------------------------------------ days
    @property
    def yesterday(self) -> int:
        return self.today - 1

    def day_ago(self, n: int) -> int:
        """Absolute day index of "``n`` days ago" (n >= 1)."""
        if n < 1:
            raise ValueError(f"days ago must be >= 1, got {n}")
        return self.today - n

    def days(self) -> list[int]:
        """Days the memory has frames for, ascending."""
        return self.log.days()

    # ------------------------------------------------------------------ identity
    def resolve(self, memory_id: str) -> str:
        """The id memory keeps for ``memory_id`` now (perception may have merged it into another)."""
        return self.lt.resolve(memory_id)

    def held_object(self) -> str | None:
        """Memory id of the object the agent holds now, or None (hands free)."""
        held = self.lt.held
        return self.lt.resolve(held) if held else None

    # ------------------------------------------------------------------ objects
    def get(self, memory_id: str, *, at_time: float | None = None) -> ObjectHit:
        """See :meth:`MemoryQueryAPI.get <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        st = self.lt.state(self.lt.resolve(memory_id), at_time)
        if st is None:
            raise KeyError(f"memory object {memory_id!r} is unknown or not yet seen at t={at_time}")
        return ObjectHit(st, 1.0, self._object_evidence(st))

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
        """See :meth:`MemoryQueryAPI.objects <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        return robj.find_objects(
            self._src,
            category=category,
            text=text,
            attributes=attributes,
            room=room,
            near=near,
            radius=radius,
            on=on,
            inside=inside,
            layer=layer,
            interacted=interacted,
            interaction_kind=interaction_kind,
            day=day,
            seen_between=seen_between,
            at_time=at_time,
            limit=limit,
        )

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
        """See :meth:`MemoryQueryAPI.receptacles <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        if opened is not None:
            used, used_kind = opened, "open"
        hits = self.objects(category=category, layer="receptacle", **filters)  # type: ignore[arg-type]
        if used is None:
            return hits
        usage = rev.receptacle_usage(self._src, used_kind, day)
        return [h for h in hits if (h.memory_id in usage) == used]

    def search_text(self, text: str, *, k: int = 5, layer: str | None = None) -> list[ObjectHit]:
        """Top-``k`` memory nodes by text similarity (embedding cosine)."""
        return self.objects(text=text, layer=layer, limit=k)

    # ------------------------------------------------------------------ interactions
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
        """See :meth:`MemoryQueryAPI.interactions <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        return rev.interactions(
            self._src,
            kind=kind,
            day=day,
            between=between,
            period=period,
            category=category,
            object_id=object_id,
            receptacle_id=receptacle_id,
            receptacle_category=receptacle_category,
            room=room,
            attributes=attributes,
        )

    def interaction_at(
        self, time_of_day: str, *, day: int | None = None, kind: str | Iterable[str] | None = None
    ) -> InteractionHit | None:
        """See :meth:`MemoryQueryAPI.interaction_at <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        return rev.interaction_at(
            self._src, time_of_day, day=self.yesterday if day is None else day, kind=kind
        )

    def nth_interaction(
        self, n: int, *, kind: str = "pick", day: int | None = None
    ) -> InteractionHit | None:
        """The ``n``-th (1-based; -1 = last) interaction of ``kind`` on ``day`` (default yesterday)."""
        hits = self.interactions(kind=kind, day=self.yesterday if day is None else day)
        if n == 0:
            raise ValueError("ordinals are 1-based (1 = first, -1 = last); got 0")
        idx = n - 1 if n > 0 else n
        return hits[idx] if -len(hits) <= idx < len(hits) else None

    def adjacent_interaction(
        self, category: str, *, offset: int = 1, kind: str = "pick", day: int | None = None
    ) -> InteractionHit | None:
        """The ``kind`` interaction ``offset`` places after (+) / before (-) the one with ``category``."""
        hits = self.interactions(kind=kind, day=self.yesterday if day is None else day)
        for i, h in enumerate(hits):
            if (h.object_category or "").lower() == category.lower():
                j = i + offset
                return hits[j] if 0 <= j < len(hits) else None
        return None

    def rearrangements(self, *, day: int | Iterable[int] | None = None) -> list[Rearrangement]:
        """Pick→place pairs in time order (``day`` None = every day)."""
        return rev.rearrangements(self._src, day)

    def _completed_rearrangements(self, day: int | None) -> list[Rearrangement]:
        """Pick→place pairs of ``day`` (default yesterday) that have a place (so a duration)."""
        return [
            r
            for r in self.rearrangements(day=self.yesterday if day is None else day)
            if r.duration is not None
        ]

    def longest_rearrangement(self, *, day: int | None = None) -> Rearrangement | None:
        done = self._completed_rearrangements(day)
        return max(done, key=lambda r: (r.duration, -r.pick.start_time)) if done else None

    def shortest_rearrangement(self, *, day: int | None = None) -> Rearrangement | None:
        done = self._completed_rearrangements(day)
        return min(done, key=lambda r: (r.duration, r.pick.start_time)) if done else None

    def rearrangements_lasting(
        self, seconds: float, *, day: int | None = None
    ) -> list[Rearrangement]:
        """Rearrangements whose duration is within ``duration_tolerance`` of ``seconds``, closest first."""
        tol = self.config.duration_tolerance * seconds
        done = [
            r
            for r in self._completed_rearrangements(day)
            if abs((r.duration or 0.0) - seconds) <= tol
        ]
        return sorted(done, key=lambda r: abs((r.duration or 0.0) - seconds))

    # ------------------------------------------------------------------ receptacles
    def receptacle_for(
        self,
        *,
        category: str | None = None,
        object_id: str | None = None,
        kind: str = "place",
        day: int | None = None,
        which: int = -1,
    ) -> ObjectHit | None:
        """See :meth:`MemoryQueryAPI.receptacle_for <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        return rev.receptacle_for(
            self._src,
            category=category,
            object_id=object_id,
            kind=kind,
            day=self.yesterday if day is None else day,
            which=which,
        )

    def receptacles_used(
        self, *, kind: str | Iterable[str] = "place", day: int | Iterable[int] | None = None
    ) -> list[ObjectHit]:
        """Receptacles used by ``kind`` interactions, in order of first use (T28, T29, T46)."""
        return rev.receptacles_used(self._src, kind, self.yesterday if day is None else day)

    def unused_receptacles(
        self, *, category: str | None = None, day: int | None = None
    ) -> list[ObjectHit]:
        """Receptacles (of ``category``) not picked from / placed on / opened on ``day`` (T30)."""
        return self.receptacles(
            category=category, used=False, day=self.yesterday if day is None else day
        )

    def original_receptacle(self, object_id: str, *, day: int | None = None) -> ObjectHit | None:
        """The receptacle ``object_id`` rested on before its first pick of ``day`` (T34, T58)."""
        return self.receptacle_for(object_id=object_id, kind="pick", day=day, which=1)

    def is_on(self, object_id: str, receptacle_id: str) -> tuple[bool, Evidence]:
        """Whether memory believes ``object_id`` is on/in ``receptacle_id`` now (T61)."""
        st = self.get(object_id).obj
        return st.parent_id == self.lt.resolve(receptacle_id), self._object_evidence(st)

    # ------------------------------------------------------------------ distance
    @staticmethod
    def rank_by_distance(
        hits: Iterable[ObjectHit], distance_fn: DistanceFn, *, farthest: bool = False
    ) -> list[tuple[ObjectHit, float]]:
        """See :meth:`MemoryQueryAPI.rank_by_distance <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        scored = [(h, float(distance_fn(np.asarray(h.position[:2], dtype=float)))) for h in hits]
        finite = [s for s in scored if np.isfinite(s[1])]
        rest = [s for s in scored if not np.isfinite(s[1])]
        finite.sort(key=lambda s: (-s[1] if farthest else s[1], s[0].memory_id))
        return finite + rest

    # ------------------------------------------------------------------ rooms
    def rooms(self) -> list[RoomHit]:
        return rrooms.all_rooms(self._src)

    def room_visits(self, *, day: int | None = None) -> list[RoomVisit]:
        return rrooms.room_visits(self._src, self.yesterday if day is None else day)

    def start_room(self, *, day: int | None = None) -> RoomHit | None:
        return rrooms.start_room(self._src, self.yesterday if day is None else day)

    def end_room(self, *, day: int | None = None) -> RoomHit | None:
        return rrooms.end_room(self._src, self.yesterday if day is None else day)

    def time_in_rooms(self, *, day: int | None = None) -> list[RoomHit]:
        """Rooms with ``score`` = seconds spent in them on ``day``, most time first (T38, T39, T63)."""
        return rrooms.time_in_rooms(self._src, self.yesterday if day is None else day)

    def visited_rooms(self, *, day: int | None = None) -> list[RoomHit]:
        """Rooms in the order first entered on ``day`` (T49)."""
        return rrooms.visited_rooms(self._src, self.yesterday if day is None else day)

    def unvisited_rooms(self, *, day: int | None = None) -> list[RoomHit]:
        return rrooms.unvisited_rooms(self._src, self.yesterday if day is None else day)

    def room_at(self, time_of_day: str, *, day: int | None = None) -> RoomHit | None:
        return rrooms.room_at(self._src, time_of_day, self.yesterday if day is None else day)

    def room_containing(self, x: float, y: float) -> str | None:
        """Id of the smallest remembered room whose footprint contains floor point (x, y), or None."""
        return self.lt.room_at(x, y)

    def room_of_interaction(
        self, category: str, *, kind: str = "pick", day: int | None = None
    ) -> RoomHit | None:
        """Room where the agent picked (or placed) the ``category`` (T40, T41)."""
        return rrooms.room_of_interaction(
            self._src, category, kind, self.yesterday if day is None else day
        )

    # ------------------------------------------------------------------ several days
    def state_at(self, memory_id: str, time: float) -> ObjectHit:
        """The object as believed at sim time ``time`` (world instance of that time)."""
        return self.get(memory_id, at_time=time)

    def seconds_at(self, time_of_day: str, *, day: int) -> float | None:
        """Sim seconds of ``HH:MM`` on ``day`` from that day's logged clock; None if no frames."""
        return rrooms.seconds_at(self._src, time_of_day, day)

    def where_was(
        self, category: str, *, day: int, time_of_day: str | None = None, period: str | None = None
    ) -> list[ObjectHit]:
        """See :meth:`MemoryQueryAPI.where_was <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        if period is not None:
            if time_of_day is not None:
                raise ValueError("give time_of_day= or period=, not both")
            time_of_day = format_hhmm(self.config.periods.range_of(period)[0])
        if time_of_day is None:
            span = self.log.day_span(day)
            t = span[1] if span else None
        else:
            t = self.seconds_at(time_of_day, day=day)
        if t is None:
            return []
        return self.objects(category=category, at_time=t)

    def most_moved(
        self, *, last_n_days: int | None = None, limit: int | None = None
    ) -> list[ObjectHit]:
        """Objects by number of rearrangements over the last ``n`` days (score = count) (T53)."""
        days = self._last_days(last_n_days)
        counts = Counter(r.object_id for r in self.rearrangements(day=days))
        return self._ranked(counts, limit)

    def most_used_receptacles(
        self, *, last_n_days: int | None = None, limit: int | None = None
    ) -> list[ObjectHit]:
        """Receptacles by number of picks from / places on / opens over the last ``n`` days (T54)."""
        days = self._last_days(last_n_days)
        counts: Counter[str] = Counter()
        for h in self.interactions(day=days):
            for rid in rev.receptacles_of_event(h.event):
                counts[rid] += 1
        return self._ranked(counts, limit)

    def count_moved(self, *, day: int | None = None) -> int:
        """Distinct objects moved (picked and placed) on ``day`` (T62)."""
        return len(
            {
                r.object_id
                for r in self.rearrangements(day=self.yesterday if day is None else day)
                if r.place is not None
            }
        )

    # ------------------------------------------------------------------ keyframes / short-term
    def keyframes_showing(
        self, memory_id: str, *, day: int | None = None, limit: int = 5
    ) -> list[Keyframe]:
        """Keyframes where ``memory_id`` was visible, largest coverage first."""
        mid = self.lt.resolve(memory_id)
        kfs = [k for k in self.log.keyframes_with(mid) if day is None or k.day == day]

        def coverage(k: Keyframe) -> float:  # keyframes keep pre-merge ids: resolve them
            return sum(v for i, v in k.visible.items() if i == mid or self.lt.resolve(i) == mid)

        kfs.sort(key=lambda k: (-coverage(k), k.frame_index))
        return kfs[:limit]

    def keyframe_at(self, time_of_day: str, *, day: int | None = None) -> Keyframe | None:
        t = self.seconds_at(time_of_day, day=self.yesterday if day is None else day)
        return None if t is None else self.log.keyframe_near(t)

    def recent_changes(self, limit: int = 10) -> list[STMEntry]:
        """Most recent short-term entries (moves/state changes/interactions), newest first."""
        return self.memory.short_term.recent(limit)

    def describe(self, *, budget_tokens: int = 400, day: int | None = None) -> str:
        """Compact text summary of memory for an LLM prompt, within ``budget_tokens`` (≈4 chars/token)."""
        return describe_memory(
            self, budget_tokens=budget_tokens, day=day, when=time_formatter(self._src)
        )

    # ------------------------------------------------------------------ helpers
    def _last_days(self, n: int | None) -> list[int] | None:
        return None if n is None else list(range(self.today - n, self.today))

    def _ranked(self, counts: Counter[str], limit: int | None) -> list[ObjectHit]:
        return robj.ranked(self._src, counts, limit)

    def _object_evidence(self, st: ObjectState, events: list[Event] | None = None) -> Evidence:
        return robj.object_evidence(self._src, st, events)


__all__ = ["DistanceFn", "EventKind", "MemoryQuery", "RetrievalConfig", "TimeRange"]
